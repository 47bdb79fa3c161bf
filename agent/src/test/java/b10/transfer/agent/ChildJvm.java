package b10.transfer.agent;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts a real child JVM and collects what it printed. */
final class ChildJvm {
    record Result(int exit, String out, String err, long millis) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.startsWith("WARNING:")).toList();
        }
    }

    static Path jar() {
        return Path.of(System.getProperty("b10.test.jar", "target/b10-transfer.jar")).toAbsolutePath();
    }

    /** The feature version of the JDK at {@code jdk}, from its release file. */
    static int feature(String jdk) {
        try {
            String release = Files.readString(Path.of(jdk, "release"));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(release);
            return m.find() ? Integer.parseInt(m.group(1)) : 17;
        } catch (Exception e) {
            return 17;
        }
    }

    /** Every JDK the build found (B10_TEST_JAVA_HOMES), or this one. */
    static List<String> javaHomes() {
        String homes = System.getenv("B10_TEST_JAVA_HOMES");
        List<String> out = new ArrayList<>();
        if (homes != null) {
            for (String h : homes.trim().split("\\s+")) {
                if (!h.isEmpty() && Files.isExecutable(Path.of(h, "bin", "java"))) {
                    out.add(h);
                }
            }
        }
        if (out.isEmpty()) {
            out.add(System.getProperty("java.home"));
        }
        return out;
    }

    static Result run(String javaHome, Map<String, String> env, long timeoutSeconds, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(javaHome, "bin", "java").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = withEnvironment(new ProcessBuilder(cmd), env);
        Path out = Files.createTempFile("child-out", ".txt");
        Path err = Files.createTempFile("child-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not end within " + timeoutSeconds + " s: " + cmd + "\n" + Files.readString(err));
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err), millis);
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        return r;
    }

    /** The builder's environment without any of our settings inherited from the build, plus env. */
    static ProcessBuilder withEnvironment(ProcessBuilder pb, Map<String, String> env) {
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("B10_TRANSFER_") || k.startsWith("TORCH") || k.equals("B10FS_CACHE_DIR")
                || k.equals("VIRTUAL_ENV") || k.equals("MAX_CACHE_SIZE_MB") || k.startsWith("JAVA_TOOL") || k.startsWith("AWS_"));
        e.putAll(env);
        return pb;
    }

    /**
     * A class path on which the implementation's classes are plain classes beside the jar's top, for a
     * child that calls them directly (the jar itself nests them, for the agent, the CLI and the API).
     */
    static String implementationClassPath() {
        return jar() + File.pathSeparator + System.getProperty("b10.test.coreJar") + File.pathSeparator + testClasses();
    }

    static String testClasses() {
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.endsWith("test-classes")) {
                return e;
            }
        }
        throw new IllegalStateException("no test-classes on the class path");
    }

    static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
