package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of real CLI saves while they publish a layer and while they fold layers into a new base.
 * After every kill the key's content (what a fresh load restores) is whole: everything published
 * before, plus the killed save's files exactly when its layer landed; what the kills left is
 * removed by later saves once past its age.
 */
class LayerCrashTest {
    static final List<String> ROWS = new ArrayList<>();

    @TempDir
    static Path root;
    static Path base;
    static Path venv;
    static Path logs;

    @BeforeAll
    static void generate() throws Exception {
        base = root.resolve("base/cache");
        SurvivalKit.generate(base, 600, 12L << 20, 1);
        venv = SurvivalKit.fakeVenv(root);
        logs = Files.createDirectories(root.resolve("logs"));
    }

    @AfterAll
    static void writeReport() {
        SurvivalKit.report("layer-crash.md", ROWS);
    }

    Map<String, String> env(Path local, Path store, String... kv) {
        return SurvivalKit.env(local, store, venv, kv);
    }

    void cli(Map<String, String> env, String expected, String... args) throws Exception {
        SurvivalKit.cliEndingWith(env, expected, args);
    }

    /** What a fresh load of the store restores. */
    Map<String, String> loaded(Path store, int n) throws Exception {
        Path fresh = root.resolve("check" + n + "/cache");
        cli(env(fresh, store), "SUCCESS", "load");
        return SurvivalKit.digest(fresh);
    }

    /** A replica: the base plus a few new kernels of its own. */
    static Path replica(int n) throws Exception {
        Path local = root.resolve("replica" + n + "/cache");
        SurvivalKit.copyTree(base, local);
        SurvivalKit.generate(local.resolve("new" + n), 5, 200 << 10, 100 + n);
        return local;
    }

    void killAt(String point, Map<String, String> env, String... args) throws Exception {
        SurvivalKit.killAt(point, env, logs, args);
    }

    @Test
    void killsDuringALayerPublishAndDuringACompaction_leaveTheKeysContentWhole() throws Exception {
        Path store = root.resolve("store");
        Files.createDirectories(store);
        cli(env(base, store), "SUCCESS", "save");
        Map<String, String> expected = new TreeMap<>(SurvivalKit.digest(base));
        int n = 0;
        List<String> held = new ArrayList<>();
        for (String point : List.of("temp-created", "before-rename", "after-rename")) {
            Path r = replica(n);
            killAt(point, env(r, store), "save");
            if (point.equals("after-rename")) {
                expected.putAll(SurvivalKit.digest(r)); // the layer landed: its files are the key's now
            }
            assertEquals(expected, loaded(store, n), "killed at " + point + " of a layer's publish");
            held.add("layer@" + point);
            n++;
        }
        // every save past no layer folds: its layer lands first, then the compaction is killed
        for (String point : List.of("compaction-started", "before-compaction-rename", "compaction-published")) {
            Path r = replica(n);
            killAt(point, env(r, store, "B10_TRANSFER_LAYERS_MAX", "0"), "save");
            expected.putAll(SurvivalKit.digest(r));
            assertEquals(expected, loaded(store, n), "killed at " + point + " of a compaction");
            held.add("compaction@" + point);
            n++;
        }
        Thread.sleep(1100);
        Path last = replica(n);
        cli(env(last, store, "B10_TRANSFER_LAYERS_MAX", "0", "B10_TRANSFER_TEMP_MAX_AGE_S", "1"), "SUCCESS", "save");
        expected.putAll(SurvivalKit.digest(last));
        assertEquals(expected, loaded(store, n));
        assertEquals(List.of(), SurvivalKit.temporaries(store), "temporaries past their age are removed");
        try (Stream<Path> s = Files.list(store)) {
            List<String> layers = s.map(p -> p.getFileName().toString()).filter(f -> f.contains(".layer.")).toList();
            // folded layers stay for the temporaries' age after the base that folds them: the last base is new
            assertTrue(layers.size() <= n + 1, layers.toString());
        }
        ROWS.add("| kill -9 of `save` publishing a layer, and of its compaction | " + held.size() + " kills: "
                + String.join(", ", held) + " | a fresh load after each restores every file published before, plus the"
                + " killed save's exactly when its layer landed; temporaries removed past their age |");
    }
}
