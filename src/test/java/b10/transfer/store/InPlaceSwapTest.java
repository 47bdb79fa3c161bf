package b10.transfer.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.archive.CacheTree;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The swap inside a cache directory, on real directories: a whole swap, and every state a crash
 * can leave it in (its marker written by a process that is gone), which recovery completes, so
 * the cache ends fully new. The directory's own entries (b10-transfer's, a lost+found) stay.
 */
class InPlaceSwapTest {
    @TempDir
    Path tmp;

    private static final FileTime LONG_AGO = FileTime.from(Instant.now().minus(Duration.ofHours(2)));

    /** The cache's files and their text, b10-transfer's own directory and lost+found left out. */
    private static Map<String, String> contents(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = dir.relativize(p).toString();
                if (Files.isRegularFile(p) && !rel.startsWith(CacheTree.HOME + "/") && !rel.startsWith(CacheTree.LOST_FOUND + "/")) {
                    m.put(rel, Files.readString(p));
                }
            }
        }
        return m;
    }

    private Path cacheWith(String name, Map<String, String> files) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.createDirectories(dir.resolve(CacheTree.LOST_FOUND));
        Files.writeString(dir.resolve(CacheTree.LOST_FOUND + "/kept"), "the volume's");
        for (Map.Entry<String, String> e : files.entrySet()) {
            Files.createDirectories(dir.resolve(e.getKey()).getParent());
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
        return dir;
    }

    private static Path staging(Path dir, Map<String, String> files) throws Exception {
        Path s = Files.createDirectories(dir.resolve(CacheTree.HOME).resolve("staging-1"));
        for (Map.Entry<String, String> e : files.entrySet()) {
            Files.createDirectories(s.resolve(e.getKey()).getParent());
            Files.writeString(s.resolve(e.getKey()), e.getValue());
        }
        return s;
    }

    private static final Map<String, String> OLD = Map.of("fxgraph/ab/entry", "old graph", "triton/k1/a.cubin", "old kernel");
    private static final Map<String, String> NEW = Map.of("fxgraph/cd/entry", "new graph", "triton/k2/b.cubin", "new kernel",
            "top.json", "new");

    @Test
    void aSwap_replacesTheCachesEntries_andKeepsLostAndFound() throws Exception {
        Path dir = cacheWith("whole", OLD);
        Path staging = staging(dir, NEW);
        assertFalse(InPlaceSwap.swap(dir, staging, false, () -> true), "a cache that holds files is not replaced unless asked");
        assertTrue(InPlaceSwap.swap(dir, staging, true, () -> true));
        assertEquals(new TreeMap<>(NEW), contents(dir));
        assertEquals("the volume's", Files.readString(dir.resolve(CacheTree.LOST_FOUND + "/kept")));
        try (Stream<Path> s = Files.list(dir.resolve(CacheTree.HOME))) {
            assertEquals(0, s.count(), "no staging, set-aside directory or marker left");
        }
        InPlaceSwap.clear(dir);
        assertEquals(Map.of(), contents(dir));
        assertTrue(Files.exists(dir.resolve(CacheTree.LOST_FOUND + "/kept")));
    }

    /** A crash at each instant of a swap, as the marker and the entries then are; recovery ends with the new cache. */
    @Test
    void aCrashAtAnyInstant_isCompletedByRecovery_toTheNewCache() throws Exception {
        String[] states = {"marker written in part", "phase 1 begun", "phase 1 done", "phase 2 begun", "phase 2 done"};
        for (int i = 0; i < states.length; i++) {
            Path dir = cacheWith("crash" + i, OLD);
            Path staging = staging(dir, NEW);
            Path home = dir.resolve(CacheTree.HOME);
            Path old = Files.createDirectories(home.resolve("old-1"));
            String marker = "pid=2147483646\nstarted=1\nstaging=staging-1\nold=old-1\n";
            switch (i) {
                case 0 -> marker = "pid=2147483646\nstarted=1\nstag";
                case 1 -> {
                    Files.move(dir.resolve("fxgraph"), old.resolve("fxgraph"));
                    marker += "phase=1\n";
                }
                case 2 -> {
                    Files.move(dir.resolve("fxgraph"), old.resolve("fxgraph"));
                    Files.move(dir.resolve("triton"), old.resolve("triton"));
                    marker += "phase=1\n";
                }
                case 3 -> {
                    Files.move(dir.resolve("fxgraph"), old.resolve("fxgraph"));
                    Files.move(dir.resolve("triton"), old.resolve("triton"));
                    Files.move(staging.resolve("triton"), dir.resolve("triton"));
                    marker += "phase=2\n";
                }
                default -> {
                    Files.move(dir.resolve("fxgraph"), old.resolve("fxgraph"));
                    Files.move(dir.resolve("triton"), old.resolve("triton"));
                    for (String n : new String[] {"triton", "fxgraph", "top.json"}) {
                        Files.move(staging.resolve(n), dir.resolve(n));
                    }
                    marker += "phase=2\n";
                }
            }
            Files.writeString(home.resolve(InPlaceSwap.MARKER), marker, StandardCharsets.UTF_8);
            Files.setLastModifiedTime(old, LONG_AGO);
            Files.setLastModifiedTime(staging, LONG_AGO);
            InPlaceSwap.recover(dir, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
            Map<String, String> expected = i == 0 ? new TreeMap<>(OLD) : new TreeMap<>(NEW);
            assertEquals(expected, contents(dir), states[i] + ": " + (i == 0 ? "nothing was moved, nothing changes" : "completed"));
            assertFalse(Files.exists(home.resolve(InPlaceSwap.MARKER)), states[i] + ": the marker is gone");
            assertEquals("the volume's", Files.readString(dir.resolve(CacheTree.LOST_FOUND + "/kept")), states[i]);
            try (Stream<Path> s = Files.list(home)) {
                assertEquals(0, s.count(), states[i] + ": the set-aside and staging directories are removed");
            }
        }
    }

    /** Written into the cache while the restore's phase 2 runs (after its emptiness check): merged, the writer's entries kept. */
    @Test
    void entriesWrittenDuringARestore_areMergedWith_andKeepTheWritersVersion() throws Exception {
        Path dir = cacheWith("merge", Map.of("triton/app/k.cubin", "the application's", "top.json", "the application's"));
        Path staging = staging(dir, NEW);
        assertTrue(InPlaceSwap.swap(dir, staging, false, () -> false));
        Map<String, String> expected = new TreeMap<>(NEW);
        expected.put("triton/app/k.cubin", "the application's");
        expected.put("top.json", "the application's");
        assertEquals(expected, contents(dir));
    }

    @Test
    void theMarkerOfALiveProcess_isLeftAlone() throws Exception {
        Path dir = cacheWith("live", OLD);
        Path staging = staging(dir, NEW);
        Path home = dir.resolve(CacheTree.HOME);
        Files.createDirectories(home.resolve("old-1"));
        long started = ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        Files.writeString(home.resolve(InPlaceSwap.MARKER), "pid=" + ProcessHandle.current().pid() + "\nstarted=" + started
                + "\nstaging=staging-1\nold=old-1\nphase=1\n");
        Files.setLastModifiedTime(staging, LONG_AGO);
        InPlaceSwap.recover(dir, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        assertEquals(new TreeMap<>(OLD), contents(dir), "a swap under way in a running process is not touched");
        assertTrue(Files.isDirectory(staging) && Files.exists(home.resolve(InPlaceSwap.MARKER)));
        assertFalse(InPlaceSwap.swap(dir, staging(dir, Map.of()), true, () -> true), "a second swap waits its turn");
    }

    @Test
    void aMarkerNamingSomethingElse_movesNothingOutsideItsOwnDirectory() throws Exception {
        Path dir = cacheWith("tampered", OLD);
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "mine");
        Path home = Files.createDirectories(dir.resolve(CacheTree.HOME));
        Files.writeString(home.resolve(InPlaceSwap.MARKER), "pid=2147483646\nstarted=1\nstaging=../../outside\nold=old-1\nphase=2\n");
        InPlaceSwap.recover(dir, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        assertEquals("mine", Files.readString(outside.resolve("keep.txt")));
        assertEquals(new TreeMap<>(OLD), contents(dir));
        assertFalse(Files.exists(home.resolve(InPlaceSwap.MARKER)));
    }

    @Test
    void mountInfoEscapes_areRead() {
        assertEquals("/mnt/my cache\\x", MountPoints.unescape("/mnt/my\\040cache\\134x"));
        assertEquals("/plain", MountPoints.unescape("/plain"));
        assertEquals("/end\\04", MountPoints.unescape("/end\\04"));
    }
}
