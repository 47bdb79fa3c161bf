package b10.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.ops.CacheOperations;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.OperationControl;
import b10.transfer.ops.SaveResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoundTripTest {
    @TempDir
    Path tmp;

    static final EnvironmentKey KEY = new EnvironmentKey("2.11.0+cu130", "13.0", "3.6.0", "NVIDIA H200", "9.0",
            Settings.KeyMode.FULL);

    private CacheOperations ops(Path local, Path store, String... extra) throws Exception {
        Map<String, String> env = TestTrees.env(tmp, extra);
        env.put("TORCH_CACHE_DIR", local.toString());
        env.put("B10FS_CACHE_DIR", store.toString());
        return new CacheOperations(Settings.from(env, Map.of()), KEY);
    }

    @Test
    void saveThenLoad_ofTheH100Fixture_isByteIdentical() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h100.tgz", tmp.resolve("fixture"));
        Map<String, String> before = TestTrees.snapshot(source);
        Path store = tmp.resolve("store");
        SaveResult saved = ops(source, store).save(new OperationControl());
        assertEquals(SaveStatus.SUCCESS, saved.status(), saved.message());
        assertEquals(313, saved.files());

        Path restored = tmp.resolve("elsewhere/cache");
        LoadResult loaded = ops(restored, store).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, loaded.status(), loaded.message());
        assertEquals(313, loaded.files());
        assertEquals(before, TestTrees.snapshot(restored));
        assertNoLeftovers(store, restored.getParent());
    }

    @Test
    void gzipArchive_isReadByContent_evenUnderAZstdName() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        Path store = tmp.resolve("store");
        assertEquals(SaveStatus.SUCCESS, ops(source, store, "B10_TRANSFER_COMPRESSION", "gzip").save(new OperationControl()).status());
        Path gz = store.resolve(b10.transfer.store.StoreNames.archive(KEY, Settings.Compression.GZIP));
        Files.move(gz, store.resolve(b10.transfer.store.StoreNames.archive(KEY, Settings.Compression.ZSTD)));
        Path restored = tmp.resolve("r/cache");
        assertRestores(restored, store, false, source);
    }

    @Test
    void pythonPackagesArchive_withDotSlashMembers_isRestored() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        Path store = Files.createDirectories(tmp.resolve("store"));
        EnvironmentKey seedKey = new EnvironmentKey("2.11.0+cu130", "13.0", "3.6.0", "NVIDIA H200", "9.0", Settings.KeyMode.SEED);
        Path archive = store.resolve(b10.transfer.store.StoreNames.archive(seedKey, Settings.Compression.GZIP));
        // what the Python package writes: a gzip tar of the cache directory with arcname "."
        Process p = new ProcessBuilder("tar", "-czf", archive.toString(), "-C", source.toString(), ".").inheritIO().start();
        assertEquals(0, p.waitFor());
        Map<String, String> env = TestTrees.env(tmp, "B10_TRANSFER_KEY_MODE", "seed");
        Path restored = tmp.resolve("r/cache");
        env.put("TORCH_CACHE_DIR", restored.toString());
        env.put("B10FS_CACHE_DIR", store.toString());
        LoadResult r = new CacheOperations(Settings.from(env, Map.of()), seedKey).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, r.status(), r.message());
        assertEquals(121, r.files());
        assertEquals(TestTrees.snapshot(source), TestTrees.snapshot(restored));
    }

    @Test
    void load_whenLocalCacheHoldsFiles_isSkippedAndLeavesItAlone() throws Exception {
        Path store = tmp.resolve("store");
        Path source = seedStore(store);
        Path local = Files.createDirectories(tmp.resolve("l/cache"));
        Files.writeString(local.resolve("mine.py"), "x");
        LoadResult r = ops(local, store).load(false, new OperationControl());
        assertEquals(LoadStatus.SKIPPED, r.status());
        assertEquals(Map.of("", "dir", "mine.py", TestTrees.sha256("x".getBytes())), TestTrees.snapshot(local));
        assertRestores(local, store, true, source);
    }

    @Test
    void save_whenUnchangedSinceRestore_isSkipped_andAfterAChange_succeeds() throws Exception {
        Path store = tmp.resolve("store");
        Path source = seedStore(store);
        Path local = tmp.resolve("l/cache");
        assertEquals(LoadStatus.SUCCESS, ops(local, store).load(false, new OperationControl()).status());
        assertEquals(SaveStatus.SKIPPED, ops(local, store).save(new OperationControl()).status());
        Files.writeString(local.resolve("new-kernel.py"), "y");
        assertEquals(SaveStatus.SUCCESS, ops(local, store).save(new OperationControl()).status());
    }

    @Test
    void load_withNoStoreOrNoArchive_isDoesNotExist_andSaveOfNothing_isSkipped() throws Exception {
        Path local = tmp.resolve("l/cache");
        assertEquals(LoadStatus.DOES_NOT_EXIST, ops(local, tmp.resolve("missing")).load(false, new OperationControl()).status());
        Files.createDirectories(tmp.resolve("empty"));
        assertEquals(LoadStatus.DOES_NOT_EXIST, ops(local, tmp.resolve("empty")).load(false, new OperationControl()).status());
        assertEquals(SaveStatus.SKIPPED, ops(local, tmp.resolve("empty")).save(new OperationControl()).status());
    }

    @Test
    void storeThatIsAFile_andLocalCacheThatIsAFile_areErrorsNamingThem() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        Path fileStore = Files.writeString(tmp.resolve("store-file"), "x");
        SaveResult s = ops(source, fileStore).save(new OperationControl());
        assertEquals(SaveStatus.ERROR, s.status());
        assertTrue(s.message().contains("B10FS_CACHE_DIR"), s.message());
        Path store = tmp.resolve("store");
        ops(source, store).save(new OperationControl());
        Path fileLocal = Files.writeString(tmp.resolve("local-file"), "x");
        LoadResult r = ops(fileLocal, store).load(false, new OperationControl());
        assertEquals(LoadStatus.ERROR, r.status());
        assertTrue(r.message().contains("TORCH_CACHE_DIR"), r.message());
        assertEquals("x", Files.readString(fileLocal));
    }

    /** Extracts the H200 fixture and saves it into the store under KEY; returns the extracted tree. */
    private Path seedStore(Path store) throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        assertEquals(SaveStatus.SUCCESS, ops(source, store).save(new OperationControl()).status());
        return source;
    }

    /** A load into {@code local} succeeds and leaves exactly the tree of {@code expected}. */
    private void assertRestores(Path local, Path store, boolean force, Path expected) throws Exception {
        LoadResult r = ops(local, store).load(force, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, r.status(), r.message());
        assertEquals(TestTrees.snapshot(expected), TestTrees.snapshot(local));
    }

    static void assertNoLeftovers(Path store, Path localParent) throws Exception {
        try (Stream<Path> s = Files.list(store)) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
            assertTrue(names.isEmpty(), "temporaries left in the store: " + names);
        }
        try (Stream<Path> s = Files.list(localParent)) {
            // staging directories and swapped-out caches; the listing record beside the cache is meant to stay
            List<String> names = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.contains(".b10-staging-") || n.contains(".b10-old-")).toList();
            assertFalse(!names.isEmpty(), "staging left beside the cache: " + names);
        }
    }
}
