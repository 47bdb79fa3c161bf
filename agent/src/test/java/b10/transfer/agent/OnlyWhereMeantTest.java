package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent acts only in the JVM it is meant for, says nothing where it has nothing to do, and
 * never reads "nothing there" into something it could not read. Child JVMs throughout; the cases
 * that need another user run as nobody through setpriv, and say so loudly where they cannot.
 */
class OnlyWhereMeantTest {
    @TempDir
    Path tmp;
    Path store;
    Path venv;
    Path seed;

    @BeforeEach
    void seedStore() throws Exception {
        store = tmp.resolve("store");
        venv = SurvivalKit.fakeVenv(tmp);
        Path fixture = Path.of(System.getProperty("b10.test.fixtures", "../fixtures"), "inductor-cache-gpt2-h200.tgz");
        seed = Files.createDirectories(tmp.resolve("seed"));
        assertEquals(0, new ProcessBuilder("tar", "-xzf", fixture.toString(), "-C", seed.toString()).start().waitFor());
        seed = seed.resolve("indc-cold");
        ChildJvm.Result r = SurvivalKit.cli(env(seed), "save");
        assertEquals(0, r.exit(), r.err());
    }

    Map<String, String> env(Path local, String... kv) {
        return SurvivalKit.env(local, store, venv, kv);
    }

    static List<String> ours(ChildJvm.Result r) {
        // the JVM's own "Picked up JAVA_TOOL_OPTIONS: -javaagent:.../b10-transfer.jar" is not ours
        return r.errLines().stream().filter(l -> l.contains("b10-transfer") && !l.startsWith("Picked up")).toList();
    }

    static Path storeArchive(Path store) throws Exception {
        try (Stream<Path> s = Files.list(store)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }
    }

    /** Runs a JDK tool (bin/NAME) with the environment; returns exit code and stderr. */
    static ChildJvm.Result tool(String javaHome, String name, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(javaHome, "bin", name).toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = ChildJvm.withEnvironment(new ProcessBuilder(cmd), env);
        Path err = Files.createTempFile("tool-err", ".txt");
        pb.redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), cmd.toString());
        String text = Files.readString(err);
        Files.delete(err);
        return new ChildJvm.Result(p.exitValue(), "", text, 0);
    }

    @Test
    void agentInJavaToolOptions_standsAsideInTheJdksToolsAndOurCli_andActsInTheApplication() throws Exception {
        Path local = tmp.resolve("tools/cache");
        Map<String, String> e = env(local, "JAVA_TOOL_OPTIONS", "-javaagent:" + ChildJvm.jar());
        for (String jdk : ChildJvm.javaHomes()) {
            ChildJvm.Result javac = tool(jdk, "javac", e, "-version");
            assertEquals(0, javac.exit(), javac.err());
            assertEquals(List.of(), ours(javac), javac.err());
            ChildJvm.Result jar = tool(jdk, "jar", e, "--version");
            assertEquals(List.of(), ours(jar), jar.err());
            assertFalse(Files.exists(local), "a JDK tool restored the cache");
        }
        ChildJvm.Result cli = ChildJvm.run(System.getProperty("java.home"), e, 60, "-jar", ChildJvm.jar().toString(), "key");
        assertEquals(0, cli.exit(), cli.err());
        assertFalse(cli.err().contains("restore"), cli.err());
        assertFalse(Files.exists(local), "our CLI's JVM restored the cache");

        ChildJvm.Result app = ChildJvm.run(System.getProperty("java.home"), e, 60, "-cp", ChildJvm.testClasses(),
                "b10.transfer.agent.testapp.App");
        assertTrue(app.out().startsWith("FILES=121\n"), app.out() + app.err());
    }

    /**
     * The jar in JAVA_TOOL_OPTIONS and on the command line (or two copies of it): one agent acts,
     * restoring and saving once, and only other options than the first's are worth a line.
     */
    @Test
    void theJarGivenTwice_actsOnce() throws Exception {
        Path local = tmp.resolve("twice/cache");
        Path copy = Files.copy(ChildJvm.jar(), tmp.resolve("copy-of-b10-transfer.jar"));
        Map<String, String> e = env(local, "JAVA_TOOL_OPTIONS", "-javaagent:" + ChildJvm.jar(), "APP_WRITE", "1");
        ChildJvm.Result same = ChildJvm.run(System.getProperty("java.home"), e, 60, "-javaagent:" + ChildJvm.jar(),
                "-cp", ChildJvm.testClasses(), "b10.transfer.agent.testapp.App");
        assertEquals(0, same.exit(), same.err());
        assertTrue(same.out().startsWith("FILES=121\n"), same.out() + same.err());
        List<String> lines = ours(same);
        assertEquals(1, lines.stream().filter(l -> l.contains("restore SUCCESS")).count(), same.err());
        assertEquals(1, lines.stream().filter(l -> l.contains("save at exit SUCCESS")).count(), same.err());
        assertEquals(2, lines.size(), same.err());
        assertEquals(1, names(store).stream().filter(n -> n.contains(".layer.") && n.endsWith(".tar.zst")).count(),
                "the new kernel published as one layer, not two: " + names(store));

        Path other = tmp.resolve("twice/other");
        ChildJvm.Result differing = ChildJvm.run(System.getProperty("java.home"), env(other, "JAVA_TOOL_OPTIONS",
                        "-javaagent:" + ChildJvm.jar()), 60, "-javaagent:" + copy + "=SAVE_ON_EXIT=false",
                "-cp", ChildJvm.testClasses(), "b10.transfer.agent.testapp.App");
        assertEquals(0, differing.exit(), differing.err());
        List<String> said = ours(differing);
        assertEquals(1, said.stream().filter(l -> l.contains("restore SUCCESS")).count(), differing.err());
        assertEquals(1, said.stream().filter(l -> l.startsWith("WARN") && l.contains("given again with other options (SAVE_ON_EXIT=false)"))
                .count(), differing.err());
        assertEquals(2, said.size(), differing.err());
    }

    @Test
    void onlyIn_actsInTheNamedServer_andNotInAHelperJvm() throws Exception {
        Path local = tmp.resolve("only/cache");
        String agent = "-javaagent:" + ChildJvm.jar() + "=ONLY_IN=*.Server;*.ModelServer";
        ChildJvm.Result helper = ChildJvm.run(System.getProperty("java.home"), env(local, "APP_WRITE", "1"), 60, agent,
                "-cp", ChildJvm.testClasses(), "b10.transfer.agent.testapp.App");
        assertTrue(helper.out().startsWith("FILES=0\n"), helper.out());
        assertEquals(List.of(), ours(helper), helper.err());
        ChildJvm.Result debug = ChildJvm.run(System.getProperty("java.home"), env(tmp.resolve("only2/cache"),
                "B10_TRANSFER_LOG_LEVEL", "debug"), 60, agent, "-cp", ChildJvm.testClasses(), "b10.transfer.agent.testapp.App");
        assertEquals(1, ours(debug).size(), debug.err());
        assertTrue(ours(debug).get(0).contains("stands aside") && ours(debug).get(0).contains("B10_TRANSFER_ONLY_IN"),
                debug.err());
        ChildJvm.Result named = ChildJvm.run(System.getProperty("java.home"), env(tmp.resolve("only3/cache")), 60,
                "-javaagent:" + ChildJvm.jar() + "=ONLY_IN=b10.transfer.agent.testapp.*", "-cp", ChildJvm.testClasses(),
                "b10.transfer.agent.testapp.App");
        assertTrue(named.out().startsWith("FILES=121\n"), named.out() + named.err());
    }

    @Test
    void aJvmThatFindsTheCacheInPlaceAndCompilesNothing_printsNothing_andRewritesNothing() throws Exception {
        Path local = tmp.resolve("inplace/cache");
        Path archive = storeArchive(store);
        ChildJvm.Result server = SurvivalKit.app(env(local));
        assertTrue(server.err().contains("restore SUCCESS"), server.err());
        long before = Files.getLastModifiedTime(archive).toMillis();
        // the server's helper JVMs, as DJL Serving starts them: the same cache, already in place
        for (int i = 0; i < 3; i++) {
            ChildJvm.Result helper = SurvivalKit.app(env(local));
            assertTrue(helper.out().startsWith("FILES=121\n"), helper.out());
            assertEquals(List.of(), ours(helper), helper.err());
            assertFalse(helper.err().contains("WARNING"), "a JVM with nothing to do loaded a native library: " + helper.err());
        }
        assertEquals(before, Files.getLastModifiedTime(archive).toMillis(), "the store's archive was rewritten");
        assertEquals(List.of(SurvivalKit.keyRecordOf(archive.getFileName().toString()), archive.getFileName().toString()),
                SurvivalKit.archivesAndKeyRecords(store));
    }

    @Test
    void aJvmThatExitsAtOnce_withAnEmptyStoreAndNothingToSave_printsNothing_butNamesAMisspelledSetting() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty-store"));
        Path local = tmp.resolve("short/cache");
        ChildJvm.Result quiet = SurvivalKit.app(SurvivalKit.env(local, empty, venv));
        assertTrue(quiet.out().startsWith("FILES=0\n"), quiet.out() + quiet.err());
        assertEquals(List.of(), ours(quiet), quiet.err());

        ChildJvm.Result typo = SurvivalKit.app(SurvivalKit.env(local, empty, venv, "B10_TRANSFER_SAVE_ON_EXITT", "false"));
        assertEquals(1, ours(typo).size(), typo.err());
        assertTrue(ours(typo).get(0).contains("B10_TRANSFER_SAVE_ON_EXITT is not a setting")
                && ours(typo).get(0).contains("B10_TRANSFER_SAVE_ON_EXIT"), typo.err());
        assertEquals(List.of(), names(empty), "nothing was saved");
    }

    @Test
    void aReplicaWhoseCacheIsASubsetOfTheStores_neverReplacesIt_andOneWithNewFilesAddsThemAsALayer() throws Exception {
        Path local = tmp.resolve("older/cache");
        SurvivalKit.copyTree(seed, local); // restored long ago, by another machine: no record of it here
        try (Stream<Path> s = Files.walk(local)) {
            Files.delete(s.filter(Files::isRegularFile).findFirst().orElseThrow());
        }
        Path archive = storeArchive(store);
        long before = Files.getLastModifiedTime(archive).toMillis();
        ChildJvm.Result older = SurvivalKit.app(env(local));
        assertFalse(older.err().contains("save at exit"), older.err());
        assertEquals(before, Files.getLastModifiedTime(archive).toMillis(), "a subset replaced the store's archive");

        ChildJvm.Result compiled = SurvivalKit.app(env(local, "APP_WRITE", "1"));
        assertTrue(compiled.err().contains("save at exit SUCCESS: saved 1 files") && compiled.err().contains("as a layer"),
                compiled.err());
        assertEquals(before, Files.getLastModifiedTime(archive).toMillis(), "the base stays; the new file is a layer over it");
        Path fresh = tmp.resolve("fresh/cache");
        ChildJvm.Result next = SurvivalKit.app(env(fresh));
        assertTrue(next.out().startsWith("FILES=122\n"), next.out());
    }

    @Test
    void aServerPythonWithoutTorch_isOneWarning_andNothingIsPublished() throws Exception {
        Path bare = Files.createDirectories(tmp.resolve("bare/lib/python3.12/site-packages"));
        Path local = tmp.resolve("bare-local/cache");
        Path other = tmp.resolve("store2");
        Map<String, String> e = SurvivalKit.env(local, other, tmp.resolve("bare"), "APP_WRITE", "1");
        Files.createDirectories(other);
        Files.copy(storeArchive(store), other.resolve(storeArchive(store).getFileName()));
        ChildJvm.Result r = SurvivalKit.app(e);
        List<String> lines = ours(r).stream().filter(l -> !l.startsWith("INFO")).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("WARN") && lines.get(0).contains("B10_TRANSFER_PYTHON")
                && lines.get(0).contains(bare.toString()), lines.get(0));
        assertEquals(1, names(other).size(), "nothing published under a key without torch: " + names(other));
    }

    @Test
    void usedAsALibrary_itsMessagesGoThroughTheApplicationsLogging_andNothingIsConfigured() throws Exception {
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"), env(tmp.resolve("lib/cache")), 60,
                "-cp", ChildJvm.jar() + java.io.File.pathSeparator + ChildJvm.testClasses(), "b10.transfer.agent.testapp.LibraryApp");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("STATUS SUCCESS"), r.out());
        assertTrue(r.out().contains("CAPTURED INFO load SUCCESS: restored 121 files"), r.out());
        assertFalse(r.out().contains("PROPERTY"), "the library set logging properties: " + r.out());
        assertFalse(r.err().contains("b10-transfer -"), "the library printed with its own logger: " + r.err());
    }

    @Test
    void jsonOutput_ofAConfigurationError_isAnErrorObjectOnStdout() throws Exception {
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"), env(tmp.resolve("j/cache"), "MAX_CACHE_SIZE_MB", "lots"),
                60, "-jar", ChildJvm.jar().toString(), "load", "--json");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.out().strip().startsWith("{") && r.out().contains("\"status\":\"ERROR\"")
                && r.out().contains("MAX_CACHE_SIZE_MB"), r.out());
    }

    @Test
    void aStoreThisUserCannotRead_isAnError_notAnEmptyStore_andALocalCacheItCannotWriteIsNamedAsSuch() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwx------"));
        Path writable = Files.createDirectories(tmp.resolve("nobody"));
        Files.setPosixFilePermissions(writable, PosixFilePermissions.fromString("rwxrwxrwx"));
        ChildJvm.Result r = asNobody(env(writable.resolve("cache")), "load");
        if (r == null) {
            return;
        }
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().strip().endsWith("ERROR"), r.out());
        assertTrue(r.err().contains("cannot read store directory " + store) && r.err().contains("B10FS_CACHE_DIR")
                && r.err().contains("permission denied"), r.err());

        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path rootOnly = Files.createDirectories(tmp.resolve("root-only"));
        ChildJvm.Result local = asNobody(env(rootOnly.resolve("cache")), "load");
        assertEquals(1, local.exit(), local.out() + local.err());
        assertTrue(local.err().contains("cannot write the local cache " + rootOnly.resolve("cache") + " (TORCH_CACHE_DIR)")
                && !local.err().contains("staging"), local.err());

        // the cache directory is this user's, its parent is not (a read-only root filesystem, say): restored inside it
        Path own = Files.createDirectories(rootOnly.resolve("own-cache"));
        new ProcessBuilder("chown", "65534:65534", own.toString()).start().waitFor();
        ChildJvm.Result inside = asNobody(env(own), "load");
        assertEquals(0, inside.exit(), inside.out() + inside.err());
        assertTrue(inside.err().contains("load SUCCESS: restored 121 files"), inside.err());
        assertEquals(List.of("own-cache"), names(rootOnly).stream().filter(n -> !n.equals("cache")).toList(),
                "nothing written beside a cache whose parent this user cannot write");
    }

    /** The CLI as user nobody, or null (said loudly) where this machine cannot switch users. */
    ChildJvm.Result asNobody(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", ChildJvm.jar().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = ChildJvm.withEnvironment(new ProcessBuilder(cmd), env);
        Path out = Files.createTempFile("nobody-out", ".txt");
        Path err = Files.createTempFile("nobody-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (java.io.IOException e) {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            System.err.println("OnlyWhereMeantTest: SKIPPED the other-user case, setpriv cannot run here: " + e);
            return null;
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String o = Files.readString(out);
        String e = Files.readString(err);
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        if (e.contains("setpriv:")) {
            System.err.println("OnlyWhereMeantTest: SKIPPED the other-user case, cannot become nobody here: " + e);
            return null;
        }
        return new ChildJvm.Result(p.exitValue(), o, e, 0);
    }

    static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

}
