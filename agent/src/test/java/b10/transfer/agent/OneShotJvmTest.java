package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CLI's load in a one-shot JVM (B10_TRANSFER_CLI_RELAUNCH): which JVM ran the restore is read
 * from the JVMs themselves, -XX:+PrintCommandLineFlags on the command line printing each JVM's
 * flags (the relaunched one takes the user's options after its own); the CPUs the JVM sees are set
 * with -XX:ActiveProcessorCount.
 */
class OneShotJvmTest {
    @TempDir
    Path tmp;
    /** One store for every case (a save per case would add a JVM's run each). */
    @TempDir
    static Path shared;
    static Path store;
    static Path venv;
    static Path seed;

    @BeforeAll
    static void seedStore() throws Exception {
        store = shared.resolve("store");
        venv = SurvivalKit.fakeVenv(shared);
        seed = shared.resolve("seed");
        SurvivalKit.generate(seed, 300, 6L << 20, 5);
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"), env(seed), 60, "-jar", ChildJvm.jar().toString(), "save");
        assertTrue(r.out().strip().endsWith("SUCCESS"), r.out() + r.err());
    }

    /** On two CPUs the load runs in a JVM with the one-shot flags; stdout, stderr and the exit code are the command's. */
    @ParameterizedTest
    @MethodSource("b10.transfer.agent.AgentTest#jdks")
    void onTwoCpus_theLoadRunsInAOneShotJvm_andAnswersAsItself(String jdk) throws Exception {
        Path local = tmp.resolve("two/cache");
        ChildJvm.Result r = load(jdk, env(local), "-XX:ActiveProcessorCount=2");
        assertEquals(0, r.exit(), r.out() + r.err());
        List<String> jvms = flagLines(r);
        assertEquals(2, jvms.size(), "this JVM and the one-shot one: " + r.out());
        assertFalse(jvms.get(0).contains("TieredStopAtLevel"), jvms.get(0));
        assertTrue(jvms.get(1).contains("-XX:TieredStopAtLevel=1") && jvms.get(1).contains("-XX:+UseSerialGC")
                && jvms.get(1).contains("-XX:ActiveProcessorCount=2"), "the flags, then the user's: " + jvms.get(1));
        assertTrue(r.out().strip().endsWith("SUCCESS"), r.out());
        assertEquals(SurvivalKit.digest(seed), SurvivalKit.digest(local));
        // nothing of the JVMs' own on stderr (a huge-pages warning, a second launcher note): the load's one line
        assertEquals(List.of(), r.errLines().stream().filter(l -> !l.startsWith("INFO b10-transfer - load SUCCESS")).toList());

        // a failed load's exit code comes back too: a configuration error is 2 in either JVM
        ChildJvm.Result bad = load(jdk, env(tmp.resolve("two/bad"), "B10_TRANSFER_MAX_ENTRIES", "-3"), "-XX:ActiveProcessorCount=2");
        assertEquals(2, bad.exit(), bad.out() + bad.err());
        assertEquals(2, flagLines(bad).size(), bad.out());
    }

    @Test
    void onMoreCpus_orTurnedOff_orWithTheUsersOwnOptions_theLoadRunsWhereItWasStarted() throws Exception {
        String java = System.getProperty("java.home");
        ChildJvm.Result four = load(java, env(tmp.resolve("four/cache")), "-XX:ActiveProcessorCount=4");
        assertEquals(1, flagLines(four).size(), four.out());
        assertTrue(four.out().strip().endsWith("SUCCESS"), four.out() + four.err());

        ChildJvm.Result off = load(java, env(tmp.resolve("off/cache"), "B10_TRANSFER_CLI_RELAUNCH", "false"), "-XX:ActiveProcessorCount=2");
        assertEquals(1, flagLines(off).size(), off.out());
        assertTrue(off.out().strip().endsWith("SUCCESS"), off.out() + off.err());

        // options the JVM takes from the environment would be taken (and announced) twice: not relaunched
        ChildJvm.Result envOptions = load(java, env(tmp.resolve("jdkopts/cache"), "JDK_JAVA_OPTIONS", "-Dwhatever=1"),
                "-XX:ActiveProcessorCount=2");
        assertEquals(1, flagLines(envOptions).size(), envOptions.out());
        assertTrue(envOptions.out().strip().endsWith("SUCCESS"), envOptions.out() + envOptions.err());

        ChildJvm.Result bad = load(java, env(tmp.resolve("bad/cache"), "B10_TRANSFER_CLI_RELAUNCH", "sometimes"), "-XX:ActiveProcessorCount=2");
        assertEquals(2, bad.exit(), bad.out() + bad.err());
        assertEquals(1, flagLines(bad).size(), bad.out());
        assertTrue(bad.err().contains("B10_TRANSFER_CLI_RELAUNCH='sometimes' is not one of auto, true, false"), bad.err());

        // forced on 4 CPUs, with the user's collector: ours is left out, the compiler flag is added
        ChildJvm.Result own = load(java, env(tmp.resolve("own/cache"), "B10_TRANSFER_CLI_RELAUNCH", "true"),
                "-XX:ActiveProcessorCount=4", "-XX:+UseParallelGC");
        List<String> jvms = flagLines(own);
        assertEquals(2, jvms.size(), own.out());
        assertTrue(jvms.get(1).contains("-XX:TieredStopAtLevel=1") && jvms.get(1).contains("-XX:+UseParallelGC")
                && !jvms.get(1).contains("UseSerialGC"), jvms.get(1));
        assertTrue(own.out().strip().endsWith("SUCCESS"), own.out() + own.err());
        assertEquals(SurvivalKit.digest(seed), SurvivalKit.digest(tmp.resolve("own/cache")));
    }

    /**
     * SIGKILL reaches only the JVM it is sent to: the one-shot JVM sees the one that waits for it go
     * and ends too, where it stands (here paused mid-restore), and the next load restores whole.
     */
    @Test
    void killingTheCommand_endsTheOneShotJvm() throws Exception {
        Path local = tmp.resolve("killed/cache");
        SurvivalKit.Child c = SurvivalKit.Child.start(env(local), tmp,
                List.of("-XX:ActiveProcessorCount=2", "-Db10.transfer.pauseAt=mid-transfer"), "load", "--quiet");
        boolean paused = c.awaitMarker("b10-transfer: paused at mid-transfer", 120_000);
        assertTrue(paused, c.stderr());
        List<ProcessHandle> oneShot = c.process().children().filter(ProcessHandle::isAlive).toList();
        assertEquals(1, oneShot.size(), "the one-shot JVM: " + oneShot);
        assertTrue(oneShot.get(0).info().arguments().map(a -> List.of(a).contains("-XX:TieredStopAtLevel=1")).orElse(true));
        // where the kernel gives huge pages on request, glibc's malloc is told to ask for them (the direct buffers)
        Path thp = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        if (Files.isReadable(thp) && Files.readString(thp).contains("[madvise]")) {
            List<String> environ = List.of(new String(Files.readAllBytes(Path.of("/proc", oneShot.get(0).pid() + "", "environ")),
                    java.nio.charset.StandardCharsets.ISO_8859_1).split("\0"));
            assertTrue(environ.contains("GLIBC_TUNABLES=glibc.malloc.hugetlb=1"), environ.toString());
        }
        c.kill9();
        oneShot.get(0).onExit().get(10, TimeUnit.SECONDS); // the watch polls every 250 ms
        assertFalse(oneShot.get(0).isAlive());

        ChildJvm.Result again = load(System.getProperty("java.home"), env(local), "-XX:ActiveProcessorCount=2");
        assertTrue(again.out().strip().endsWith("SUCCESS"), again.out() + again.err());
        assertEquals(SurvivalKit.digest(seed), SurvivalKit.digest(local));
    }

    private ChildJvm.Result load(String jdk, Map<String, String> env, String... jvmOptions) throws Exception {
        List<String> args = new ArrayList<>(List.of("-XX:+PrintCommandLineFlags"));
        args.addAll(List.of(jvmOptions));
        args.addAll(List.of("-jar", ChildJvm.jar().toString(), "load", "--quiet"));
        return ChildJvm.run(jdk, env, 120, args.toArray(String[]::new));
    }

    /** The lines -XX:+PrintCommandLineFlags printed: one per JVM, in the order they started. */
    private static List<String> flagLines(ChildJvm.Result r) {
        return r.out().lines().filter(l -> l.startsWith("-XX:")).toList();
    }

    private static Map<String, String> env(Path local, String... kv) {
        return SurvivalKit.env(local, store, venv, kv);
    }
}
