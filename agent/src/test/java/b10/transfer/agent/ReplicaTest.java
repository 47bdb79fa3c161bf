package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many replicas at once: 16 processes save different contents under one key while 16 others
 * force-load it, for 6 rounds each. Every load must be exactly one saved version (each loader
 * checks byte for byte), no temporaries may remain, and the store holds nothing but the archive:
 * there is no lock for anyone to wait on.
 */
class ReplicaTest {
    static final int SAVERS = 16;
    static final int LOADERS = 16;
    static final int ROUNDS = 6; // 10 took about 35 s of a suite that must stay under 10 minutes on 2 cores

    @TempDir
    Path root;

    @Test
    void sixteenSaversAndSixteenLoaders_forSixRounds_seeOnlyWholeVersions() throws Exception {
        Path store = root.resolve("store");
        Path venv = SurvivalKit.fakeVenv(root);
        Path go = root.resolve("go");
        Map<String, String> before = SurvivalKit.snapshot(root, p -> p.startsWith(root.resolve("replicas")) || p.startsWith(store));
        // a first version, so that loaders of the first round find an archive
        Process seed = start("save", 999, 1, go, root.resolve("replicas/seed/cache"), store, venv);
        Files.writeString(go, "");
        assertEquals(0, seed.waitFor(), output(seed));
        Files.delete(go);

        List<Process> savers = new ArrayList<>();
        List<Process> loaders = new ArrayList<>();
        for (int i = 0; i < SAVERS; i++) {
            savers.add(start("save", i, ROUNDS, go, root.resolve("replicas/s" + i + "/cache"), store, venv));
        }
        for (int i = 0; i < LOADERS; i++) {
            loaders.add(start("load", i, ROUNDS, go, root.resolve("replicas/l" + i + "/cache"), store, venv));
        }
        Thread.sleep(500);
        long t0 = System.nanoTime();
        Files.writeString(go, "");
        Set<String> versionsLoaded = new HashSet<>();
        List<Long> millis = new ArrayList<>();
        int loads = 0;
        int saves = 0;
        for (Process p : savers) {
            saves += check(p, "saved", versionsLoaded, millis);
        }
        for (Process p : loaders) {
            loads += check(p, "loaded", versionsLoaded, millis);
        }
        long wall = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(SAVERS * ROUNDS, saves);
        assertEquals(LOADERS * ROUNDS, loads);
        // the store holds the archive and its key record, and the indexes of the bases saved within the
        // temporaries' age (removed by saves after it), nothing else (no lock, no temporary, no layer)
        List<String> names = SurvivalKit.archivesAndKeyRecords(store);
        assertEquals(List.of(SurvivalKit.keyRecordOf(names.get(1)), names.get(1)), names);
        for (int i = 0; i < LOADERS; i++) {
            assertEquals(List.of(), SurvivalKit.temporaries(root.resolve("replicas/l" + i)), "no staging left by loader " + i);
        }
        assertEquals(before, SurvivalKit.snapshot(root, p -> p.startsWith(root.resolve("replicas")) || p.startsWith(store)
                || p.equals(go)), "nothing outside the caches and the store changed");
        millis.sort(null);
        SurvivalKit.report("replicas.md", List.of("| " + SAVERS + " savers and " + LOADERS + " loaders, one key, "
                + ROUNDS + " rounds each, separate processes | " + saves + " saves, " + loads + " loads in "
                + wall / 1000 + " s | every load exactly one saved version (" + versionsLoaded.size()
                + " distinct versions seen), byte for byte; no temporaries; nothing but the archive in the store;"
                + " operation median " + millis.get(millis.size() / 2) + " ms, slowest " + millis.get(millis.size() - 1)
                + " ms on 2 cores |"));
    }

    /** Waits for a replica, fails on its failure, and counts its rounds. */
    static int check(Process p, String verb, Set<String> versionsLoaded, List<Long> millis) throws Exception {
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "a replica did not finish");
        String out = output(p);
        assertEquals(0, p.exitValue(), out);
        int rounds = 0;
        for (String line : out.lines().toList()) {
            String[] f = line.split(" ");
            if (f[0].equals(verb)) {
                rounds++;
                millis.add(Long.parseLong(f[3]));
                if (verb.equals("loaded")) {
                    versionsLoaded.add(f[1] + "/" + f[2]);
                }
            }
        }
        return rounds;
    }

    static String output(Process p) throws Exception {
        return new String(p.getInputStream().readAllBytes());
    }

    static Process start(String role, int id, int rounds, Path go, Path local, Path store, Path venv) throws Exception {
        return start(role, id, rounds, go, SurvivalKit.env(local, store, venv, "B10_TRANSFER_LOG_LEVEL", "warn"));
    }

    static Process start(String role, int id, int rounds, Path go, Map<String, String> env) throws Exception {
        return start(role, id, rounds, go, null, env);
    }

    /** @param stop for a loader: it goes on past its rounds until this file exists; null: exactly its rounds */
    static Process start(String role, int id, int rounds, Path go, Path stop, Map<String, String> env) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", ChildJvm.implementationClassPath(),
                "b10.transfer.agent.testapp.Replica", role, String.valueOf(id), String.valueOf(rounds), go.toString()));
        if (stop != null) {
            cmd.add(stop.toString());
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        ChildJvm.withEnvironment(pb, env);
        pb.redirectErrorStream(true);
        return pb.start();
    }
}
