package b10.transfer.ops;

import b10.transfer.archive.ArchiveWriter;
import b10.transfer.base.PausePoints;
import b10.transfer.base.Workers;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.store.ArchiveStore;
import b10.transfer.store.LocalCache;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;

/**
 * Folds a key's layers into a new base once they pass their bound ({@code B10_TRANSFER_LAYERS_MAX}
 * layers or {@code B10_TRANSFER_LAYERS_MAX_MB}): the content restored into a scratch directory
 * beside the local cache, written whole, and published as the base, which names the layers it
 * folds. Layers published meanwhile stay over it; readers of the old set finish undisturbed, as
 * what it folds is deleted only after the temporaries' age.
 */
final class Compaction {
    private Compaction() {
    }

    /** Runs after a save's publish; what it did, as the end of the save's message ("" for nothing). */
    static String afterSave(CacheOperations ops, ArchiveStore store, EnvironmentKey key, OperationControl control) {
        Settings s = ops.settings();
        if (store.layout() != ArchiveWriter.Layout.NATIVE) {
            return "";
        }
        try {
            ArchiveStore.Content content = store.content(key);
            if (!due(content, s)) {
                return "";
            }
            return "; " + fold(ops, store, key, content, control);
        } catch (CancellationException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            return "; folding the layers failed (the next save tries again): " + CacheOperations.describe("compaction", e, null);
        }
    }

    static boolean due(ArchiveStore.Content content, Settings s) {
        return !content.layers().isEmpty() && (content.layers().size() > s.layersMax || content.layerBytes() > s.layersMaxBytes);
    }

    /** Folds the content's layers into a new base; what happened, in words. */
    static String fold(CacheOperations ops, ArchiveStore store, EnvironmentKey key, ArchiveStore.Content content,
                       OperationControl control) throws IOException {
        PausePoints.reach("compaction-started");
        LocalCache local = ops.local();
        Path scratch = local.newStaging();
        ExecutorService writers = Workers.pool("writer", ops.settings().writerThreads);
        try {
            ContentRestore.into(content, scratch, local, ops.settings(), key, writers, control);
            CacheOperations.Written w = ops.write(store, key, content, null, scratch, control, false);
            if (w.published() == null) {
                return "another save folded the layers meanwhile";
            }
            PausePoints.reach("compaction-published");
            int n = content.layers().size();
            return "folded " + n + (n == 1 ? " layer" : " layers") + " into a new base " + w.published().location()
                    + " (" + w.result().files() + " files, " + CacheOperations.mib(w.published().size()) + ")";
        } finally {
            writers.shutdownNow();
            LocalCache.deleteTree(scratch);
        }
    }
}
