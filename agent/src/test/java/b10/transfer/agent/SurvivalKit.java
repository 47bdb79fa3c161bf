package b10.transfer.agent;

import b10.transfer.archive.ExtractionLimits;
import b10.transfer.archive.SafeExtractor;
import b10.transfer.config.Settings;
import b10.transfer.ops.OperationControl;
import b10.transfer.store.LocalCache;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** What the survival tests share: generated caches, tree digests, snapshots of what must stay untouched, the report. */
final class SurvivalKit {
    private SurvivalKit() {
    }

    /**
     * Writes {@code files} files totalling about {@code totalBytes} under two levels of directories,
     * the same bytes for the same seed. Sizes are skewed (most files small, a few large); contents
     * repeat blocks from a pool, so they compress a few times, like compiled kernels.
     */
    static void generate(Path dir, int files, long totalBytes, long seed) throws IOException {
        Random rnd = new Random(seed);
        byte[][] pool = new byte[64][];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = new byte[4096];
            rnd.nextBytes(pool[i]);
            for (int j = 0; j < 4096; j += 1 + rnd.nextInt(4)) {
                pool[i][j] = (byte) "triton_kernel ld.global mma ".charAt(j % 28); // text-like runs
            }
        }
        double[] weights = new double[files];
        double sum = 0;
        for (int i = 0; i < files; i++) {
            weights[i] = Math.exp(rnd.nextGaussian() * 1.6);
            sum += weights[i];
        }
        byte[] buf = new byte[1 << 16];
        for (int i = 0; i < files; i++) {
            Path f = dir.resolve("d" + (i % 97)).resolve("k" + (i % 13)).resolve("f" + i + ".bin");
            Files.createDirectories(f.getParent());
            long size = (long) (totalBytes * weights[i] / sum);
            try (var out = Files.newOutputStream(f)) {
                long left = size;
                while (left > 0) {
                    int n = (int) Math.min(left, buf.length);
                    for (int off = 0; off < n; off += 4096) {
                        System.arraycopy(pool[rnd.nextInt(pool.length)], 0, buf, off, Math.min(4096, n - off));
                    }
                    buf[0] = (byte) i; // no two files alike
                    out.write(buf, 0, n);
                    left -= n;
                }
            }
        }
        Files.writeString(dir.resolve("version.txt"), "seed " + seed + "\n");
    }

    /** Every regular file under dir, by relative path, with its SHA-256; directories as "dir". */
    static Map<String, String> digest(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                if (!d.equals(dir)) {
                    out.put(dir.relativize(d).toString(), "dir");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                out.put(dir.relativize(f).toString(), attrs.isRegularFile() ? sha256(f) : "special");
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    static String sha256(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Extracts an archive with full verification (manifest and digest) into a fresh directory and returns its digest. */
    static Map<String, String> verifiedContent(Path archive, Path scratch) throws IOException {
        Path staging = Files.createTempDirectory(scratch, "verify");
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try (InputStream in = Files.newInputStream(archive)) {
            SafeExtractor.Result r = new SafeExtractor(ExtractionLimits.of(Settings.from(Map.of(), Map.of())), writers)
                    .extract(in, staging, new OperationControl());
            if (!r.verified()) {
                throw new AssertionError(archive + " has no manifest to verify");
            }
            return digest(staging);
        } finally {
            writers.shutdownNow();
            LocalCache.deleteTree(staging);
        }
    }

    /**
     * Type, size and modification time of everything under root except the paths excluded: taken
     * before and after a scenario, it shows that nothing outside the cache and the store changed.
     */
    static Map<String, String> snapshot(Path root, Predicate<Path> excluded) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                if (!d.equals(root) && excluded.test(d)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                out.put(root.relativize(d).toString() + "/", "dir");
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                if (!excluded.test(f)) {
                    out.put(root.relativize(f).toString(), a.size() + "@" + a.lastModifiedTime().toMillis());
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    /** Files and directories under dir whose names mark them as our temporaries (store temporaries, staging, swapped-out caches). */
    static List<Path> temporaries(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (var s = Files.list(dir)) {
            s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".tmp") || n.contains(".b10-staging-") || n.contains(".b10-old-");
            }).forEach(out::add);
        }
        return out;
    }

    /** Starts the CLI with a pause point armed, waits until it pauses there, and kills it with SIGKILL. */
    static void killAt(String point, Map<String, String> env, Path logs, String... args) throws Exception {
        List<String> cli = new ArrayList<>(List.of(args));
        cli.add("--quiet");
        Child c = Child.start(env, logs, List.of("-Db10.transfer.pauseAt=" + point), cli.toArray(String[]::new));
        boolean paused = c.awaitMarker("b10-transfer: paused at " + point, 120_000);
        String err = c.stderr();
        c.kill9();
        org.junit.jupiter.api.Assertions.assertTrue(paused, "never reached " + point + ":\n" + err);
    }

    /** A child JVM running the CLI, its stderr in a file, so the test can wait for a pause marker. */
    record Child(Process process, Path err) {
        static Child start(Map<String, String> env, Path logDir, List<String> jvmArgs, String... cliArgs) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xshare:auto");
            cmd.addAll(jvmArgs);
            cmd.add("-jar");
            cmd.add(ChildJvm.jar().toString());
            cmd.addAll(List.of(cliArgs));
            ProcessBuilder pb = ChildJvm.withEnvironment(new ProcessBuilder(cmd), env);
            Path err = Files.createTempFile(logDir, "child", ".err");
            pb.redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            return new Child(pb.start(), err);
        }

        /** Waits until stderr holds the marker; false if the process ended or the time passed first. */
        boolean awaitMarker(String marker, long timeoutMillis) throws Exception {
            long end = System.currentTimeMillis() + timeoutMillis;
            while (System.currentTimeMillis() < end) {
                if (Files.readString(err).contains(marker)) {
                    return true;
                }
                if (!process.isAlive()) {
                    return Files.readString(err).contains(marker);
                }
                Thread.sleep(5);
            }
            return false;
        }

        /** SIGKILL, then wait for the process to be gone. */
        void kill9() throws InterruptedException {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("a killed process did not end");
            }
        }

        String stderr() throws IOException {
            return Files.readString(err);
        }
    }

    /** Rows of the survival table: each test class writes its own file under target/survival-report. */
    static void report(String file, List<String> rows) {
        try {
            Path dir = Files.createDirectories(Path.of(System.getProperty("b10.test.report", "target/survival-report")));
            Files.write(dir.resolve(file), rows);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The settings every survival scenario uses: its local cache and store, the fake venv, no GPU probe; plus kv. */
    static Map<String, String> env(Path local, Path store, Path venv, String... kv) {
        Map<String, String> e = new java.util.HashMap<>(ChildJvm.env(kv));
        e.put("TORCH_CACHE_DIR", local.toString());
        e.put("B10FS_CACHE_DIR", store.toString());
        e.put("B10_TRANSFER_PYTHON", venv.toString());
        e.put("B10_TRANSFER_GPU_BACKEND", "none");
        return e;
    }

    /** The CLI run to its end with --quiet. */
    static ChildJvm.Result cli(Map<String, String> env, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("-jar", ChildJvm.jar().toString()));
        all.addAll(List.of(args));
        all.add("--quiet");
        return ChildJvm.run(System.getProperty("java.home"), env, 120, all.toArray(String[]::new));
    }

    /** Runs the CLI to its end; fails unless its last line is the status expected. */
    static ChildJvm.Result cliEndingWith(Map<String, String> env, String expected, String... args) throws Exception {
        ChildJvm.Result r = cli(env, args);
        org.junit.jupiter.api.Assertions.assertTrue(r.out().strip().endsWith(expected),
                String.join(" ", args) + " gave:\n" + r.out() + r.err());
        return r;
    }

    /** The host application with the agent; it must start, run, and exit with its own code 7. */
    static ChildJvm.Result app(Map<String, String> env) throws Exception {
        Map<String, String> e = new java.util.HashMap<>(env);
        e.put("APP_EXIT", "7");
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"), e, 120, "-javaagent:" + ChildJvm.jar(),
                "-cp", ChildJvm.testClasses(), "b10.transfer.agent.testapp.App");
        org.junit.jupiter.api.Assertions.assertEquals(7, r.exit(), "the application keeps its exit code:\n" + r.err());
        org.junit.jupiter.api.Assertions.assertTrue(r.out().startsWith("FILES="), "the application ran:\n" + r.out());
        AgentTest.noStackTraces(r);
        return r;
    }

    /** The agent's stderr holds exactly one error line, about the operation, naming the cause. */
    static void assertOneLineNaming(ChildJvm.Result r, String op, String cause) {
        List<String> lines = r.errLines().stream().filter(l -> l.startsWith("ERROR")).toList();
        org.junit.jupiter.api.Assertions.assertEquals(1, lines.size(), r.err());
        org.junit.jupiter.api.Assertions.assertTrue(lines.get(0).contains(op) && lines.get(0).contains(cause), lines.get(0));
    }

    /** A python environment that names torch and CUDA versions, so every process computes the same key. */
    /** The directory store's record of a key's text beside its archive: cache_<hash>.b10-key. */
    static String keyRecordOf(String archiveName) {
        return archiveName.substring(0, archiveName.indexOf('.')) + ".b10-key";
    }

    /**
     * The store holds exactly one archive with its key record and its index (cache_<hash>.<id>.b10-index),
     * and at most the key's use marker, nothing else (no temporaries, no layer); returns the archive's name.
     */
    static String onlyArchiveAndItsRecord(Path store) throws IOException {
        List<String> names = archivesAndKeyRecords(store);
        org.junit.jupiter.api.Assertions.assertEquals(2, names.size(), names.toString());
        String archive = names.get(1);
        org.junit.jupiter.api.Assertions.assertEquals(List.of(keyRecordOf(archive), archive), names);
        try (java.util.stream.Stream<Path> s = Files.list(store)) {
            String hash = archive.substring(0, archive.indexOf('.'));
            org.junit.jupiter.api.Assertions.assertEquals(1, s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(hash + ".") && n.endsWith(".b10-index")).count(), "the archive's index");
        }
        return archive;
    }

    /**
     * The store's names, sorted, without the archives' indexes (which each publish adds beside its
     * archive) and the keys' use markers (which each load touches).
     */
    static List<String> archivesAndKeyRecords(Path store) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(store)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".b10-index") && !n.endsWith(".used"))
                    .sorted().toList();
        }
    }

    /** The stand-in CUDA driver (native-probe's test source), built with gcc into the directory as libcuda.so.1. */
    static Path standInDriver(Path dir) throws IOException, InterruptedException {
        Path src = Path.of(System.getProperty("b10.test.standin.source", "../native-probe/src/test/c/libcuda_standin.c"));
        Path lib = dir.resolve("libcuda.so.1");
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O1", "-Wl,-soname,libcuda.so.1", "-o", lib.toString(),
                src.toString()).inheritIO().start();
        if (gcc.waitFor() != 0) {
            throw new IOException("gcc could not build the stand-in driver from " + src);
        }
        return lib;
    }

    static Path fakeVenv(Path root) throws IOException {
        Path venv = root.resolve("venv");
        Path site = Files.createDirectories(venv.resolve("lib/python3.12/site-packages/torch"));
        Files.writeString(site.resolve("version.py"), "__version__ = '2.11.0+cu130'\ncuda = '13.0'\n");
        Files.writeString(venv.resolve("pyvenv.cfg"), "");
        return venv;
    }

    /** Copies a tree (a cache in place, a project to build). */
    static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
