package b10.transfer.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.archive.ArchiveListing;
import b10.transfer.archive.ArchiveWriter;
import b10.transfer.archive.TransferControl;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two first saves of a key racing on an empty directory store: the second lands as a layer, so neither's files are lost. */
class FirstSaveRaceTest {
    @TempDir
    Path store;

    @TempDir
    Path trees;

    /** A real archive of a one-file tree. */
    private Publisher.Body archiveOf(String name) throws Exception {
        Path tree = Files.createDirectories(trees.resolve(name));
        Files.writeString(tree.resolve(name + ".py"), name);
        return out -> new ArchiveWriter(Settings.Compression.ZSTD, 3, 0, 1 << 20, ForkJoinPool.commonPool())
                .write(tree, out, Map.of("key", "k"), TransferControl.NONE);
    }

    private static Map<String, Long> listing(ArchiveStore.Stored s) throws Exception {
        try (var in = s.open(TransferControl.NONE)) {
            return ArchiveListing.read(in, 100, TransferControl.NONE);
        }
    }

    @Test
    void aBaseThatFindsAnotherAlreadyThere_becomesALayer_andNothingIsReplaced() throws Exception {
        EnvironmentKey key = new EnvironmentKey("2.11.0+cu130", "13.0", "3.6.0", "NVIDIA H200", "9.0", Settings.KeyMode.FULL);
        FileStore fs = new FileStore(store, "B10FS_CACHE_DIR");
        assertTrue(fs.content(key).isEmpty());
        ArchiveStore.Stored first = fs.publish(key, Settings.Compression.ZSTD, archiveOf("first"), TransferControl.NONE);
        ArchiveStore.Stored second = fs.publish(key, Settings.Compression.ZSTD, archiveOf("second"), TransferControl.NONE);
        assertFalse(first.layer(), first.location());
        assertTrue(second.layer(), second.location());
        assertEquals(Map.of("first.py", 5L), listing(first), "the base was not replaced");
        assertEquals(Map.of("second.py", 6L), listing(second));
        ArchiveStore.Content c = fs.content(key);
        assertEquals(first.location(), c.base().location());
        assertEquals(1, c.layers().size());
        // no temporary is left by either placement
        try (var s = Files.list(store)) {
            assertTrue(s.noneMatch(p -> StoreNames.isTemporary(p.getFileName().toString())));
        }
    }
}
