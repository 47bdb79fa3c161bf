package b10.transfer.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local cache's decisions as tables, on real directories: recovery after a crash, and the swap. */
class LocalCacheTest {
    @TempDir
    Path tmp;

    private static final Instant NOW = Instant.now();
    private static final Instant CUTOFF = NOW.minus(Duration.ofHours(1));

    private enum Outcome { MOVED_BACK, KEPT, REMOVED }

    /** One sibling of the cache as a crash or another program left it, and what recovery must do with it. */
    private record Row(String sibling, Duration age, boolean cacheExists, Outcome expected) {
    }

    @Test
    void recover_undoesAnInterruptedSwap_andRemovesOnlyItsOwnStaleSiblings() throws Exception {
        List<Row> rows = List.of(
                // a swap killed between its renames: the old cache comes back where the cache is missing,
                new Row(".cache.b10-old-1", Duration.ZERO, false, Outcome.MOVED_BACK),
                // and is removed where the new cache made it in
                new Row(".cache.b10-old-1", Duration.ZERO, true, Outcome.REMOVED),
                // a young staging directory: a restore may be writing it
                new Row(".cache.b10-staging-1", Duration.ofMinutes(5), true, Outcome.KEPT),
                new Row(".cache.b10-staging-1", Duration.ofHours(2), true, Outcome.REMOVED),
                // not temporaries: the listing record, another cache's staging, names that only start like ours
                new Row(".cache.b10-listing", Duration.ofHours(2), true, Outcome.KEPT),
                new Row(".cachex.b10-staging-1", Duration.ofHours(2), true, Outcome.KEPT),
                new Row(".cache.b10-stagingless", Duration.ofHours(2), true, Outcome.KEPT),
                new Row("cache-other", Duration.ofHours(2), true, Outcome.KEPT));
        int i = 0;
        for (Row row : rows) {
            Path parent = Files.createDirectories(tmp.resolve("case" + i++));
            Path cache = parent.resolve("cache");
            if (row.cacheExists()) {
                Files.createDirectories(cache);
                Files.writeString(cache.resolve("new.py"), "new");
            }
            Path sibling = Files.createDirectories(parent.resolve(row.sibling()));
            Files.writeString(sibling.resolve("old.py"), "old");
            Files.setLastModifiedTime(sibling, FileTime.from(NOW.minus(row.age())));

            new LocalCache(cache).recover(CUTOFF);

            Outcome actual = !row.cacheExists() && Files.exists(cache.resolve("old.py")) ? Outcome.MOVED_BACK
                    : Files.exists(sibling) ? Outcome.KEPT : Outcome.REMOVED;
            assertEquals(row.expected(), actual, row.toString());
            if (row.cacheExists()) {
                assertEquals("new", Files.readString(cache.resolve("new.py")), "the cache itself is never touched: " + row);
            }
        }
    }

    /** The cache as the swap finds it, and what it must become. */
    private record SwapRow(String cache, boolean replace, boolean swapped, String content) {
    }

    @Test
    void swapIn_putsTheStagingInPlace_orLeavesACacheFilledMeanwhile() throws Exception {
        List<SwapRow> rows = List.of(
                new SwapRow("absent", false, true, "restored"),
                new SwapRow("empty", false, true, "restored"),
                new SwapRow("filled", false, false, "another process's"),
                new SwapRow("filled", true, true, "restored"));
        int i = 0;
        for (SwapRow row : rows) {
            Path parent = Files.createDirectories(tmp.resolve("swap" + i++));
            Path cache = parent.resolve("cache");
            if (!row.cache().equals("absent")) {
                Files.createDirectories(cache);
            }
            if (row.cache().equals("filled")) {
                Files.writeString(cache.resolve("k.py"), "another process's");
            }
            LocalCache local = new LocalCache(cache);
            Path staging = local.newStaging();
            Files.writeString(staging.resolve("k.py"), "restored");

            assertEquals(row.swapped(), local.swapIn(staging, row.replace()), row.toString());
            assertEquals(row.content(), Files.readString(cache.resolve("k.py")), row.toString());
            assertEquals(row.swapped() ? Set.of("cache") : Set.of("cache", staging.getFileName().toString()), names(parent),
                    "no old copy left behind, and a staging not swapped in is the caller's to delete: " + row);
        }
    }

    @Test
    void hasFiles_isFalseForAMissingCacheAndAFile() throws Exception {
        assertFalse(new LocalCache(tmp.resolve("missing")).hasFiles());
        Files.writeString(tmp.resolve("file"), "x");
        assertFalse(new LocalCache(tmp.resolve("file")).hasFiles());
        Files.createDirectories(tmp.resolve("full/d"));
        assertTrue(new LocalCache(tmp.resolve("full")).hasFiles());
    }

    private static Set<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
