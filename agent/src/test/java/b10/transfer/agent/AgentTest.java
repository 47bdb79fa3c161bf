package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The agent in real child JVMs, against real directories, on every JDK the build found. */
class AgentTest {
    @TempDir
    Path tmp;
    Path store;
    Path venv;

    @BeforeEach
    void seedStore() throws Exception {
        store = tmp.resolve("store");
        venv = SurvivalKit.fakeVenv(tmp);
        Path fixture = Path.of(System.getProperty("b10.test.fixtures", "../fixtures"), "inductor-cache-gpt2-h200.tgz");
        assertTrue(Files.isRegularFile(fixture), "fixture " + fixture + " is missing from the checkout");
        Path seed = Files.createDirectories(tmp.resolve("seed"));
        assertEquals(0, new ProcessBuilder("tar", "-xzf", fixture.toString(), "-C", seed.toString()).start().waitFor());
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"), env(seed.resolve("indc-cold")), 60,
                "-jar", ChildJvm.jar().toString(), "save");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().strip().endsWith("SUCCESS"), r.out());
    }

    @Test
    void cliLoadShowsPlainProgressLinesOnStderrAndQuietSilencesThem() throws Exception {
        String jar = ChildJvm.jar().toString();
        ChildJvm.Result shown = ChildJvm.run(System.getProperty("java.home"), env(tmp.resolve("p1/cache")), 60,
                "-jar", jar, "load", "--json", "--progress-interval", "0.005");
        assertEquals(0, shown.exit(), shown.err());
        assertTrue(shown.out().strip().startsWith("{") && shown.out().contains("\"status\":\"SUCCESS\""),
                "stdout holds only the JSON result: " + shown.out());
        List<String> lines = shown.err().lines().filter(l -> l.startsWith("b10-transfer: load ")).toList();
        assertFalse(lines.isEmpty(), shown.err());
        assertTrue(lines.get(lines.size() - 1).matches("b10-transfer: load \\d+%  [0-9.]+/[0-9.]+ MiB  \\d+/\\d+ files.*"),
                lines.toString());
        assertFalse(shown.err().contains("\r"), "no redraws when stderr is not a terminal");

        ChildJvm.Result quiet = ChildJvm.run(System.getProperty("java.home"), env(tmp.resolve("p2/cache")), 60,
                "-jar", jar, "load", "--quiet", "--progress-interval", "0.005");
        assertEquals(0, quiet.exit(), quiet.err());
        assertTrue(quiet.out().strip().endsWith("SUCCESS"), quiet.out());
        assertFalse(quiet.err().contains("b10-transfer: load "), quiet.err());
    }

    Map<String, String> env(Path local, String... kv) {
        Map<String, String> e = ChildJvm.env(kv);
        e.put("TORCH_CACHE_DIR", local.toString());
        e.put("B10FS_CACHE_DIR", store.toString());
        e.put("B10_TRANSFER_PYTHON", venv.toString());
        e.put("B10_TRANSFER_GPU_BACKEND", "none");
        return e;
    }

    ChildJvm.Result app(String javaHome, Map<String, String> env, String... agentOptions) throws Exception {
        String agent = "-javaagent:" + ChildJvm.jar() + (agentOptions.length > 0 ? "=" + String.join(",", agentOptions) : "");
        return ChildJvm.run(javaHome, env, 120, agent, "-cp", ChildJvm.testClasses(), "b10.transfer.agent.testapp.App");
    }

    static Stream<String> jdks() {
        return ChildJvm.javaHomes().stream();
    }

    @ParameterizedTest
    @MethodSource("jdks")
    void restore_isCompleteAtTheFirstLineOfMain_andTheAppsNewFileIsSavedAtExit(String jdk) throws Exception {
        Path local = tmp.resolve("a/cache");
        ChildJvm.Result r = app(jdk, env(local, "APP_WRITE", "1"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("FILES=121\n"), r.out());
        assertTrue(r.err().contains("restore SUCCESS"), r.err());
        assertTrue(r.err().contains("save at exit SUCCESS"), r.err());
        noStackTraces(r);

        ChildJvm.Result second = app(jdk, env(tmp.resolve("b/cache"), "APP_EXIT", "7"), "SAVE_ON_EXIT=false");
        assertEquals(7, second.exit(), second.err());
        assertTrue(second.out().startsWith("FILES=122\n"), second.out());
    }

    /**
     * A JVM whose -XX:MaxDirectMemorySize is below what the restore's direct buffers take (4 MiB
     * each): its files, some larger than all of that memory, are restored through heap buffers
     * instead, by the CLI and by the agent in front of an application, complete and without a word.
     * Where even reading the store finds too little, the error names the JVM's memory.
     */
    @ParameterizedTest
    @MethodSource("jdks")
    void aJvmShortOfDirectMemory_restoresThroughHeapBuffers(String jdk) throws Exception {
        Path seed = tmp.resolve("direct/seed");
        // (Java 17 does not count the file channel's temporary copies against the limit; Java 25 does)
        SurvivalKit.generate(seed, 400, 12L << 20, 11);
        DiskTest.randomFile(seed, "kernel-a.cubin", 3_500_000);
        DiskTest.randomFile(seed, "kernel-b.cubin", 1_500_000);
        Path directStore = tmp.resolve("direct/store");
        String jar = ChildJvm.jar().toString();
        Map<String, String> saveEnv = env(seed);
        saveEnv.put("B10FS_CACHE_DIR", directStore.toString());
        ChildJvm.Result saved = ChildJvm.run(System.getProperty("java.home"), saveEnv, 60, "-jar", jar, "save");
        assertTrue(saved.out().strip().endsWith("SUCCESS"), saved.out() + saved.err());
        Map<String, String> expected = SurvivalKit.digest(seed);

        Path cliLocal = tmp.resolve("direct/cli");
        Map<String, String> cliEnv = env(cliLocal);
        cliEnv.put("B10FS_CACHE_DIR", directStore.toString());
        ChildJvm.Result load = ChildJvm.run(jdk, cliEnv, 60,
                "-XX:MaxDirectMemorySize=3m", "-jar", jar, "load", "--quiet");
        assertEquals(0, load.exit(), load.out() + load.err());
        assertTrue(load.out().strip().endsWith("SUCCESS"), load.out());
        assertEquals(expected, SurvivalKit.digest(cliLocal));
        // below what reading the store takes: an error naming this JVM's memory, not a corrupt archive
        Map<String, String> tinyEnv = env(tmp.resolve("direct/tiny"));
        tinyEnv.put("B10FS_CACHE_DIR", directStore.toString());
        ChildJvm.Result tiny = ChildJvm.run(jdk, tinyEnv, 60, "-XX:MaxDirectMemorySize=1m", "-jar", jar, "load", "--quiet");
        if (tiny.exit() == 0) { // whether 1 MiB is enough to read the store depends on the JDK (17 no, 25 yes)
            assertEquals(expected, SurvivalKit.digest(tmp.resolve("direct/tiny")));
        } else {
            assertTrue(tiny.out().contains("ran out of memory") && tiny.out().contains("MaxDirectMemorySize")
                    && !tiny.out().contains("corrupt"), tiny.out() + tiny.err());
        }

        Path agentLocal = tmp.resolve("direct/agent");
        Map<String, String> agentEnv = env(agentLocal, "APP_EXIT", "7", "B10_TRANSFER_SAVE_ON_EXIT", "false");
        agentEnv.put("B10FS_CACHE_DIR", directStore.toString());
        ChildJvm.Result r = ChildJvm.run(jdk, agentEnv, 120, "-XX:MaxDirectMemorySize=3m",
                "-javaagent:" + jar, "-cp", ChildJvm.testClasses(), "b10.transfer.agent.testapp.App");
        assertEquals(7, r.exit(), r.err());
        assertTrue(r.out().startsWith("FILES=" + expected.values().stream().filter(v -> !v.equals("dir")).count() + "\n"),
                r.out());
        assertEquals(expected, SurvivalKit.digest(agentLocal));
        noStackTraces(r);
        assertFalse(r.err().contains("WARN") || r.err().contains("ERROR"), r.err());
    }

    /**
     * A restore, by the CLI or by the agent, never starts the JDK's security providers (30-40 ms
     * of a 2-core start: the key's and the digest's SHA-256 are our own, temporary names come
     * from ThreadLocalRandom, the native library is copied under a name of ours), nor a SecureRandom;
     * read from the JVM's own class-load log.
     */
    @ParameterizedTest
    @MethodSource("jdks")
    void aRestore_neverStartsTheSecurityProviders(String jdk) throws Exception {
        Path cliLog = tmp.resolve("classes-cli.log");
        ChildJvm.Result load = ChildJvm.run(jdk, env(tmp.resolve("sec-cli/cache")), 60,
                "-Xlog:class+load=info:file=" + cliLog, "-jar", ChildJvm.jar().toString(), "load", "--quiet");
        assertTrue(load.out().strip().endsWith("SUCCESS"), load.out() + load.err());
        Path agentLog = tmp.resolve("classes-agent.log");
        ChildJvm.Result app = ChildJvm.run(jdk, env(tmp.resolve("sec-agent/cache"), "B10_TRANSFER_SAVE_ON_EXIT", "false"), 120,
                "-Xlog:class+load=info:file=" + agentLog, "-javaagent:" + ChildJvm.jar(), "-cp", ChildJvm.testClasses(),
                "b10.transfer.agent.testapp.App");
        assertTrue(app.out().startsWith("FILES=121\n"), app.out() + app.err());
        for (Path log : List.of(cliLog, agentLog)) {
            String classes = Files.readString(log);
            assertTrue(classes.contains("b10.transfer.archive.TarReader "), "the log covers the restore: " + log);
            for (String absent : List.of("sun.security.jca.Providers ", "java.security.SecureRandom ")) {
                assertFalse(classes.contains(absent), absent.strip() + " loaded in " + log);
            }
        }
    }

    @Test
    void backgroundRestore_holdsChildProcessesUntilTheCacheIsComplete() throws Exception {
        Path local = tmp.resolve("bg/cache");
        ChildJvm.Result r = app(System.getProperty("java.home"), env(local, "APP_SPAWN", "1",
                "B10_TRANSFER_RESTORE", "background"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("CHILD_FILES=121\n"), r.out() + r.err());
        noStackTraces(r);
    }

    @Test
    void emptyStore_isReportedWithoutAKey_andTheFirstSaveFillsIt() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty-store"));
        Map<String, String> e = env(tmp.resolve("e/cache"), "APP_WRITE", "1");
        e.put("B10FS_CACHE_DIR", empty.toString());
        ChildJvm.Result r = app(System.getProperty("java.home"), e);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("restore DOES_NOT_EXIST: the store " + empty + " holds no archives yet"), r.err());
        assertTrue(r.err().contains("save at exit SUCCESS"), r.err());
        // the key left out at start is the key of the save: the same name as the seeded store's archive
        assertEquals(onlyArchive(store), onlyArchive(empty));
    }

    @Test
    void aShutdownSavePastItsBound_isCut_andTheStoreKeepsItsArchive() throws Exception {
        // 64 MiB of random bytes at zstd level 19 on one thread: many seconds of work for a 1 s bound
        Path local = Files.createDirectories(tmp.resolve("slow/cache/triton"));
        java.util.Random r = new java.util.Random(5);
        byte[] b = new byte[1 << 20];
        for (int i = 0; i < 64; i++) {
            r.nextBytes(b);
            Files.write(local.resolve("k" + i + ".cubin"), b);
        }
        String before = onlyArchive(store);
        long beforeTime = Files.getLastModifiedTime(store.resolve(before)).toMillis();
        ChildJvm.Result run = app(System.getProperty("java.home"), env(local.getParent(), "APP_WRITE", "1",
                "B10_TRANSFER_SAVE_TIMEOUT_S", "1", "B10_TRANSFER_ZSTD_LEVEL", "19", "B10_TRANSFER_ZSTD_WORKERS", "0"));
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.err().contains("save at exit failed: save timed out after 1 s"), run.err());
        // the JVM stopped about at the bound (the worker gets 2 s to remove its temporary), not after the save's work
        assertTrue(run.millis() < 15_000, "took " + run.millis() + " ms");
        assertEquals(before, onlyArchive(store)); // no temporary left, the old archive untouched
        assertEquals(beforeTime, Files.getLastModifiedTime(store.resolve(before)).toMillis());
    }

    @Test
    void onJdk24Plus_restoringAndSavingWithNativeZstd_addNoJvmWarningToTheHostsOutput() throws Exception {
        String jdk = ChildJvm.javaHomes().stream().filter(h -> ChildJvm.feature(h) >= 24).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(jdk != null, "no JDK 24+ here");
        ChildJvm.Result without = app(jdk, env(tmp.resolve("na1/cache"), "APP_WRITE", "1"));
        assertTrue(without.err().contains("restore SUCCESS") && without.err().contains("save at exit SUCCESS"), without.err());
        assertFalse(without.err().contains("WARNING"), "the JVM warned about something of ours: " + without.err());
        assertFalse(without.err().contains("--enable-native-access"), without.err());
        ChildJvm.Result with = ChildJvm.run(jdk, env(tmp.resolve("na2/cache")), 120, "--enable-native-access=ALL-UNNAMED",
                "-javaagent:" + ChildJvm.jar(), "-cp", ChildJvm.testClasses(), "b10.transfer.agent.testapp.App");
        assertTrue(with.err().contains("restore SUCCESS") && !with.err().contains("WARNING"), with.err());
        // Byte Buddy for the process gate and the method trigger: no Unsafe warning, no CDS note; the child
        // process sees the whole cache (121 files and the one the first run saved)
        ChildJvm.Result instrumented = app(jdk, env(tmp.resolve("na3/cache"), "APP_SPAWN", "1", "APP_WARMUP", "1",
                "APP_SLEEP_MS", "2000", "B10_TRANSFER_RESTORE", "background",
                "B10_TRANSFER_SAVE_AFTER_METHOD", "b10.transfer.agent.testapp.App#warmup"));
        assertTrue(instrumented.out().contains("CHILD_FILES=122"), instrumented.out() + instrumented.err());
        assertTrue(instrumented.err().contains("save after b10.transfer.agent.testapp.App#warmup SUCCESS"), instrumented.err());
        assertFalse(instrumented.err().contains("WARNING") || instrumented.err().contains("Sharing is only supported"),
                instrumented.err());
    }

    static String onlyArchive(Path dir) throws Exception {
        return SurvivalKit.onlyArchiveAndItsRecord(dir);
    }

    @Test
    void unchangedCache_isNotSavedAgainAtExit_andTheSkipIsSaidAtDebugLevelOnly() throws Exception {
        ChildJvm.Result r = app(System.getProperty("java.home"), env(tmp.resolve("u/cache")));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("restore SUCCESS") && !r.err().contains("save at exit"), r.err());
        ChildJvm.Result debug = app(System.getProperty("java.home"), env(tmp.resolve("u2/cache"), "B10_TRANSFER_LOG_LEVEL", "debug"));
        assertTrue(debug.err().contains("save at exit SKIPPED"), debug.err());
    }

    @Test
    void saveAfterNamedMethod_publishesBeforeExit() throws Exception {
        Path local = tmp.resolve("m/cache");
        Path archive;
        try (Stream<Path> s = Files.list(store)) {
            archive = s.filter(p -> p.getFileName().toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }
        long before = Files.getLastModifiedTime(archive).toMillis();
        long layers = layers();
        ChildJvm.Result r = app(System.getProperty("java.home"), env(local, "APP_WARMUP", "1",
                "B10_TRANSFER_SAVE_AFTER_METHOD", "b10.transfer.agent.testapp.App#warmup"), "SAVE_ON_EXIT=false");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("save after b10.transfer.agent.testapp.App#warmup SUCCESS") && r.err().contains("as a layer"), r.err());
        assertEquals(layers + 1, layers(), "the warm-up's new kernel is published as a layer");
        assertEquals(before, Files.getLastModifiedTime(archive).toMillis(), "the base is not rewritten");
    }

    private long layers() throws Exception {
        try (Stream<Path> s = Files.list(store)) {
            return s.filter(p -> p.getFileName().toString().contains(".layer.")).count();
        }
    }

    @Test
    void theMBeanAndTheFlightRecording_showTheRestoreAndTheSave() throws Exception {
        Path local = tmp.resolve("jmx/cache");
        Path recording = tmp.resolve("agent.jfr");
        Map<String, String> env = env(local, "APP_WARMUP", "1", "APP_SLEEP_MS", "500", "APP_MBEAN", "1", "B10_TRANSFER_JMX_DELAY_S", "0",
                "B10_TRANSFER_SAVE_AFTER_METHOD", "b10.transfer.agent.testapp.App#warmup");
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"), env, 120,
                "-XX:StartFlightRecording=filename=" + recording + ",dumponexit=true",
                "-javaagent:" + ChildJvm.jar() + "=SAVE_ON_EXIT=false", "-cp", ChildJvm.testClasses(), "b10.transfer.agent.testapp.App");
        assertEquals(0, r.exit(), r.err());
        String mbean = r.out().lines().filter(l -> l.startsWith("MBEAN")).findFirst().orElse("");
        assertTrue(mbean.contains("LastRestoreStatus=SUCCESS") && mbean.contains("RestoredFiles=121"), r.out() + r.err());
        assertTrue(mbean.contains("LastSaveStatus=SUCCESS") && mbean.contains("NewFilesSinceRestore=1"), mbean);
        assertTrue(mbean.contains("UnusedCache=false") && mbean.contains("Key=torch-2.11.0+cu130_cpu_triton-"), mbean);

        List<jdk.jfr.consumer.RecordedEvent> events = jdk.jfr.consumer.RecordingFile.readAllEvents(recording);
        List<jdk.jfr.consumer.RecordedEvent> restores = events.stream()
                .filter(e -> e.getEventType().getName().equals("b10.transfer.Restore")).toList();
        assertEquals(1, restores.size(), events.stream().map(e -> e.getEventType().getName()).distinct().toList().toString());
        assertEquals("SUCCESS", restores.get(0).getString("status"));
        assertEquals(121, restores.get(0).getLong("files"));
        assertTrue(restores.get(0).getLong("elapsed") > 0 && restores.get(0).getLong("started") > 0);
        assertEquals(store.toString(), restores.get(0).getString("store"));
        List<jdk.jfr.consumer.RecordedEvent> saves = events.stream()
                .filter(e -> e.getEventType().getName().equals("b10.transfer.Save")).toList();
        assertEquals(1, saves.size());
        assertEquals("SUCCESS", saves.get(0).getString("status"));
        assertEquals("after b10.transfer.agent.testapp.App#warmup", saves.get(0).getString("trigger"));
    }

    @Test
    void saveAfterQuietPeriod_publishesWhileTheAppRuns() throws Exception {
        Path local = tmp.resolve("q/cache");
        ChildJvm.Result r = app(System.getProperty("java.home"), env(local, "APP_WARMUP", "1",
                "B10_TRANSFER_SAVE_AFTER_QUIET_S", "1", "APP_SLEEP_MS", "7000"), "SAVE_ON_EXIT=false");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("save after a quiet period SUCCESS"), r.err());
    }

    static Stream<Object[]> failures() {
        return Stream.of(
                new Object[] {"missing mount", "B10FS_CACHE_DIR", "MISSING", "the parent of store directory"},
                new Object[] {"bad setting", "MAX_CACHE_SIZE_MB", "abc", "MAX_CACHE_SIZE_MB='abc'"},
                new Object[] {"bad restore mode", "B10_TRANSFER_RESTORE", "sideways", "B10_TRANSFER_RESTORE"},
                new Object[] {"corrupt archive", "CORRUPT", "1", "rejected"},
                new Object[] {"store is a file", "B10FS_CACHE_DIR", "FILE", "not a directory"});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void failure_keepsTheAppsOutputAndExitCode_andIsOneLine(String name, String var, String value, String expected) throws Exception {
        Map<String, String> e = env(tmp.resolve("f/cache"), "APP_EXIT", "3", "APP_WRITE", "1");
        if (var.equals("CORRUPT")) {
            try (Stream<Path> s = Files.list(store)) {
                Path a = s.filter(p -> p.getFileName().toString().endsWith(".tar.zst")).findFirst().orElseThrow();
                byte[] b = Files.readAllBytes(a);
                b[b.length / 2] ^= 0x40;
                Files.write(a, b);
            }
        } else if (value.equals("MISSING")) {
            e.put(var, tmp.resolve("unmounted/model/compile_cache").toString());
        } else if (value.equals("FILE")) {
            e.put(var, Files.writeString(tmp.resolve("a-file"), "x").toString());
        } else {
            e.put(var, value);
        }
        ChildJvm.Result r = app(System.getProperty("java.home"), e);
        assertEquals(3, r.exit(), r.err());
        assertTrue(r.out().startsWith("FILES=0\n") && r.out().contains("DONE"), r.out());
        List<String> lines = r.errLines().stream().filter(l -> l.contains(expected)).toList();
        assertEquals(1, lines.size(), "one line naming the cause, got: " + r.err());
        noStackTraces(r);
        assertFalse(Files.exists(tmp.resolve("unmounted")), "a missing mount point was created");
    }

    /**
     * With an empty store the full settings are read beside main, after the decision to let main go:
     * a bad one is still said, once, by a JVM that exits at once and saves nothing at exit (its exit
     * hook waits for the start), and the application's exit code stands.
     */
    @Test
    void emptyStore_aBadSettingIsStillSaid_byAJvmThatExitsAtOnce() throws Exception {
        Map<String, String> e = env(tmp.resolve("bad/cache"), "APP_EXIT", "3", "B10_TRANSFER_SAVE_ON_EXIT", "false",
                "B10_TRANSFER_LOAD_TIMEOUT_S", "soon");
        e.put("B10FS_CACHE_DIR", Files.createDirectories(tmp.resolve("bad/empty-store")).toString());
        ChildJvm.Result r = app(System.getProperty("java.home"), e);
        assertEquals(3, r.exit(), r.err());
        assertTrue(r.out().contains("DONE"), r.out());
        List<String> lines = r.errLines().stream().filter(l -> l.contains("B10_TRANSFER_LOAD_TIMEOUT_S='soon'")).toList();
        assertEquals(1, lines.size(), "one line naming the setting, got: " + r.err());
        noStackTraces(r);
    }

    @Test
    void twoProcessesSavingTheSameKeyAtOnce_bothLand_andLeaveNoTemporaries() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("sa/cache"));
        Path b = Files.createDirectories(tmp.resolve("sb/cache"));
        byte[] big = new byte[8 << 20];
        new java.util.Random(1).nextBytes(big);
        Files.write(a.resolve("a.bin"), big);
        new java.util.Random(2).nextBytes(big);
        Files.write(b.resolve("b.bin"), big);
        ProcessBuilder pa = saver(a);
        ProcessBuilder pb = saver(b);
        Process x = pa.start();
        Process y = pb.start();
        assertEquals(0, x.waitFor());
        assertEquals(0, y.waitFor());
        // each save lands (as a layer over the key's content, or its base): nothing replaced, nothing lost
        List<String> names = SurvivalKit.archivesAndKeyRecords(store);
        assertTrue(names.stream().noneMatch(n -> n.startsWith(".")), "no temporary: " + names);
        Path restored = tmp.resolve("sr/cache");
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"), env(restored), 60, "-jar", ChildJvm.jar().toString(), "load");
        assertEquals(0, r.exit(), r.err());
        for (Path src : List.of(a.resolve("a.bin"), b.resolve("b.bin"))) {
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(src), Files.readAllBytes(restored.resolve(src.getFileName()))), src.toString());
        }
    }

    private ProcessBuilder saver(Path local) {
        ProcessBuilder p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", ChildJvm.jar().toString(), "save");
        p.environment().putAll(env(local));
        p.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        return p;
    }

    static void noStackTraces(ChildJvm.Result r) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception in thread"), r.err());
    }
}
