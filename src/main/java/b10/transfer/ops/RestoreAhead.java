package b10.transfer.ops;

import b10.transfer.Log;
import b10.transfer.archive.TransferControl;
import b10.transfer.base.Workers;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.store.ArchiveStore;
import b10.transfer.store.LocalCache;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;

/**
 * A restore begun while the GPU probe runs (cuInit: about 200 ms on an H200, on the critical
 * path of a cold start, before the key and so the archive are known). Where exactly one of the
 * store's newest keys is this environment's key on the GPU that key names, its content is
 * extracted into a staging directory of its own at once. The load then waits for the real key:
 * the same key, and the staging directory is the load's (nothing was swapped in before); another
 * key, and the staging directory is discarded unseen. Its progress reaches the caller only once
 * the key is confirmed.
 */
final class RestoreAhead {
    /** The newest keys whose texts are read for a guess: a LIST and at most this many small reads. */
    private static final int NEWEST = 4;
    /** How long a discarded restore is waited for before its staging directory is left to it. */
    private static final long ABANDON_WAIT_MS = 5_000;

    private final EnvironmentKey assumed;
    private final ArchiveStore.Content content;
    private final HeldControl control;
    private final FutureTask<ContentRestore.Restored> task;
    private final Thread thread;
    private volatile Path staging;

    private RestoreAhead(EnvironmentKey assumed, ArchiveStore.Content content, LocalCache local, Settings settings,
                         TransferControl outer) {
        this.assumed = assumed;
        this.content = content;
        this.control = new HeldControl(outer);
        this.task = new FutureTask<>(() -> {
            Path into = local.newStaging();
            staging = into;
            ExecutorService writers = Workers.pool("writer", settings.writerThreads);
            try {
                return ContentRestore.into(content, into, local, settings, assumed, writers, control);
            } finally {
                writers.shutdownNow();
                if (control.abandoned) {
                    LocalCache.deleteTree(into); // the abandoning thread may have stopped waiting
                }
            }
        });
        this.thread = Workers.daemon("restore-ahead", task);
    }

    /**
     * Begins restoring the one stored key that can be this environment's; null where the key is
     * known already, where none or several can be, or where the store cannot say (the load's own
     * steps then report what is wrong).
     */
    static RestoreAhead begin(CacheOperations ops, ArchiveStore store, TransferControl control) {
        if (!ops.keyGuessable()) {
            return null; // the key is known, or about to be: the store is not asked for its keys
        }
        try {
            EnvironmentKey only = null;
            for (ArchiveStore.StoredKey k : store.keys(NEWEST)) {
                EnvironmentKey candidate = ops.keyAssuming(k.text());
                if (candidate != null) {
                    if (only != null && !only.hash().equals(candidate.hash())) {
                        return null; // two GPUs' keys for this Python: no guess
                    }
                    only = candidate;
                }
            }
            if (only == null || ops.keyAssuming(only.text()) == null) {
                return null; // no candidate, or the driver answered meanwhile
            }
            ArchiveStore.Content content = store.content(only);
            if (content.isEmpty()) {
                return null;
            }
            RestoreAhead ahead = new RestoreAhead(only, content, ops.local(), ops.settings(), control);
            ahead.thread.start();
            Log.get().debug("restoring {} while the GPU probe runs: the one stored key this machine's can be", only.text());
            return ahead;
        } catch (Exception e) {
            return null;
        }
    }

    /** Whether the restore under way is of the key that turned out to be this environment's. */
    boolean isFor(EnvironmentKey key) {
        return key.hash().equals(assumed.hash()) && key.text().equals(assumed.text());
    }

    ArchiveStore.Content content() {
        return content;
    }

    /** Waits for the restore of the confirmed key; its staging directory is then the caller's. */
    ContentRestore.Restored confirmed() throws Exception {
        control.confirm();
        try {
            return task.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        }
    }

    /** The staging directory the confirmed restore filled. */
    Path staging() {
        return staging;
    }

    /** Stops a restore of a key that was not this environment's (or of a load that ended) and removes what it wrote. */
    void abandon(String why) {
        control.abandoned = true;
        try {
            thread.join(ABANDON_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive() && staging != null) {
            LocalCache.deleteTree(staging);
        }
        Log.get().debug("the restore of {} begun while the GPU probe ran was discarded: {}", assumed.text(), why);
    }

    /**
     * The load's control as the restore ahead sees it: a cancel of the load stops it, and so does
     * its abandonment; its progress is held back until its key is confirmed.
     */
    private static final class HeldControl implements TransferControl {
        private final TransferControl outer;
        volatile boolean abandoned;
        private boolean confirmed;
        private long bytes;
        private long files;
        private long bytesTotal = -1;
        private long filesTotal;

        HeldControl(TransferControl outer) {
            this.outer = outer;
        }

        synchronized void confirm() {
            confirmed = true;
            if (bytesTotal >= 0) {
                outer.totals(bytesTotal, filesTotal);
            }
            outer.progress(bytes, files);
        }

        @Override
        public synchronized void progress(long bytesDone, long filesDone) {
            bytes = bytesDone;
            files = filesDone;
            if (confirmed) {
                outer.progress(bytesDone, filesDone);
            }
        }

        @Override
        public synchronized void totals(long total, long totalFiles) {
            bytesTotal = total;
            filesTotal = totalFiles;
            if (confirmed) {
                outer.totals(total, totalFiles);
            }
        }

        @Override
        public void checkpoint() {
            if (abandoned) {
                throw new CancellationException("the restore begun before the key was known was not of this machine's key");
            }
            outer.checkpoint();
        }
    }
}
