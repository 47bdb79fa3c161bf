package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.agent.SurvivalKit.Child;
import b10.transfer.base.PausePoints;
import b10.transfer.store.LocalCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of real CLI processes saving ({@code save --replace}: the key's content becomes the saved
 * cache) and loading a 120 MiB, 6,000-file cache at random instants, and a 40 MiB, 2,000-file one
 * at the named points of {@code PausePoints}. After every kill the store holds the old or the new archive, whole; the
 * local cache is as before or wholly new; nothing else changed; and the next operations succeed
 * and remove the leftovers once they are past their age.
 */
class CrashTest {
    static final int FILES = 4_000;
    static final long BYTES = 80L << 20;
    static final int SMALL_FILES = 1_000;
    static final long SMALL_BYTES = 20L << 20;
    // 4 each: enough to land before and during the renames (the named points cover each instant,
    // the one after the rename too), and the suite stays under 10 minutes on 2 cores (CI took 10:34
    // with 6 each and 8 on 10:00 here)
    static final int SAVE_KILLS = 4;
    static final int LOAD_KILLS = 4;
    static final List<String> ROWS = new ArrayList<>();

    @TempDir
    static Path root;
    static Path a;
    static Path b;
    static Path venv;
    static Map<String, String> contentA;
    static Map<String, String> contentB;
    /** The named points' pair: each point is an instant, not a size, so a smaller cache holds them as well and quicker. */
    static Path smallA;
    static Path smallB;
    static Map<String, String> contentSmallA;
    static Map<String, String> contentSmallB;
    static Path logs;
    static Path scratch;

    @BeforeAll
    static void generateCaches() throws Exception {
        a = root.resolve("a/cache");
        b = root.resolve("b/cache");
        SurvivalKit.generate(a, FILES, BYTES, 1);
        SurvivalKit.generate(b, FILES, BYTES, 2);
        contentA = SurvivalKit.digest(a);
        contentB = SurvivalKit.digest(b);
        smallA = root.resolve("small-a/cache");
        smallB = root.resolve("small-b/cache");
        SurvivalKit.generate(smallA, SMALL_FILES, SMALL_BYTES, 3);
        SurvivalKit.generate(smallB, SMALL_FILES, SMALL_BYTES, 4);
        contentSmallA = SurvivalKit.digest(smallA);
        contentSmallB = SurvivalKit.digest(smallB);
        venv = SurvivalKit.fakeVenv(root);
        logs = Files.createDirectories(root.resolve("logs"));
        scratch = Files.createDirectories(root.resolve("scratch"));
        Files.createDirectories(root.resolve("outside/deeper"));
        Files.writeString(root.resolve("outside/deeper/keep.txt"), "must not change");
    }

    @AfterAll
    static void writeReport() {
        SurvivalKit.report("crash.md", ROWS);
    }

    Map<String, String> env(Path local, Path store, String... kv) {
        return SurvivalKit.env(local, store, venv, kv);
    }

    /** Runs the CLI to its end and returns how long it took; fails unless the last line is the status expected. */
    long runCli(Map<String, String> env, String expected, String... args) throws Exception {
        return SurvivalKit.cliEndingWith(env, expected, args).millis();
    }

    /** The store's one published archive (temporaries aside). */
    static Path published(Path store) throws Exception {
        try (Stream<Path> s = Files.list(store)) {
            // temporaries start with a dot; the key's record and the archives' indexes are not archives
            List<Path> archives = s.filter(p -> !p.getFileName().toString().startsWith(".")
                    && !p.getFileName().toString().endsWith(".b10-key") && !p.getFileName().toString().endsWith(".b10-index")).toList();
            assertEquals(1, archives.size(), "one archive under one key: " + archives);
            return archives.get(0);
        }
    }

    /** Whole archives seen so far, by SHA-256, and which version they hold. */
    final Map<String, String> knownArchives = new HashMap<>();

    /** Asserts that the store's archive is whole and holds A or B; returns which. */
    String checkStore(Path store) throws Exception {
        return checkStore(store, contentA, contentB);
    }

    /** Which of the two versions the store's archive holds, whole ("A" or "B"); fails for anything else. */
    String checkStore(Path store, Map<String, String> versionA, Map<String, String> versionB) throws Exception {
        Path archive = published(store);
        String sha = SurvivalKit.sha256(archive);
        String version = knownArchives.get(sha);
        if (version == null) {
            Map<String, String> content = SurvivalKit.verifiedContent(archive, scratch);
            version = content.equals(versionA) ? "A" : content.equals(versionB) ? "B" : null;
            assertTrue(version != null, "the store's archive holds neither saved version");
            knownArchives.put(sha, version);
        }
        return version;
    }

    /** Asserts that a local cache is absent or exactly A; returns which. */
    static String checkLocal(Path local) throws Exception {
        return checkLocal(local, contentA);
    }

    static String checkLocal(Path local, Map<String, String> versionA) throws Exception {
        if (!Files.exists(local)) {
            return "absent";
        }
        assertEquals(versionA, SurvivalKit.digest(local), "a local cache that exists is the whole restored version");
        return "A";
    }

    boolean outside(Path p, Path store, Path loads) {
        return p.startsWith(store) || p.startsWith(loads) || p.startsWith(logs) || p.startsWith(scratch);
    }

    @Test
    void randomKills_ofSavesAndLoads_leaveTheOldOrTheNewVersion_whole() throws Exception {
        Path store = root.resolve("random/store");
        Path loads = root.resolve("random/loads");
        Path local = loads.resolve("cache");
        Files.createDirectories(store);
        Map<String, String> before = SurvivalKit.snapshot(root, p -> outside(p, store, loads));
        long saveMillis = runCli(env(a, store), "SUCCESS", "save", "--replace");
        assertEquals("A", checkStore(store));
        Random rnd = new Random(7);

        // each save writes the version the store does not hold, so that old and new differ at every kill
        String current = "A";
        int kills = 0;
        int finished = 0;
        int keptOld = 0;
        int gotNew = 0;
        while (kills < SAVE_KILLS) {
            Child c = Child.start(env(current.equals("A") ? b : a, store), logs, List.of(), "save", "--replace", "--quiet");
            Thread.sleep((long) (saveMillis * (0.05 + 1.15 * rnd.nextDouble()))); // past the end at times: a rename must be hit too
            if (c.process().isAlive()) {
                c.kill9();
                kills++;
            } else {
                finished++;
                saveMillis = saveMillis * 3 / 4; // the first timing was slow (a cold disk, a busy machine): aim earlier
            }
            String now = checkStore(store);
            if (now.equals(current)) {
                keptOld++;
            } else {
                gotNew++;
            }
            current = now;
            assertTrue(finished < 20, "saves keep finishing before the kill");
        }
        int saveTemps = SurvivalKit.temporaries(store).size();
        assertTrue(saveTemps > 0, "some kills left a store temporary to clean");
        // a save with the default age leaves young temporaries alone: they may be another saver's
        runCli(env(a, store), "SUCCESS", "save", "--replace");
        assertEquals(saveTemps, SurvivalKit.temporaries(store).size(), "young temporaries are kept");
        Thread.sleep(1100);
        runCli(env(b, store, "B10_TRANSFER_TEMP_MAX_AGE_S", "1"), "SUCCESS", "save", "--replace");
        assertEquals(List.of(), SurvivalKit.temporaries(store), "temporaries past their age are removed");
        runCli(env(a, store), "SUCCESS", "save", "--replace");
        assertEquals("A", checkStore(store));
        ROWS.add("| kill -9 of `save` at random instants (" + FILES + " files, " + (BYTES >> 20) + " MiB) | " + kills + " kills (" + finished
                + " saves ended first) | after every kill the store's archive is whole: the old version " + keptOld
                + " times, the new one " + gotNew + " times; " + saveTemps
                + " temporaries left, kept while young, removed by the next save past their age |");

        long loadMillis = runCli(env(local, store), "SUCCESS", "load");
        assertEquals("A", checkLocal(local));
        LocalCache.deleteTree(local);
        Map<String, Integer> local0 = new HashMap<>();
        kills = 0;
        finished = 0;
        while (kills < LOAD_KILLS) {
            Child c = Child.start(env(local, store), logs, List.of(), "load", "--quiet");
            Thread.sleep((long) (loadMillis * (0.05 + 0.75 * rnd.nextDouble())));
            if (c.process().isAlive()) {
                c.kill9();
                kills++;
            } else {
                finished++;
                loadMillis = loadMillis * 3 / 4; // as for the saves: aim earlier
            }
            local0.merge(checkLocal(local), 1, Integer::sum);
            LocalCache.deleteTree(local); // the next kill starts from an empty cache again
            assertTrue(finished < 20, "loads keep finishing before the kill");
        }
        int staging = SurvivalKit.temporaries(loads).size();
        Thread.sleep(1100);
        runCli(env(local, store, "B10_TRANSFER_TEMP_MAX_AGE_S", "1"), "SUCCESS", "load");
        assertEquals("A", checkLocal(local));
        assertEquals(List.of(), SurvivalKit.temporaries(loads), "staging directories past their age are removed");
        assertEquals(before, SurvivalKit.snapshot(root, p -> outside(p, store, loads)), "nothing outside changed");
        ROWS.add("| kill -9 of `load` at random instants (same cache) | " + kills + " kills (" + finished
                + " loads ended first) | local cache absent " + local0.getOrDefault("absent", 0) + ", whole "
                + local0.getOrDefault("A", 0) + " times, never partial; " + staging
                + " staging directories removed by the next load past their age |");
    }

    @Test
    void killsAtNamedPoints_ofSaveAndLoad_leaveExactlyTheExpectedState() throws Exception {
        Path store = root.resolve("named/store");
        Path loads = root.resolve("named/loads");
        Path local = loads.resolve("cache");
        Files.createDirectories(store);
        Map<String, String> before = SurvivalKit.snapshot(root, p -> outside(p, store, loads));
        runCli(env(smallA, store), "SUCCESS", "save", "--replace");
        List<String> held = new ArrayList<>();
        for (String point : List.of("temp-created", "mid-transfer", "after-fsync", "before-rename", "after-rename")) {
            int tempsBefore = SurvivalKit.temporaries(store).size();
            killAt(point, env(smallB, store), "save", "--replace");
            String version = checkStore(store, contentSmallA, contentSmallB);
            List<Path> temps = SurvivalKit.temporaries(store);
            if (point.equals("after-rename")) {
                assertEquals("B", version, "renamed: the new archive is published, whole");
                assertEquals(tempsBefore, temps.size(), "renamed: the temporary is the archive now");
                runCli(env(smallA, store), "SUCCESS", "save", "--replace");
            } else {
                assertEquals("A", version, "killed at " + point + ": the old archive stays");
                assertEquals(tempsBefore + 1, temps.size(), "killed at " + point + ": its temporary is left for a later cleanup");
            }
            held.add("save@" + point);
        }
        Thread.sleep(1100);
        runCli(env(smallB, store, "B10_TRANSFER_TEMP_MAX_AGE_S", "1"), "SUCCESS", "save", "--replace");
        assertEquals(List.of(), SurvivalKit.temporaries(store));
        assertEquals("B", checkStore(store, contentSmallA, contentSmallB));
        runCli(env(smallA, store), "SUCCESS", "save", "--replace");

        // loads into an absent cache: a single rename puts the staging directory in place
        for (String point : List.of("staging-created", "mid-transfer", "before-swap", "after-swap")) {
            killAt(point, env(local, store), "load");
            assertEquals(point.equals("after-swap") ? "A" : "absent", checkLocal(local, contentSmallA), "killed at " + point);
            LocalCache.deleteTree(local);
            held.add("load@" + point);
        }
        // a forced load over a cache that holds files: two renames, with a recovery for the instant between them
        Path previous = Files.createDirectories(local);
        SurvivalKit.generate(previous, 20, 1 << 20, 3);
        Map<String, String> contentPrevious = SurvivalKit.digest(previous);
        killAt("before-swap", env(local, store), "load", "--force");
        assertEquals(contentPrevious, SurvivalKit.digest(local), "killed before the swap: the old cache stays");
        killAt("between-swap-renames", env(local, store), "load", "--force");
        assertFalse(Files.exists(local), "between the renames the cache is set aside");
        runCli(env(local, store), "SKIPPED", "load"); // the next operation moves it back, and then skips a full cache
        assertEquals(contentPrevious, SurvivalKit.digest(local), "recovered: exactly the old cache");
        killAt("after-swap", env(local, store), "load", "--force");
        assertEquals("A", checkLocal(local, contentSmallA));
        held.add("load --force@before-swap, between-swap-renames (recovered by the next operation), after-swap");
        Thread.sleep(1100);
        runCli(env(local, store, "B10_TRANSFER_TEMP_MAX_AGE_S", "1"), "SUCCESS", "load", "--force");
        assertEquals("A", checkLocal(local, contentSmallA));
        assertEquals(List.of(), SurvivalKit.temporaries(loads), "no staging or set-aside cache is left");
        assertEquals(before, SurvivalKit.snapshot(root, p -> outside(p, store, loads)), "nothing outside changed");
        ROWS.add("| kill -9 at named points (" + SMALL_FILES + " files, " + (SMALL_BYTES >> 20) + " MiB) | " + held.size() + " kills: " + String.join(", ", held)
                + " | store: old archive before the rename, new and whole after it; local: absent or old before the swap,"
                + " whole after it; set-aside cache moved back by the next operation |");
    }

    /**
     * A load killed in the middle of its restore leaves nothing in java.io.tmpdir: the native zstd
     * library's copy and the nested jar's are removed as soon as they are open.
     */
    @Test
    void aLoadKilledMidRestore_leavesNothingInTheTemporaryDirectory() throws Exception {
        Path store = root.resolve("tmpdir/store");
        Path javaTmp = Files.createDirectories(root.resolve("tmpdir/java-tmp"));
        runCli(env(smallA, store), "SUCCESS", "save");
        Child c = Child.start(env(root.resolve("tmpdir/cache"), store), logs,
                List.of("-Db10.transfer.pauseAt=mid-transfer", "-Djava.io.tmpdir=" + javaTmp), "load", "--quiet");
        boolean paused = c.awaitMarker("b10-transfer: paused at mid-transfer", 120_000);
        String err = c.stderr();
        c.kill9();
        assertTrue(paused, "never reached mid-transfer:\n" + err);
        assertFalse(err.contains("pure-Java"), "the native codec restored: " + err);
        try (Stream<Path> left = Files.list(javaTmp)) {
            assertEquals(List.of(), left.toList());
        }
        ROWS.add("| kill -9 of a load mid-restore | java.io.tmpdir | empty: the native library's and the nested jar's"
                + " copies are removed once open |");
    }

    void killAt(String point, Map<String, String> env, String... args) throws Exception {
        SurvivalKit.killAt(point, env, logs, args);
    }
}
