package b10.transfer.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.File;
import java.io.FileInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The CLI's {@code load} in a JVM made for a one-shot process. A restore is a short process on the
 * critical path of a start, and on a machine of two CPUs a fresh JVM's C2 compiler takes a third
 * of its CPU compiling code that runs for a second; the JVM's flags cannot be changed once it runs.
 * So, where {@code B10_TRANSFER_CLI_RELAUNCH} allows, the CLI starts itself again with
 * {@code -XX:TieredStopAtLevel=1 -XX:+UseSerialGC} (and, where the kernel gives huge pages on
 * request, {@code -XX:+UseTransparentHugePages} for the heap and {@link #glibcTunables} for the
 * direct buffers), the user's own options and arguments after them,
 * and waits for it: its exit code, output and input are the command's. The relaunch is skipped
 * (the command runs here) wherever it could change what the user asked the JVM for: options in
 * JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, _JAVA_OPTIONS, an argument file, a command line that is
 * not plain ASCII, a JVM that is not HotSpot; a flag of ours is left out where the user's options
 * already choose on its subject. This class runs before the implementation is loaded: it is at the
 * jar's top with {@link Launcher} and uses nothing of ours; it reads files with java.io and joins
 * strings without the + operator and has no lambda: their first use in a JVM bootstraps method
 * handles, on the path to the one-shot JVM's start.
 */
final class OneShotJvm {
    /** The setting (auto: where the JVM sees two CPUs or fewer; true: always; false: never) and its system property. */
    static final String SETTING = "B10_TRANSFER_CLI_RELAUNCH";
    static final String PROPERTY = "b10.transfer.cli.relaunch";
    /** Given to the relaunched JVM: the pid of the JVM waiting for it (which it watches). */
    static final String PARENT_PROPERTY = "b10.transfer.cli.parent";
    /** The CPUs at or below which {@code auto} relaunches (measured: on 16 cores a forced relaunch gained nothing, 529 against 523 ms). */
    static final int AUTO_MAX_CPUS = 2;
    static final String TUNABLES = "GLIBC_TUNABLES";
    static final String MALLOC_HUGE_PAGES = "glibc.malloc.hugetlb=1";

    private OneShotJvm() {
    }

    /**
     * Runs {@code args} in a one-shot JVM and returns its exit code, or -1 where the command is to
     * run in this JVM (not {@code load}, not wanted, or the JVM could not be started).
     */
    static int run(String[] args) {
        boolean hugePages = hugePagesOnRequest(new File("/sys/kernel/mm/transparent_hugepage/enabled"));
        List<String> command = command(args, System.getenv(), Runtime.getRuntime().availableProcessors(), hugePages);
        if (command == null) {
            return -1;
        }
        Process child;
        try {
            ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
            if (hugePages) {
                pb.environment().put(TUNABLES, glibcTunables(System.getenv(TUNABLES)));
            }
            child = pb.start();
        } catch (IOException | RuntimeException e) {
            return -1; // the restore runs here, as it would without the relaunch
        }
        // a signal that ends this JVM ends the restore too (the relaunched JVM also watches for this one's end)
        Runtime.getRuntime().addShutdownHook(new Stop(child));
        while (true) {
            try {
                return child.waitFor();
            } catch (InterruptedException e) {
                // nothing here interrupts main; keep waiting for the command's answer
            }
        }
    }

    /** The shutdown hook that passes this JVM's end on to the one-shot JVM (a class, not a lambda: see above). */
    private static final class Stop extends Thread {
        private final Process child;

        Stop(Process child) {
            super("b10-transfer-relaunch-stop");
            this.child = child;
        }

        @Override
        public void run() {
            if (!child.isAlive()) {
                return;
            }
            child.destroy();
            try {
                if (!child.waitFor(10, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            } catch (InterruptedException e) {
                child.destroyForcibly();
            }
        }
    }

    /** The relaunched JVM's command line, or null where the command runs in this JVM. */
    static List<String> command(String[] args, java.util.Map<String, String> env, int cpus, boolean hugePages) {
        if (args.length == 0 || !args[0].equals("load")) {
            return null;
        }
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return null;
            }
        }
        if (System.getProperty(PARENT_PROPERTY) != null) {
            return null; // this is the one-shot JVM: a user's own relaunch setting later on its line must not start a third
        }
        String mode = setting(env);
        if (!("true".equals(mode) || ("auto".equals(mode) && cpus <= AUTO_MAX_CPUS))) {
            return null; // false, or a value the command itself will report as a configuration error
        }
        String vm = System.getProperty("java.vm.name", "");
        if (!vm.contains("HotSpot") && !vm.contains("OpenJDK")) {
            return null;
        }
        for (String options : new String[] {"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"}) {
            String v = env.get(options);
            if (v != null && !v.isBlank()) {
                return null; // options the new JVM would take again (and announce again), unseen by the checks below
            }
        }
        List<String> argv = commandLine(new File("/proc/self/cmdline"));
        String pid = pid();
        if (argv == null || argv.size() < 2 || pid == null) {
            return null;
        }
        return command(argv, pid, System.getProperty("java.home"), hugePages);
    }

    /**
     * GLIBC_TUNABLES for the one-shot JVM where huge pages are given on request: glibc's malloc then
     * asks for them (glibc 2.35+; older ones and other C libraries ignore it), and the restore's
     * direct buffers, malloc'd, are faulted in 2 MiB at a time instead of 4 KiB (on the 2-core build
     * machine 11,200 page faults to 6,000, a tenth of the restore's time). The user's own tunables
     * are kept, and theirs win where they name this one.
     */
    static String glibcTunables(String current) {
        if (current == null || current.isBlank()) {
            return MALLOC_HUGE_PAGES;
        }
        return current.contains("glibc.malloc.hugetlb") ? current : current.concat(":").concat(MALLOC_HUGE_PAGES);
    }

    /**
     * The command line for the one-shot JVM: this JVM's {@code java}, the flags of ours that the
     * user's options leave open, then this JVM's own arguments as given (so that the user's options
     * come after ours, and win). Null where there is nothing to add or the options cannot be read.
     */
    static List<String> command(List<String> argv, String pid, String javaHome, boolean hugePages) {
        boolean compilerChosen = false;
        boolean collectorChosen = false;
        boolean pagesChosen = false;
        for (String a : argv.subList(1, argv.size())) {
            if (a.startsWith("@") || a.startsWith("-XX:Flags=") || a.startsWith("-XX:VMOptionsFile=")) {
                return null; // options in a file
            }
            compilerChosen |= a.contains("Tiered") || a.contains("JVMCI") || a.equals("-Xint") || a.equals("-Xcomp");
            collectorChosen |= (a.startsWith("-XX:+Use") || a.startsWith("-XX:-Use")) && a.endsWith("GC");
            pagesChosen |= a.contains("HugePages") || a.contains("LargePages");
        }
        List<String> flags = new ArrayList<>();
        if (!compilerChosen) {
            flags.add("-XX:TieredStopAtLevel=1");
        }
        if (!collectorChosen) {
            flags.add("-XX:+UseSerialGC");
        }
        if (!pagesChosen && hugePages) {
            flags.add("-XX:+UseTransparentHugePages");
        }
        if (flags.isEmpty()) {
            return null; // the user's options already chose
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(new File(new File(javaHome, "bin"), "java").getPath());
        cmd.addAll(flags);
        cmd.add("-D" + PROPERTY + "=false");
        cmd.add(("-D" + PARENT_PROPERTY + "=").concat(pid));
        cmd.addAll(argv.subList(1, argv.size()));
        return cmd;
    }

    /** The setting as Settings reads it (system property, then environment; trimmed, lower case), or "auto". */
    static String setting(java.util.Map<String, String> env) {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isEmpty()) {
            v = env.get(SETTING);
        }
        return v == null || v.isBlank() ? "auto" : v.trim().toLowerCase(Locale.ROOT);
    }

    /** This process's arguments (argv, the launcher's name first), or null where they cannot be read as plain ASCII. */
    static List<String> commandLine(File cmdline) {
        byte[] b;
        try (FileInputStream in = new FileInputStream(cmdline)) {
            b = in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            return null;
        }
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] < 0) {
                return null; // not ASCII: how the new JVM would decode it depends on the locale
            }
            if (b[i] == 0) {
                argv.add(new String(b, start, i - start, StandardCharsets.US_ASCII));
                start = i + 1;
            }
        }
        return start == b.length ? argv : null;
    }

    /** Whether the kernel gives transparent huge pages to a mapping that asks (the JVM warns where it does not). */
    static boolean hugePagesOnRequest(File enabled) {
        try (FileInputStream in = new FileInputStream(enabled)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).contains("[madvise]");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String pid() {
        try {
            return String.valueOf(ProcessHandle.current().pid()); // ProcessHandle's classes are the process API's, loaded anyway
        } catch (RuntimeException e) {
            return null;
        }
    }
}
