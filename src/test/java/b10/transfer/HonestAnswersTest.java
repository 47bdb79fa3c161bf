package b10.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.config.Settings;
import b10.transfer.key.KeyResolver;
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

/** Answers that looked right and were not: each test fails on the code before the fix. */
class HonestAnswersTest {
    @TempDir
    Path tmp;

    private Settings settings(Path local, Path store, String... kv) throws Exception {
        Map<String, String> env = TestTrees.env(tmp, kv);
        env.put("TORCH_CACHE_DIR", local.toString());
        env.put("B10FS_CACHE_DIR", store.toString());
        return Settings.from(env, Map.of());
    }

    /** Operations with the key this environment resolves to, as the CLI and the agent compute it. */
    private CacheOperations ops(Settings s) {
        return new CacheOperations(s, () -> KeyResolver.resolve(s, Map.of()).key());
    }

    /**
     * TORCH_CACHE_DIR as a symbolic link to a directory (a cache kept on another disk): saved from
     * and restored into that directory, the link left as it was; a link to nothing is named as one,
     * not called "not a directory".
     */
    @Test
    void aLocalCacheThatIsALinkToADirectory_isSavedAndRestoredThroughIt_andADanglingLinkIsNamed() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        Path store = tmp.resolve("store");
        Path savedThrough = Files.createSymbolicLink(tmp.resolve("saved-through"), source);
        SaveResult saved = ops(settings(savedThrough, store)).save(new OperationControl());
        assertEquals(SaveStatus.SUCCESS, saved.status(), saved.message());

        Path disk = Files.createDirectories(tmp.resolve("other-disk/torch"));
        Path link = Files.createSymbolicLink(Files.createDirectories(tmp.resolve("home/.cache")).resolve("torch"), disk);
        LoadResult loaded = ops(settings(link, store)).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, loaded.status(), loaded.message());
        assertTrue(Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(disk), "the link stays as it was");
        assertEquals(TestTrees.snapshot(source), TestTrees.snapshot(disk), "restored into the directory the link names");

        Files.delete(link);
        Path dangling = Files.createSymbolicLink(link, tmp.resolve("unmounted/torch"));
        LoadResult nowhere = ops(settings(dangling, store)).load(false, new OperationControl());
        assertEquals(LoadStatus.ERROR, nowhere.status(), nowhere.message());
        assertTrue(nowhere.message().contains("is a symbolic link to " + tmp.resolve("unmounted/torch"))
                && nowhere.message().contains("TORCH_CACHE_DIR"), nowhere.message());
        assertFalse(Files.exists(tmp.resolve("unmounted")), "nothing created where the link points");
    }

    /** A save never publishes what a load under the same settings would refuse: too many entries, too deep, too long a path. */
    @Test
    void aCacheALoadWouldRefuse_isNotSaved_andTheSettingIsNamed() throws Exception {
        Path local = Files.createDirectories(tmp.resolve("limits/cache"));
        for (int i = 0; i < 60; i++) {
            Files.writeString(local.resolve("f" + i + ".py"), "x");
        }
        Path store = tmp.resolve("limits/store");
        SaveResult many = ops(settings(local, store, "B10_TRANSFER_MAX_ENTRIES", "50")).save(new OperationControl());
        assertEquals(SaveStatus.ERROR, many.status(), many.message());
        assertTrue(many.message().contains("60 files and directories") && many.message().contains("B10_TRANSFER_MAX_ENTRIES=50"),
                many.message());
        Path deep = Files.createDirectories(local.resolve("d/".repeat(8)));
        Files.writeString(deep.resolve("k.py"), "x");
        SaveResult tooDeep = ops(settings(local, store, "B10_TRANSFER_MAX_PATH_DEPTH", "8")).save(new OperationControl());
        assertEquals(SaveStatus.ERROR, tooDeep.status(), tooDeep.message());
        assertTrue(tooDeep.message().contains("B10_TRANSFER_MAX_PATH_DEPTH=8") && tooDeep.message().contains("d/d/d/d/d/d/d/d/k.py"),
                tooDeep.message());
        SaveResult tooLong = ops(settings(local, store, "B10_TRANSFER_MAX_PATH_LENGTH", "12")).save(new OperationControl());
        assertEquals(SaveStatus.ERROR, tooLong.status(), tooLong.message());
        assertTrue(tooLong.message().contains("B10_TRANSFER_MAX_PATH_LENGTH=12"), tooLong.message());
        assertFalse(Files.exists(store) && Files.list(store).anyMatch(p -> p.toString().endsWith(".tar.zst")), "nothing published");
        // within the limits, the same cache saves and loads; a link in it is left out, and said to be
        Files.createSymbolicLink(local.resolve("link.py"), local.resolve("f0.py"));
        SaveResult fits = ops(settings(local, store)).save(new OperationControl());
        assertEquals(SaveStatus.SUCCESS, fits.status(), fits.message());
        assertTrue(fits.message().contains("left out 1 entry not a regular file"), fits.message());
        LoadResult back = ops(settings(tmp.resolve("limits/back"), store)).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, back.status(), back.message());
    }

    /** A store that is a link to a mount that is not there: a save names the link and creates nothing where it points. */
    @Test
    void aStoreThatIsALinkToNothing_isNamedByASave_andNothingIsCreatedWhereItPoints() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        Path store = Files.createSymbolicLink(tmp.resolve("store"), tmp.resolve("mnt/b10fs"));
        SaveResult r = ops(settings(source, store)).save(new OperationControl());
        assertEquals(SaveStatus.ERROR, r.status(), r.message());
        assertTrue(r.message().contains("is a symbolic link to " + tmp.resolve("mnt/b10fs")) && r.message().contains("B10FS_CACHE_DIR"),
                r.message());
        assertFalse(Files.exists(tmp.resolve("mnt")), "nothing created where the link points");
    }

    @Test
    void save_whenTheServersPythonHasNoTorch_isAnErrorNamingTheSettingAndWhereItLooked_andPublishesNothing() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        Path store = tmp.resolve("store");
        Path noTorch = Files.createDirectories(tmp.resolve("bare/lib/python3.12/site-packages"));
        Settings s = settings(source, store, "B10_TRANSFER_PYTHON", tmp.resolve("bare").toString());
        SaveResult r = ops(s).save(new OperationControl());
        assertEquals(SaveStatus.ERROR, r.status(), r.message());
        assertTrue(r.message().contains("B10_TRANSFER_PYTHON=" + tmp.resolve("bare")) && r.message().contains(noTorch.toString())
                && r.message().contains("B10_TRANSFER_TORCH_VERSION"), r.message());
        assertFalse(Files.exists(store) && Files.list(store).findAny().isPresent(), "nothing published");
        LoadResult l = ops(settings(tmp.resolve("l/cache"), store, "B10_TRANSFER_PYTHON", tmp.resolve("bare").toString()))
                .load(false, new OperationControl());
        // an empty store needs no key; with an archive there, a key without torch is an error too
        assertEquals(LoadStatus.DOES_NOT_EXIST, l.status(), l.message());
        assertEquals(SaveStatus.SUCCESS, ops(settings(source, store)).save(new OperationControl()).status());
        l = ops(settings(tmp.resolve("l/cache"), store, "B10_TRANSFER_PYTHON", tmp.resolve("bare").toString()))
                .load(false, new OperationControl());
        assertEquals(LoadStatus.ERROR, l.status(), l.message());
        assertTrue(l.message().contains("torch is not installed"), l.message());
    }

    @Test
    void keyComponentsGivenBySettings_letAMachineWithoutThePythonSaveUnderTheServersKey() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        Path store = tmp.resolve("store");
        Settings given = settings(source, store, "B10_TRANSFER_PYTHON", tmp.resolve("nowhere").toString(),
                "B10_TRANSFER_TORCH_VERSION", "2.11.0+cu130", "B10_TRANSFER_TRITON_VERSION", "3.6.0");
        assertEquals(SaveStatus.SUCCESS, ops(given).save(new OperationControl()).status());
        // the server, reading its Python's files, finds the archive under the same key
        LoadResult l = ops(settings(tmp.resolve("l/cache"), store)).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, l.status(), l.message());
        assertEquals(KeyResolver.resolve(given, Map.of()).key().text(),
                KeyResolver.resolve(settings(source, store), Map.of()).key().text());
    }

    @Test
    void saveOfOnlyWhatIsNew_whenTheStoreHoldsEveryLocalFile_rewritesNothing_andWhenOneIsNew_publishes() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        Path store = tmp.resolve("store");
        assertEquals(SaveStatus.SUCCESS, ops(settings(source, store)).save(new OperationControl()).status());
        Path archive;
        try (Stream<Path> s = Files.list(store)) {
            archive = s.filter(p -> p.getFileName().toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }
        byte[] before = Files.readAllBytes(archive);

        // another replica whose cache is in place (restored earlier, by another JVM): the same files
        Path same = tmp.resolve("same/cache");
        TestTrees.copyTree(source, same);
        SaveResult r = ops(settings(same, store)).save(new OperationControl(), true);
        assertEquals(SaveStatus.SKIPPED, r.status(), r.message());
        assertTrue(r.message().contains("already holds every file"), r.message());

        // an older replica: a subset of the store's files never replaces them
        Path older = tmp.resolve("older/cache");
        TestTrees.copyTree(source, older);
        try (Stream<Path> s = Files.walk(older)) {
            Path victim = s.filter(Files::isRegularFile).findFirst().orElseThrow();
            Files.delete(victim);
        }
        assertEquals(SaveStatus.SKIPPED, ops(settings(older, store)).save(new OperationControl(), true).status());
        assertArrayEquals(before, Files.readAllBytes(archive));

        // a replica that compiled something new publishes it, and only it, as a layer; the base stays
        Files.writeString(same.resolve("new-kernel.py"), "compiled here");
        SaveResult layer = ops(settings(same, store)).save(new OperationControl(), true);
        assertEquals(SaveStatus.SUCCESS, layer.status(), layer.message());
        assertEquals(1, layer.files(), layer.message());
        assertTrue(layer.message().contains("as a layer"), layer.message());
        assertArrayEquals(before, Files.readAllBytes(archive));
        Path fresh = tmp.resolve("fresh/cache");
        assertEquals(LoadStatus.SUCCESS, ops(settings(fresh, store)).load(false, new OperationControl()).status());
        assertEquals("compiled here", Files.readString(fresh.resolve("new-kernel.py")));
    }

    @Test
    void saveOfOnlyWhatIsNew_byAReplicaMissingSomeOfTheStoresFiles_publishesItsNewFileAsALayer_andRemovesNothing() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        Path store = tmp.resolve("store");
        assertEquals(SaveStatus.SUCCESS, ops(settings(source, store)).save(new OperationControl()).status());
        // a replica with an older cache (a few of the store's files missing) that compiled one kernel of its own
        Path replica = tmp.resolve("replica/cache");
        TestTrees.copyTree(source, replica);
        List<Path> dropped;
        try (Stream<Path> s = Files.walk(replica)) {
            dropped = s.filter(Files::isRegularFile).limit(3).toList();
        }
        for (Path p : dropped) {
            Files.delete(p);
        }
        Files.createDirectories(replica.resolve("fx"));
        Files.writeString(replica.resolve("fx/new-kernel.py"), "compiled on the replica");
        SaveResult r = ops(settings(replica, store)).save(new OperationControl(), true);
        assertEquals(SaveStatus.SUCCESS, r.status(), r.message());
        assertEquals(1, r.files(), r.message());
        assertTrue(r.message().contains("as a layer"), r.message());

        Path fresh = tmp.resolve("fresh/cache");
        LoadResult l = ops(settings(fresh, store)).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, l.status(), l.message());
        Map<String, String> expected = new java.util.TreeMap<>(TestTrees.snapshot(source));
        expected.put("fx", "dir");
        expected.put("fx/new-kernel.py", TestTrees.sha256("compiled on the replica".getBytes()));
        assertEquals(expected, TestTrees.snapshot(fresh));
    }

    @Test
    void list_ofAStoreThatIsAFile_isAnError_likeLoad() throws Exception {
        Path file = Files.writeString(tmp.resolve("store-file"), "x");
        Map<String, Object> m = b10.transfer.ops.Operations.of(settings(tmp.resolve("l/cache"), file)).list();
        assertTrue(String.valueOf(m.get("error")).contains("not a directory"), m.toString());
        assertFalse(m.containsKey("caches"), m.toString());
    }

    static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
