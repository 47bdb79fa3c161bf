package b10.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.config.Settings;
import b10.transfer.key.KeyResolver;
import b10.transfer.ops.CacheOperations;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.OperationControl;
import b10.transfer.ops.Operations;
import b10.transfer.ops.SaveResult;
import b10.transfer.store.ArchiveStore;
import b10.transfer.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet on one directory store: saves publish only what the key's content lacks, as layers;
 * loads apply the base and every layer; compaction folds layers; retention removes unused keys.
 * Real caches (the H200 fixture), real archives, real concurrent savers.
 */
class LayersTest {
    @TempDir
    Path tmp;
    Path source;
    Path store;

    @BeforeEach
    void base() throws Exception {
        source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        store = tmp.resolve("store");
    }

    private Settings settings(Path local, String... kv) throws Exception {
        Map<String, String> env = TestTrees.env(tmp, kv);
        env.put("TORCH_CACHE_DIR", local.toString());
        env.put("B10FS_CACHE_DIR", store.toString());
        return Settings.from(env, Map.of());
    }

    private CacheOperations ops(Path local, String... kv) throws Exception {
        Settings s = settings(local, kv);
        return new CacheOperations(s, () -> KeyResolver.resolve(s, Map.of()).key());
    }

    private CacheOperations opsAt(Clock clock, Path local, String... kv) throws Exception {
        Settings s = settings(local, kv).at(clock);
        return new CacheOperations(s, () -> KeyResolver.resolve(s, Map.of()).key());
    }

    private SaveResult save(Path local, String... kv) throws Exception {
        return saveAt(Clock.systemUTC(), local, kv);
    }

    /** A save that judges ages by the clock (ahead of the system's: the store's files look that much older). */
    private SaveResult saveAt(Clock clock, Path local, String... kv) throws Exception {
        SaveResult r = opsAt(clock, local, kv).save(new OperationControl(), true);
        assertFalse(r.status() == SaveStatus.ERROR, r.message());
        return r;
    }

    /** A replica: the store's content restored into a cache of its own. */
    private Path replica(String name, String... kv) throws Exception {
        Path local = tmp.resolve(name + "/cache");
        LoadResult l = ops(local, kv).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, l.status(), l.message());
        return local;
    }

    private static void kernel(Path local, String name, int bytes, long seed) throws Exception {
        byte[] b = new byte[bytes];
        new Random(seed).nextBytes(b);
        Path p = local.resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, b);
    }

    private List<String> storeFiles() throws Exception {
        try (Stream<Path> s = Files.list(store)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private List<Path> layers() throws Exception {
        try (Stream<Path> s = Files.list(store)) {
            return s.filter(p -> p.getFileName().toString().contains(".layer.")).sorted().toList();
        }
    }

    @Test
    void threeReplicasAddingAKernelEach_concurrently_leaveAStoreFromWhichAFreshLoadGetsTheBaseAndAllThree() throws Exception {
        assertEquals(SaveStatus.SUCCESS, save(source).status());
        List<Path> replicas = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path r = replica("replica" + i);
            kernel(r, "triton/new" + i + "/kernel.cubin", 10 * 1024, i);
            replicas.add(r);
        }
        CyclicBarrier start = new CyclicBarrier(3);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<SaveResult>> saves = new ArrayList<>();
        for (Path r : replicas) {
            CacheOperations saver = ops(r); // made before the threads: making settings writes the fake Python's files
            saves.add(pool.submit(() -> {
                start.await(60, java.util.concurrent.TimeUnit.SECONDS);
                return saver.save(new OperationControl(), true);
            }));
        }
        for (Future<SaveResult> f : saves) {
            SaveResult r = f.get();
            assertEquals(SaveStatus.SUCCESS, r.status(), r.message());
            assertEquals(1, r.files(), "a layer holds only the new kernel: " + r.message());
            assertTrue(r.message().contains("as a layer"), r.message());
        }
        pool.shutdown();
        assertEquals(3, layers().size(), storeFiles().toString());
        for (Path l : layers()) {
            assertTrue(Files.size(l) < 64 * 1024, "a 10 KiB kernel's layer is small: " + Files.size(l));
        }
        Path fresh = tmp.resolve("fresh/cache");
        LoadResult l = ops(fresh).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, l.status(), l.message());
        assertTrue(l.message().contains("and 3 layers"), l.message());
        Map<String, String> expected = new TreeMap<>(TestTrees.snapshot(source));
        for (int i = 0; i < 3; i++) {
            expected.putAll(subtree(replicas.get(i), "triton/new" + i));
        }
        assertEquals(expected, TestTrees.snapshot(fresh));

        // a replica whose cache is older than the store's (it lacks files, and has none of its own) adds and removes nothing
        Path older = tmp.resolve("older/cache");
        TestTrees.copyTree(source, older);
        try (Stream<Path> s = Files.walk(older)) {
            Files.delete(s.filter(Files::isRegularFile).findFirst().orElseThrow());
        }
        List<String> before = storeFiles();
        SaveResult r = save(older);
        assertEquals(SaveStatus.SKIPPED, r.status(), r.message());
        assertEquals(before, storeFiles());
    }

    private static Map<String, String> subtree(Path root, String under) throws Exception {
        Map<String, String> all = TestTrees.snapshot(root);
        Map<String, String> out = new TreeMap<>();
        all.forEach((k, v) -> {
            if (k.equals("triton") || k.startsWith(under)) {
                out.put(k, v);
            }
        });
        return out;
    }

    @Test
    void aPathInTwoLayers_theNewestWins_andAFileChangedSinceTheRestoreIsPublishedEvenAtTheSameSize() throws Exception {
        save(source);
        Path a = replica("a");
        Path b = replica("b");
        Files.writeString(a.resolve("fx-shared.py"), "from a");
        assertEquals(SaveStatus.SUCCESS, save(a).status());
        Files.writeString(b.resolve("fx-shared.py"), "from b, later");
        assertEquals(SaveStatus.SUCCESS, save(b).status());
        Path fresh = tmp.resolve("fresh/cache");
        assertEquals(LoadStatus.SUCCESS, ops(fresh).load(false, new OperationControl()).status());
        assertEquals("from b, later", Files.readString(fresh.resolve("fx-shared.py")));

        // a restored file rewritten with other bytes of the same size: its record says it changed
        Path c = replica("c");
        Path victim;
        try (Stream<Path> s = Files.walk(c)) {
            victim = s.filter(p -> p.toString().endsWith(".py")).sorted().findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(victim);
        bytes[0] = (byte) (bytes[0] == '#' ? '@' : '#');
        Files.write(victim, bytes);
        Files.setLastModifiedTime(victim, FileTime.from(Instant.now().plusSeconds(5)));
        SaveResult r = save(c);
        assertEquals(SaveStatus.SUCCESS, r.status(), r.message());
        assertEquals(1, r.files(), r.message());
        Path again = tmp.resolve("again/cache");
        assertEquals(LoadStatus.SUCCESS, ops(again).load(false, new OperationControl()).status());
        assertEquals(TestTrees.sha256(bytes), TestTrees.snapshot(again).get(c.relativize(victim).toString()));
    }

    @Test
    void layersPastTheirBound_areFoldedIntoANewBase_andWhatItFoldsIsRemovedOnlyAfterTheTemporariesAge() throws Exception {
        save(source);
        Path r = replica("r");
        for (int i = 0; i < 3; i++) {
            kernel(r, "fx/k" + i + ".py", 2048, i);
            SaveResult s = save(r, "B10_TRANSFER_LAYERS_MAX", "2");
            assertEquals(SaveStatus.SUCCESS, s.status(), s.message());
            assertEquals(i == 2, s.message().contains("folded 3 layers into a new base"), s.message());
        }
        try (ArchiveStore st = Stores.open(settings(r))) {
            ArchiveStore.Content c = st.content(KeyResolver.resolve(settings(r), Map.of()).key());
            assertEquals(0, c.layers().size(), "the base folds every layer");
        }
        assertEquals(3, layers().size(), "folded layers stay for readers of the old content");
        Path fresh = tmp.resolve("fresh/cache");
        LoadResult l = ops(fresh).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, l.status(), l.message());
        assertFalse(l.message().contains("layer"), l.message());
        assertEquals(TestTrees.snapshot(r), TestTrees.snapshot(fresh));

        // once the base is older than the temporaries' age, the next save removes what it folded, with their indexes
        List<String> foldedIds = new ArrayList<>();
        for (Path p : layers()) {
            String n = p.getFileName().toString();
            foldedIds.add(n.substring(n.indexOf(".layer.") + 7, n.indexOf(".tar.")));
        }
        kernel(r, "fx/k3.py", 2048, 3);
        Clock twoMinutesLater = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(2));
        assertEquals(SaveStatus.SUCCESS, saveAt(twoMinutesLater, r, "B10_TRANSFER_TEMP_MAX_AGE_S", "60").status());
        assertEquals(1, layers().size(), "only the new layer is left: " + storeFiles());
        for (String id : foldedIds) {
            assertTrue(storeFiles().stream().noneMatch(n -> n.contains(id)), id + " is gone: " + storeFiles());
        }
        Path last = tmp.resolve("last/cache");
        assertEquals(LoadStatus.SUCCESS, ops(last).load(false, new OperationControl()).status());
        assertEquals(TestTrees.snapshot(r), TestTrees.snapshot(last));
    }

    @org.junit.jupiter.api.RepeatedTest(2)
    void replicasAddingLayersWhileOthersCompact_loseNothing() throws Exception {
        save(source);
        int replicas = 4;
        int rounds = 3;
        List<Path> caches = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            caches.add(replica("rep" + i));
        }
        List<CacheOperations> savers = new ArrayList<>();
        for (Path c : caches) {
            // settings made before the threads start: making them writes the fake Python's files
            savers.add(ops(c, "B10_TRANSFER_LAYERS_MAX", "1"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        CyclicBarrier together = new CyclicBarrier(replicas);
        List<Future<List<SaveResult>>> all = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            int n = i;
            all.add(pool.submit(() -> {
                List<SaveResult> out = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    kernel(caches.get(n), "triton/r" + n + "/k" + round + ".cubin", 4096, n * 100 + round);
                    together.await(60, java.util.concurrent.TimeUnit.SECONDS);
                    // every save past one layer folds: compactions race layer publishes and one another
                    out.add(savers.get(n).save(new OperationControl(), true));
                }
                return out;
            }));
        }
        for (Future<List<SaveResult>> f : all) {
            for (SaveResult s : f.get()) {
                assertEquals(SaveStatus.SUCCESS, s.status(), s.message());
            }
        }
        pool.shutdown();
        Path fresh = tmp.resolve("fresh/cache");
        LoadResult l = ops(fresh).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, l.status(), l.message());
        Map<String, String> expected = new TreeMap<>(TestTrees.snapshot(source));
        for (Path c : caches) {
            expected.putAll(TestTrees.snapshot(c));
        }
        Map<String, String> got = TestTrees.snapshot(fresh);
        Map<String, String> missing = new TreeMap<>(expected);
        missing.entrySet().removeAll(got.entrySet());
        assertEquals(Map.of(), missing, "lost or different");
        assertEquals(expected.size(), got.size());
    }

    @Test
    void saveReplace_makesTheKeysContentExactlyTheLocalCache() throws Exception {
        save(source);
        Path r = replica("r");
        kernel(r, "fx/extra.py", 100, 1);
        save(r);
        Path other = tmp.resolve("other/cache");
        Files.createDirectories(other);
        kernel(other, "only/this.py", 100, 2);
        SaveResult s = ops(other).save(new OperationControl(), false, true);
        assertEquals(SaveStatus.SUCCESS, s.status(), s.message());
        assertTrue(s.message().contains("replacing the key's content"), s.message());
        Path fresh = tmp.resolve("fresh/cache");
        assertEquals(LoadStatus.SUCCESS, ops(fresh).load(false, new OperationControl()).status());
        assertEquals(TestTrees.snapshot(other), TestTrees.snapshot(fresh));
    }

    @Test
    void gc_removesKeysUnusedPastTheRetention_thenTheLeastRecentlyUsedOverTheQuota_neverTheNewest_andDryRunChangesNothing()
            throws Exception {
        String[] torch = {"2.9.0", "2.10.0", "2.11.0"};
        for (String t : torch) {
            // one cache per key, as each environment's server has its own
            Path local = tmp.resolve("torch-" + t + "/cache");
            TestTrees.copyTree(source, local);
            assertEquals(SaveStatus.SUCCESS, save(local, "B10_TRANSFER_TORCH_VERSION", t).status());
        }
        // judged 40 days later (by the operations' clock, no file touched): the oldest key was saved then and never used since,
        // the middle key was used a minute before the gc, the newest at its time (a load records the use)
        Clock gcTime = Clock.offset(Clock.systemUTC(), Duration.ofDays(40));
        Clock minuteBefore = Clock.offset(Clock.systemUTC(), Duration.ofDays(40).minusMinutes(1));
        String oldHash = KeyResolver.resolve(settings(source, "B10_TRANSFER_TORCH_VERSION", "2.9.0"), Map.of()).key().hash();
        String midHash = KeyResolver.resolve(settings(source, "B10_TRANSFER_TORCH_VERSION", "2.10.0"), Map.of()).key().hash();
        assertEquals(LoadStatus.SUCCESS, opsAt(minuteBefore, tmp.resolve("m/cache"), "B10_TRANSFER_TORCH_VERSION", "2.10.0")
                .load(false, new OperationControl()).status());
        assertEquals(LoadStatus.SUCCESS, opsAt(gcTime, tmp.resolve("n/cache"), "B10_TRANSFER_TORCH_VERSION", "2.11.0")
                .load(false, new OperationControl()).status());
        List<String> before = storeFiles();
        Map<String, Object> dry = Operations.of(settings(source).at(gcTime)).gc(true);
        assertEquals(List.of(oldHash), hashes(dry.get("would_remove")), dry.toString());
        assertEquals(before, storeFiles(), "a dry run changes nothing");

        Map<String, Object> run = Operations.of(settings(source).at(gcTime)).gc(false);
        assertEquals(List.of(oldHash), hashes(run.get("removed")), run.toString());
        assertTrue(storeFiles().stream().noneMatch(n -> n.contains(oldHash)), storeFiles().toString());

        // a quota of 0.3 MiB (each key's archive is about 0.2 MiB): the least recently used goes, the newest stays whatever its size; loads of it race the gc
        ExecutorService pool = Executors.newSingleThreadExecutor();
        CacheOperations loader = opsAt(gcTime, tmp.resolve("race/cache"), "B10_TRANSFER_TORCH_VERSION", "2.11.0");
        Operations collector = Operations.of(settings(source, "B10_TRANSFER_STORE_QUOTA_MB", "0.3").at(gcTime));
        Future<List<LoadResult>> loads = pool.submit(() -> {
            List<LoadResult> out = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                out.add(loader.load(true, new OperationControl()));
            }
            return out;
        });
        Map<String, Object> quota = collector.gc(false);
        assertEquals(List.of(midHash), hashes(quota.get("removed")), quota.toString());
        for (LoadResult l : loads.get()) {
            assertEquals(LoadStatus.SUCCESS, l.status(), l.message());
        }
        pool.shutdown();
        Map<String, Object> list = Operations.of(settings(source, "B10_TRANSFER_TORCH_VERSION", "2.11.0")).list();
        assertEquals(1, list.get("total_caches"), list.toString());
        Map<?, ?> row = (Map<?, ?>) ((List<?>) list.get("caches")).get(0);
        assertTrue(row.containsKey("last_used") && row.containsKey("layers") && row.containsKey("store_bytes"), row.toString());
    }

    private static List<String> hashes(Object removals) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) removals) {
            out.add(String.valueOf(((Map<?, ?>) o).get("hash")));
        }
        return out;
    }
}
