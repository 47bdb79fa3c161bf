package b10.transfer.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import b10.transfer.LoadStatus;
import b10.transfer.SaveStatus;
import b10.transfer.TestTrees;
import b10.transfer.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listing a restore records beside the cache (which a later JVM compares with the cache to
 * learn that it has nothing to save) is the cache's real listing: taken from the extraction where
 * one archive was restored (small files from the writer threads, large ones streamed, executables
 * included), from a walk where layers were moved over the base.
 */
class ListingAfterRestoreTest {
    @TempDir
    Path tmp;

    private Operations ops(Path local, Path store) throws Exception {
        return Operations.of(Settings.from(TestTrees.env(tmp, "TORCH_CACHE_DIR", local.toString(),
                "B10FS_CACHE_DIR", store.toString()), Map.of()));
    }

    private static void assertRecordIsTheWalk(Path local) {
        TreeFingerprint recorded = ListingRecord.read(new b10.transfer.store.LocalCache(local));
        assertNotNull(recorded, "a listing is recorded beside the cache");
        TreeFingerprint walked = TreeFingerprint.of(local);
        assertEquals(walked.sizes(), recorded.sizes());
        assertEquals(walked.mtimes(), recorded.mtimes());
    }

    @Test
    void oneArchive_recordsWhatAWalkOfTheRestoredCacheFinds() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        byte[] large = new byte[5 << 20];
        new Random(3).nextBytes(large);
        Files.write(Files.createDirectories(source.resolve("triton/large")).resolve("kernel.cubin"), large);
        Path tool = Files.writeString(source.resolve("triton/large/launcher.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(SaveStatus.SUCCESS, ops(source, store).save(new OperationControl(), false).status());

        Path local = tmp.resolve("replica/cache");
        LoadResult r = ops(local, store).loadUnbounded(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, r.status(), r.message());
        assertEquals(123, TreeFingerprint.of(local).sizes().size());
        assertRecordIsTheWalk(local);
    }

    @Test
    void aBaseWithALayer_recordsWhatAWalkOfTheRestoredCacheFinds() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        assertEquals(SaveStatus.SUCCESS, ops(source, store).save(new OperationControl(), false).status());
        Files.writeString(Files.createDirectories(source.resolve("zz")).resolve("new-graph.py"), "# compiled later\n");
        SaveResult layer = ops(source, store).save(new OperationControl(), false);
        assertEquals(SaveStatus.SUCCESS, layer.status(), layer.message());

        Path local = tmp.resolve("replica/cache");
        LoadResult r = ops(local, store).loadUnbounded(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, r.status(), r.message());
        assertEquals(122, TreeFingerprint.of(local).sizes().size(), r.message());
        assertRecordIsTheWalk(local);
    }
}
