package b10.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.ops.CacheOperations;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.OperationControl;
import b10.transfer.ops.SaveResult;
import b10.transfer.store.SideManifest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One store directory shared with the Python package (B10_TRANSFER_KEY_MODE=seed): archives made by
 * the system's tar exactly as the package makes them, and ours read by the system's tar exactly as
 * the package reads them.
 */
class SeedStoreTest {
    @TempDir
    Path tmp;
    Path store;
    Path source;
    EnvironmentKey key;

    @BeforeEach
    void fixture() throws Exception {
        store = Files.createDirectories(tmp.resolve("store"));
        source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        key = new EnvironmentKey("2.11.0+cu130", "13.0", "3.6.0", "NVIDIA H200", "9.0", Settings.KeyMode.SEED);
    }

    private CacheOperations ops(Path local) throws Exception {
        Map<String, String> env = TestTrees.env(tmp, "B10_TRANSFER_KEY_MODE", "seed", "B10_TRANSFER_TEMP_MAX_AGE_S", "1");
        env.put("TORCH_CACHE_DIR", local.toString());
        env.put("B10FS_CACHE_DIR", store.toString());
        return new CacheOperations(Settings.from(env, Map.of()), key);
    }

    /** What the package runs to save: tar -czf X -C <torch cache dir> . */
    private static void pythonTar(Path tree, Path archive) throws Exception {
        run("tar", "-czf", archive.toString(), "-C", tree.toString(), ".");
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    private Path latest() {
        return store.resolve("cache_c23102092c348195.latest.tar.gz");
    }

    @Test
    void load_ofThePackagesLatestArchive_restoresItByteForByte() throws Exception {
        pythonTar(source, latest());
        Path local = tmp.resolve("l/cache");
        LoadResult r = ops(local).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, r.status(), r.message());
        assertEquals(121, r.files());
        assertTrue(r.message().contains("no manifest"), r.message());
        assertEquals(TestTrees.snapshot(source), TestTrees.snapshot(local));
    }

    @Test
    void load_ofThePackage00xArchives_namedWithAnyHostname_restoresTheNewest() throws Exception {
        Path older = Files.createDirectories(tmp.resolve("older"));
        Files.writeString(older.resolve("stale.py"), "old");
        Path olderArchive = store.resolve("cache_c23102092c348195.replica-a.latest.tar.gz");
        pythonTar(older, olderArchive);
        Files.setLastModifiedTime(olderArchive, FileTime.from(Instant.now().minus(1, ChronoUnit.HOURS)));
        pythonTar(source, store.resolve("cache_c23102092c348195.replica-b.latest.tar.gz"));
        Path local = tmp.resolve("l/cache");
        LoadResult r = ops(local).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, r.status(), r.message());
        assertTrue(r.message().contains("replica-b"), r.message());
        assertEquals(TestTrees.snapshot(source), TestTrees.snapshot(local));
    }

    @Test
    void save_writesThePackagesNameAndLayout_whichTheSystemTarExtractsToTheSavedTree() throws Exception {
        SaveResult s = ops(source).save(new OperationControl());
        assertEquals(SaveStatus.SUCCESS, s.status(), s.message());
        assertTrue(Files.isRegularFile(latest()), "the package's name " + latest());
        List<String> members = run("tar", "-tzf", latest().toString()).lines().toList();
        assertEquals("./", members.get(0));
        assertTrue(members.stream().allMatch(m -> m.startsWith("./")), members.toString());
        assertFalse(members.stream().anyMatch(m -> m.contains(".b10-transfer")), members.toString());
        // what the package runs to load: tar -xzf X -C <torch cache dir>
        Path pythonSide = Files.createDirectories(tmp.resolve("python/cache"));
        run("tar", "-xzf", latest().toString(), "-C", pythonSide.toString());
        assertEquals(TestTrees.snapshot(source), TestTrees.snapshot(pythonSide));
        // our manifest lives beside the archive, and a load of ours verifies against it
        assertTrue(Files.isRegularFile(store.resolve(latest().getFileName() + SideManifest.SUFFIX)));
        LoadResult r = ops(tmp.resolve("l/cache")).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, r.status(), r.message());
        assertFalse(r.message().contains("no manifest"), r.message());
        assertEquals(TestTrees.snapshot(source), TestTrees.snapshot(tmp.resolve("l/cache")));
        RoundTripTest.assertNoLeftovers(store, tmp.resolve("l"));
    }

    @Test
    void save_whenThePackagesArchiveExists_isSkipped_theFirstWriterWins() throws Exception {
        pythonTar(source, latest());
        byte[] before = Files.readAllBytes(latest());
        Path mine = Files.createDirectories(tmp.resolve("mine/cache"));
        Files.writeString(mine.resolve("other-kernel.py"), "z");
        SaveResult s = ops(mine).save(new OperationControl());
        assertEquals(SaveStatus.SKIPPED, s.status(), s.message());
        assertTrue(s.message().contains("first writer wins"), s.message());
        assertArrayEquals(before, Files.readAllBytes(latest()));
    }

    @Test
    void load_whenTheManifestBesideTheArchiveDescribesItAndDiffers_refusesAndLeavesTheCacheAlone() throws Exception {
        assertEquals(SaveStatus.SUCCESS, ops(source).save(new OperationControl()).status());
        Path side = store.resolve(latest().getFileName() + SideManifest.SUFFIX);
        String text = Files.readString(side, StandardCharsets.ISO_8859_1);
        Files.writeString(side, text.replaceFirst("digest=[0-9a-f]{8}", "digest=00000000"), StandardCharsets.ISO_8859_1);
        Path local = tmp.resolve("l/cache");
        LoadResult r = ops(local).load(false, new OperationControl());
        assertEquals(LoadStatus.ERROR, r.status(), r.message());
        assertTrue(r.message().contains("content digest mismatch") && r.message().contains("beside it"), r.message());
        assertFalse(Files.exists(local));
    }

    @Test
    void load_afterThePackageReplacedOurArchive_ignoresTheManifestOfTheOldOne() throws Exception {
        assertEquals(SaveStatus.SUCCESS, ops(source).save(new OperationControl()).status());
        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(other.resolve("kernel.py"), "from the python side");
        Path staging = store.resolve("cache_c23102092c348195.incomplete.tar.gz");
        pythonTar(other, staging);
        Files.move(staging, latest(), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Path local = tmp.resolve("l/cache");
        LoadResult r = ops(local).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, r.status(), r.message());
        assertEquals(TestTrees.snapshot(other), TestTrees.snapshot(local));
    }

    @Test
    void operations_neverRemoveThePackagesLocksOrStagingFiles_howeverOld() throws Exception {
        List<String> theirs = List.of("copy_in.lock", "copy_out.lock", "cache_c23102092c348195.incomplete.tar.gz",
                "cache_c23102092c348195.host-1.incomplete.tar.gz");
        for (String n : theirs) {
            Files.writeString(store.resolve(n), "x");
            Files.setLastModifiedTime(store.resolve(n), FileTime.from(Instant.now().minus(1, ChronoUnit.DAYS)));
        }
        assertEquals(SaveStatus.SUCCESS, ops(source).save(new OperationControl()).status());
        assertEquals(LoadStatus.SUCCESS, ops(tmp.resolve("l/cache")).load(false, new OperationControl()).status());
        for (String n : theirs) {
            assertTrue(Files.exists(store.resolve(n)), n + " was removed");
        }
    }
}
