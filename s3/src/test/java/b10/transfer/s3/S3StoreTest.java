package b10.transfer.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.LoadStatus;
import b10.transfer.SaveStatus;
import b10.transfer.TestTrees;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.ops.CacheOperations;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.OperationControl;
import b10.transfer.ops.SaveResult;
import b10.transfer.store.StoreNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The S3 store against a real S3 server on loopback (S3Proxy, filesystem provider). */
class S3StoreTest {
    static final String BUCKET = "b10-cache";
    static final EnvironmentKey KEY = new EnvironmentKey("2.11.0+cu130", "13.0", "3.6.0", "NVIDIA H200", "9.0",
            Settings.KeyMode.FULL);

    /** S3Proxy here; S3StoreOnS3MockTest runs the same tests on S3Mock. */
    @RegisterExtension
    static final TestS3Server server = TestS3Server.withBucket(BUCKET);
    static java.net.URI endpoint;
    static S3Client client;

    @TempDir
    Path tmp;

    @BeforeAll
    static void connect() {
        endpoint = server.endpoint();
        client = server.client();
    }

    Map<String, String> env(Path local, String prefix, String... extra) throws Exception {
        Map<String, String> env = TestTrees.env(tmp);
        env.put("TORCH_CACHE_DIR", local.toString());
        env.putAll(server.env(prefix));
        env.put("B10_TRANSFER_S3_REGION", "us-east-1");
        for (int i = 0; i + 1 < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    CacheOperations ops(Path local, String prefix, String... extra) throws Exception {
        return new CacheOperations(Settings.from(env(local, prefix, extra), Map.of()), KEY);
    }

    /** Operations that judge ages by a clock ahead of the system's: the store's objects look that much older. */
    CacheOperations later(java.time.Duration ahead, Path local, String prefix, String... extra) throws Exception {
        java.time.Clock clock = java.time.Clock.offset(java.time.Clock.systemUTC(), ahead);
        return new CacheOperations(Settings.from(env(local, prefix, extra), Map.of()).at(clock), KEY);
    }

    private List<String> keys(String prefix) {
        return client.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key).sorted().collect(Collectors.toList());
    }

    private Pointer pointer(String prefix) throws Exception {
        byte[] b = client.getObjectAsBytes(r -> r.bucket(BUCKET).key(prefix + "/cache_" + KEY.hash() + ".latest")).asByteArray();
        return Pointer.decode(b, prefix);
    }

    @Test
    void theServerRefusesASecondCreateAndAStaleIfMatch() {
        String k = "conditional/object";
        // unconditional first: a retried create (its first answer lost) would itself meet 412
        String etag = client.putObject(b -> b.bucket(BUCKET).key(k), RequestBody.fromString("one")).eTag();
        S3Exception again = assertThrows(S3Exception.class,
                () -> client.putObject(b -> b.bucket(BUCKET).key(k).ifNoneMatch("*"), RequestBody.fromString("two")));
        assertEquals(412, again.statusCode());
        S3Exception stale = assertThrows(S3Exception.class,
                () -> client.putObject(b -> b.bucket(BUCKET).key(k).ifMatch("\"0000\""), RequestBody.fromString("three")));
        assertEquals(412, stale.statusCode());
        client.putObject(b -> b.bucket(BUCKET).key(k).ifMatch(etag), RequestBody.fromString("four"));
        assertEquals("four", client.getObjectAsBytes(b -> b.bucket(BUCKET).key(k)).asUtf8String());
    }

    @Test
    void aPointer_keepsItsNewestRetirements_compactly() throws Exception {
        String folder = "archives/cache_abc/";
        List<Pointer.Retired> retired = new ArrayList<>();
        for (int i = 0; i < Pointer.MAX_RETIRED + 40; i++) {
            retired.add(new Pointer.Retired(folder + "1795000000000-host-1-" + i + ".tar.zst", java.time.Instant.ofEpochMilli(1_795_000_000_000L + i)));
        }
        Pointer p = new Pointer(folder + "now.tar.zst", "\"e\"", 10, "key", "2026-11-26T00:00:00Z", "w", retired);
        byte[] bytes = p.encode();
        assertTrue(bytes.length < 24 * 1024, bytes.length + " bytes");
        Pointer back = Pointer.decode(bytes, "test");
        assertEquals(retired.subList(40, retired.size()), back.retired());
        assertEquals(p.archive(), back.archive());
        assertEquals(p.etag(), back.etag());
    }

    @Test
    void bothFixtures_roundTripByteForByte() throws Exception {
        for (String fixture : List.of("inductor-cache-gpt2-h100.tgz", "inductor-cache-gpt2-h200.tgz")) {
            String prefix = "fixtures/" + fixture;
            Path source = TestTrees.extractFixture(fixture, tmp.resolve(fixture + "/source"));
            SaveResult saved = ops(source, prefix).save(new OperationControl());
            assertEquals(SaveStatus.SUCCESS, saved.status(), saved.message());
            assertTrue(saved.archive().startsWith("s3://" + BUCKET + "/" + prefix + "/archives/cache_" + KEY.hash() + "/"), saved.archive());

            Path restored = tmp.resolve(fixture + "/restored/cache");
            LoadResult loaded = ops(restored, prefix).load(false, new OperationControl());
            assertEquals(LoadStatus.SUCCESS, loaded.status(), loaded.message());
            assertEquals(saved.files(), loaded.files());
            assertEquals(TestTrees.snapshot(source), TestTrees.snapshot(restored));
            // the pointer, one archive with its index, and the key's use marker (the load's): nothing else is left
            List<String> objects = keys(prefix + "/");
            assertEquals(4, objects.size(), objects.toString());
            assertEquals(StoreNames.indexObject(objects.get(1)), objects.get(0));
            assertEquals(prefix + "/cache_" + KEY.hash() + ".latest", objects.get(2));
            assertEquals(prefix + "/used/cache_" + KEY.hash(), objects.get(3));
            assertTrue(client.listMultipartUploads(b -> b.bucket(BUCKET).prefix(prefix)).uploads().isEmpty());
        }
    }

    @Test
    void signedArchives_loadWhenTrusted_andAreRefusedUnderAnotherTrustedKey() throws Exception {
        String prefix = "signed";
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("signed/source"));
        Path keys = tmp.resolve("keys");
        String id = b10.transfer.trust.SigningKey.generate(keys);
        SaveResult saved = ops(source, prefix, "B10_TRANSFER_SIGNING_KEY", keys.resolve("b10-signing-key.pem").toString())
                .save(new OperationControl());
        assertEquals(SaveStatus.SUCCESS, saved.status(), saved.message());
        assertTrue(saved.message().contains("signed by key " + id), saved.message());
        // what info reads to name the signer: the archive's first frame alone (one ranged GET)
        try (b10.transfer.store.ArchiveStore store = b10.transfer.store.Stores.open(Settings.from(env(source, prefix), Map.of()));
             java.io.InputStream head = store.find(KEY).orElseThrow().openHead(5 << 20)) {
            assertEquals(id, b10.transfer.archive.ArchiveListing.header(head).get(b10.transfer.archive.ArchiveSignature.SIGNER));
        }

        Path restored = tmp.resolve("signed/restored/cache");
        LoadResult loaded = ops(restored, prefix, "B10_TRANSFER_TRUSTED_KEYS", keys.resolve("b10-signing-key.pub.pem").toString())
                .load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, loaded.status(), loaded.message());
        assertEquals(TestTrees.snapshot(source), TestTrees.snapshot(restored));

        Path otherKeys = tmp.resolve("other-keys");
        String other = b10.transfer.trust.SigningKey.generate(otherKeys);
        Path refusedAt = tmp.resolve("signed/refused/cache");
        LoadResult refused = ops(refusedAt, prefix, "B10_TRANSFER_TRUSTED_KEYS", otherKeys.resolve("b10-signing-key.pub.pem").toString())
                .load(false, new OperationControl());
        assertEquals(LoadStatus.ERROR, refused.status());
        assertTrue(refused.message().contains("signed by key " + id + ", which is not in B10_TRANSFER_TRUSTED_KEYS")
                && refused.message().contains(other), refused.message());
        assertFalse(java.nio.file.Files.exists(refusedAt));
    }

    /** 24 MiB that does not compress: five parts of 5 MiB up, ranged reads of 5 MiB down, four at a time. */
    @Test
    void aLargeArchive_goesUpInPartsAndComesBackInRanges() throws Exception {
        Path source = tmp.resolve("large");
        Random random = new Random(42);
        for (int i = 0; i < 24; i++) {
            byte[] b = new byte[1 << 20];
            random.nextBytes(b);
            Files.createDirectories(source.resolve("d" + i % 3));
            Files.write(source.resolve("d" + i % 3 + "/f" + i + ".bin"), b);
        }
        String[] s3 = {"B10_TRANSFER_S3_PART_MB", "5", "B10_TRANSFER_S3_CONNECTIONS", "4", "B10_TRANSFER_COMPRESSION", "gzip"};
        SaveResult saved = ops(source, "large", s3).save(new OperationControl());
        assertEquals(SaveStatus.SUCCESS, saved.status(), saved.message());
        Pointer p = pointer("large");
        assertTrue(p.size() > 20L << 20, "archive size " + p.size());
        // a multipart object's ETag ends in -<parts>
        assertTrue(p.etag().matches("\"?[0-9a-f]+-5\"?"), "multipart ETag " + p.etag());

        Path restored = tmp.resolve("large-restored/cache");
        OperationControl control = new OperationControl();
        LoadResult loaded = ops(restored, "large", s3).load(false, control);
        assertEquals(LoadStatus.SUCCESS, loaded.status(), loaded.message());
        assertEquals(TestTrees.snapshot(source), TestTrees.snapshot(restored));
    }

    @Test
    void replacedArchivesAreRetired_andRemovedOnlyAfterTheAge_withOrphansAndStaleUploads() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("source"));
        String[] age = {"B10_TRANSFER_TEMP_MAX_AGE_S", "60"};
        assertEquals(SaveStatus.SUCCESS, ops(source, "aging", age).save(new OperationControl(), false, true).status());
        String first = pointer("aging").archive();
        Files.writeString(source.resolve("new-kernel.py"), "# 2\n");
        assertEquals(SaveStatus.SUCCESS, ops(source, "aging", age).save(new OperationControl(), false, true).status());
        Pointer second = pointer("aging");
        assertNotEquals(first, second.archive());
        assertEquals(List.of(first), second.retired().stream().map(Pointer.Retired::archive).collect(Collectors.toList()));
        assertTrue(keys("aging/").contains("aging/" + first), "a retired archive stays for readers of the old pointer");

        // what killed savers leave: an archive no pointer names, and an upload never completed
        String orphan = "aging/archives/cache_" + KEY.hash() + "/orphan.tar.zst";
        client.putObject(b -> b.bucket(BUCKET).key(orphan), RequestBody.fromString("left by a killed saver"));
        String upload = client.createMultipartUpload(b -> b.bucket(BUCKET).key("aging/archives/cache_" + KEY.hash() + "/"
                + System.currentTimeMillis() + "-host-1-killed.tar.zst")).uploadId();

        // two minutes later (by the operations' clock, no sleep): all of that is past the age of 60 s
        Files.writeString(source.resolve("new-kernel.py"), "# 3\n");
        assertEquals(SaveStatus.SUCCESS, later(java.time.Duration.ofMinutes(2), source, "aging", age)
                .save(new OperationControl(), false, true).status());
        Pointer third = pointer("aging");
        Set<String> expected = new TreeSet<>(List.of("aging/cache_" + KEY.hash() + ".latest",
                "aging/" + third.archive(), "aging/" + second.archive(), "aging/" + StoreNames.indexObject(third.archive()),
                "aging/" + StoreNames.indexObject(second.archive())));
        assertEquals(expected, new TreeSet<>(keys("aging/")), "the first archive and its index, retired past the age, and the orphan are gone");
        assertTrue(client.listMultipartUploads(b -> b.bucket(BUCKET).prefix("aging/")).uploads().stream()
                .noneMatch(u -> u.uploadId().equals(upload)), "the stale upload was aborted");
    }

    /**
     * Eight savers of one key at once, each replacing the key's content ({@code save --replace}).
     * Every pointer update is a compare-and-swap: on S3 none is
     * lost. S3Proxy checks If-Match and writes in two steps, so there two racing updates can both
     * land; what may drop out of the pointer is then only a just-written archive, which the orphan
     * sweep keeps for the whole age. So, on any server: no archive is deleted, the pointer names
     * only archives that were saved, each once, and a load restores exactly one saver's version.
     */
    @Test
    void concurrentSavers_publishWholeVersions_andDeleteNothingYoung() throws Exception {
        int savers = 8;
        List<Path> sources = new ArrayList<>();
        for (int i = 0; i < savers; i++) {
            Path s = tmp.resolve("saver" + i);
            Files.createDirectories(s);
            Files.writeString(s.resolve("kernel.py"), "# saver " + i + "\n".repeat(1000));
            sources.add(s);
        }
        ExecutorService pool = Executors.newFixedThreadPool(savers);
        List<Future<SaveResult>> results = new ArrayList<>();
        for (Path s : sources) {
            CacheOperations saver = ops(s, "race");
            results.add(pool.submit(() -> saver.save(new OperationControl(), false, true)));
        }
        Set<String> saved = new TreeSet<>();
        for (Future<SaveResult> f : results) {
            assertEquals(SaveStatus.SUCCESS, f.get().status(), f.get().message());
            saved.add(f.get().archive().substring(("s3://" + BUCKET + "/race/").length()));
        }
        pool.shutdown();
        assertEquals(savers, saved.size());
        Set<String> stored = keys("race/archives/").stream().map(k -> k.substring("race/".length()))
                .filter(k -> !k.endsWith(".index")).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(saved, stored, "every archive is whole and none was deleted");
        Pointer last = pointer("race");
        List<String> named = new ArrayList<>();
        named.add(last.archive());
        last.retired().forEach(r -> named.add(r.archive()));
        assertEquals(named.size(), new TreeSet<>(named).size(), "each archive is named once: " + named);
        assertTrue(saved.containsAll(named), named.toString());

        Path restored = tmp.resolve("race-restored/cache");
        LoadResult loaded = ops(restored, "race").load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, loaded.status(), loaded.message());
        assertTrue(sources.stream().anyMatch(s -> {
            try {
                return TestTrees.snapshot(s).equals(TestTrees.snapshot(restored));
            } catch (Exception e) {
                return false;
            }
        }), "the restore is exactly one saver's version");
    }

    /** Layer objects of the key that the pointer names neither as its base nor as retired: the live layers. */
    private List<String> liveLayers(String prefix) throws Exception {
        Pointer p = pointer(prefix);
        Set<String> named = new TreeSet<>();
        named.add(p.archive());
        p.retired().forEach(r -> named.add(r.archive()));
        String folder = prefix + "/archives/cache_" + KEY.hash() + "/";
        return keys(folder).stream().map(k -> k.substring(prefix.length() + 1))
                .filter(n -> n.substring(n.lastIndexOf('/') + 1).startsWith("layer-") && n.endsWith(".tar.zst") && !named.contains(n))
                .collect(Collectors.toList());
    }

    /**
     * A fleet on S3: replicas that restored the same base each add a kernel at once (each a layer
     * object, no pointer update to lose), a save past the bound folds them, and gc removes the
     * least recently used key over the quota while the newest stays.
     */
    @Test
    void replicasAddLayersAtOnce_aSavePastTheBoundFoldsThem_andGcRemovesTheLeastRecentlyUsedKey() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("source"));
        assertEquals(SaveStatus.SUCCESS, ops(source, "fleet").save(new OperationControl()).status());
        List<Path> replicas = new ArrayList<>();
        List<CacheOperations> savers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path r = tmp.resolve("replica" + i + "/cache");
            assertEquals(LoadStatus.SUCCESS, ops(r, "fleet").load(false, new OperationControl()).status());
            Files.createDirectories(r.resolve("triton/new" + i));
            Files.writeString(r.resolve("triton/new" + i + "/kernel.ptx"), "// kernel " + i + "\n".repeat(5000));
            replicas.add(r);
            savers.add(ops(r, "fleet"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<SaveResult>> saves = new ArrayList<>();
        for (CacheOperations saver : savers) {
            saves.add(pool.submit(() -> saver.save(new OperationControl(), true)));
        }
        for (Future<SaveResult> f : saves) {
            assertEquals(SaveStatus.SUCCESS, f.get().status(), f.get().message());
            assertEquals(1, f.get().files(), f.get().message());
        }
        pool.shutdown();
        assertEquals(3, liveLayers("fleet").size(), liveLayers("fleet").toString());
        Path fresh = tmp.resolve("fresh/cache");
        LoadResult l = ops(fresh, "fleet").load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, l.status(), l.message());
        Map<String, String> expected = new java.util.TreeMap<>();
        for (Path r : replicas) {
            expected.putAll(TestTrees.snapshot(r));
        }
        assertEquals(expected, TestTrees.snapshot(fresh));

        Files.writeString(replicas.get(0).resolve("triton/new0/second.ptx"), "// another");
        SaveResult folded = ops(replicas.get(0), "fleet", "B10_TRANSFER_LAYERS_MAX", "2").save(new OperationControl(), true);
        assertTrue(folded.message().contains("folded 4 layers into a new base"), folded.message());
        assertEquals(List.of(), liveLayers("fleet"));
        assertEquals(5, pointer("fleet").retired().size(), "the old base and the 4 layers, kept for readers of the old content");
        Path again = tmp.resolve("again/cache");
        assertEquals(LoadStatus.SUCCESS, ops(again, "fleet").load(false, new OperationControl()).status());
        expected.putAll(TestTrees.snapshot(replicas.get(0)));
        assertEquals(expected, TestTrees.snapshot(again));

        // a second key, used last: over a tiny quota the first key goes, the newest stays
        EnvironmentKey other = new EnvironmentKey("2.10.0+cu130", "13.0", "3.6.0", "NVIDIA H200", "9.0", Settings.KeyMode.FULL);
        Settings fleet = Settings.from(env(source, "fleet", "B10_TRANSFER_STORE_QUOTA_MB", "0.01"), Map.of());
        Path otherCache = tmp.resolve("other-source/cache");
        TestTrees.copyTree(source, otherCache);
        Thread.sleep(1100); // the servers' times are whole seconds: the second key's save must be the later one
        assertEquals(SaveStatus.SUCCESS, new CacheOperations(Settings.from(env(otherCache, "fleet"), Map.of()), other)
                .save(new OperationControl()).status());
        List<String> before = keys("fleet/");
        Map<String, Object> dry = b10.transfer.ops.Operations.of(fleet).gc(true);
        assertEquals(KEY.hash(), ((Map<?, ?>) ((List<?>) dry.get("would_remove")).get(0)).get("hash"), dry.toString());
        assertEquals(before, keys("fleet/"), "a dry run changes nothing");
        Map<String, Object> gc = b10.transfer.ops.Operations.of(fleet).gc(false);
        assertEquals(1, ((List<?>) gc.get("removed")).size(), gc.toString());
        assertTrue(keys("fleet/").stream().noneMatch(k -> k.contains(KEY.hash())), keys("fleet/").toString());
        Path otherLocal = tmp.resolve("other/cache");
        assertEquals(LoadStatus.SUCCESS, new CacheOperations(Settings.from(env(otherLocal, "fleet"), Map.of()), other)
                .load(false, new OperationControl()).status());
    }

    @Test
    void anArchiveReplacedUnderItsPointer_isRefused_andTheLocalCacheIsUntouched() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("source"));
        assertEquals(SaveStatus.SUCCESS, ops(source, "replaced").save(new OperationControl()).status());
        Pointer p = pointer("replaced");
        client.putObject(b -> b.bucket(BUCKET).key("replaced/" + p.archive()), RequestBody.fromString("other bytes"));
        Path local = tmp.resolve("local/cache");
        LoadResult r = ops(local, "replaced").load(false, new OperationControl());
        assertEquals(LoadStatus.ERROR, r.status());
        assertTrue(r.message().contains("was removed or replaced while it was read"), r.message());
        assertFalse(Files.exists(local), "nothing was swapped in");
        assertTrue(Files.list(local.getParent()).findAny().isEmpty(), "no staging directory is left");
    }

    @Test
    void aPointerNamingAnObjectOutsideItsFolder_isRefused() throws Exception {
        client.putObject(b -> b.bucket(BUCKET).key("hostile/cache_" + KEY.hash() + ".latest"), RequestBody.fromString(
                "format=b10-transfer-pointer-1\narchive=../../elsewhere/secret\netag=x\nsize=10\n"));
        LoadResult r = ops(tmp.resolve("local/cache"), "hostile").load(false, new OperationControl());
        assertEquals(LoadStatus.ERROR, r.status());
        assertTrue(r.message().contains("names an archive outside its key's folder"), r.message());
    }

    @Test
    void anEmptyPrefix_isDoesNotExist_andInfoAndListSayWhatIsThere() throws Exception {
        LoadResult r = ops(tmp.resolve("local/cache"), "empty-prefix").load(false, new OperationControl());
        assertEquals(LoadStatus.DOES_NOT_EXIST, r.status(), r.message());
        assertTrue(r.message().startsWith("no archive for key " + KEY.text() + " in s3://" + BUCKET + "/empty-prefix"), r.message());

        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("source"));
        assertEquals(SaveStatus.SUCCESS, ops(source, "listed").save(new OperationControl()).status());
        Settings s = Settings.from(env(source, "listed"), Map.of());
        try (S3Store store = new S3Store(s)) {
            List<Map<String, Object>> list = store.list();
            assertEquals(1, list.size(), list.toString());
            assertEquals("cache_" + KEY.hash() + ".latest", list.get(0).get("file"));
            assertEquals(KEY.text(), list.get(0).get("key"));
            assertTrue(store.find(KEY).orElseThrow().size() > 0);
        }
    }

    /** The async API on S3: a save and a load with progress lines, and a load cancelled mid-transfer. */
    @Test
    void asyncSaveLoadAndCancel_workOnS3() throws Exception {
        Path source = tmp.resolve("async-source");
        Random random = new Random(7);
        for (int i = 0; i < 24; i++) {
            byte[] b = new byte[1 << 20];
            random.nextBytes(b);
            Files.createDirectories(source);
            Files.write(source.resolve("f" + i + ".bin"), b);
        }
        String[] s3 = {"B10_TRANSFER_S3_PART_MB", "5", "B10_TRANSFER_S3_CONNECTIONS", "2", "B10_TRANSFER_COMPRESSION", "gzip"};
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        String saving = b10.transfer.async.AsyncTransfers.save(b10.transfer.ops.Operations.of(Settings.from(env(source, "async", s3), Map.of())), b10.transfer.async.AsyncTransfers.lines(lines::add));
        b10.transfer.async.TransferProgress saved = b10.transfer.B10Transfer.transferFuture(saving).get(120, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(b10.transfer.async.AsyncTransferStatus.SUCCESS, saved.status(), saved.errorMessage());
        assertTrue(saved.result().startsWith("SUCCESS: saved 24 files"), saved.result());

        Path restored = tmp.resolve("async-restored/cache");
        String loading = b10.transfer.async.AsyncTransfers.load(b10.transfer.ops.Operations.of(Settings.from(env(restored, "async", s3), Map.of())), false, b10.transfer.async.AsyncTransfers.lines(lines::add));
        b10.transfer.async.TransferProgress loaded = b10.transfer.B10Transfer.transferFuture(loading).get(120, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(b10.transfer.async.AsyncTransferStatus.SUCCESS, loaded.status(), loaded.errorMessage());
        assertTrue(loaded.result().startsWith("SUCCESS: restored 24 files"), loaded.result());
        assertEquals(TestTrees.snapshot(source), TestTrees.snapshot(restored));
        assertTrue(loaded.bytesDone() >= 24L << 20, "progress counted " + loaded.bytesDone());
        assertFalse(lines.isEmpty(), "progress lines were delivered");

        Path cancelled = tmp.resolve("async-cancelled/cache");
        String id = b10.transfer.async.AsyncTransfers.load(b10.transfer.ops.Operations.of(Settings.from(env(cancelled, "async", s3), Map.of())), false, null);
        assertTrue(b10.transfer.B10Transfer.cancelTransfer(id));
        b10.transfer.async.TransferProgress c = b10.transfer.B10Transfer.transferFuture(id).get(120, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(c.status() == b10.transfer.async.AsyncTransferStatus.CANCELLED
                || c.status() == b10.transfer.async.AsyncTransferStatus.SUCCESS, c.toString());
        if (c.status() == b10.transfer.async.AsyncTransferStatus.CANCELLED) {
            assertFalse(Files.exists(cancelled), "a cancelled load changes nothing");
        }
        try (var left = Files.list(cancelled.getParent())) {
            assertTrue(left.allMatch(p -> p.equals(cancelled)), "no staging directory is left");
        }
    }

    @Test
    void aMissingBucket_isOneClearError() throws Exception {
        Map<String, String> env = env(tmp.resolve("local/cache"), "x");
        env.put("B10_TRANSFER_STORE", "s3://no-such-bucket/x");
        Files.createDirectories(tmp.resolve("local/cache"));
        Files.writeString(tmp.resolve("local/cache/k.py"), "#");
        SaveResult s = new CacheOperations(Settings.from(env, Map.of()), KEY).save(new OperationControl());
        assertEquals(SaveStatus.ERROR, s.status());
        assertTrue(s.message().startsWith("bucket 'no-such-bucket' does not exist"), s.message());
        LoadResult l = new CacheOperations(Settings.from(env, Map.of()), KEY).load(true, new OperationControl());
        assertEquals(LoadStatus.ERROR, l.status());
        assertTrue(l.message().startsWith("bucket 'no-such-bucket' does not exist"), l.message());
    }

    @Test
    void wrongCredentials_areOneClearError() throws Exception {
        String good = System.getProperty("aws.secretAccessKey");
        System.setProperty("aws.secretAccessKey", "not-the-secret");
        try {
            LoadResult l = ops(tmp.resolve("local/cache"), "x").load(false, new OperationControl());
            assertEquals(LoadStatus.ERROR, l.status());
            assertTrue(l.message().startsWith("access denied ("), l.message());
            assertTrue(l.message().contains("check the credentials"), l.message());
        } finally {
            System.setProperty("aws.secretAccessKey", good);
        }
    }

    @Test
    void anUnreachableEndpoint_isOneClearErrorWithinSeconds() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        LoadResult l = ops(tmp.resolve("local/cache"), "x", "B10_TRANSFER_S3_ENDPOINT", "http://127.0.0.1:" + closed)
                .load(false, new OperationControl());
        assertEquals(LoadStatus.ERROR, l.status());
        assertTrue(l.message().startsWith("cannot reach http://127.0.0.1:" + closed + " (B10_TRANSFER_S3_ENDPOINT)"), l.message());
        assertTrue(System.nanoTime() - t0 < 30_000_000_000L, "retries are bounded");
    }
}
