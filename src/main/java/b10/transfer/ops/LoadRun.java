package b10.transfer.ops;

import b10.transfer.LoadStatus;
import b10.transfer.base.Workers;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.store.ArchiveStore;
import b10.transfer.store.LocalCache;
import b10.transfer.store.Stores;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;

/**
 * One load, as a sequence of short steps: the local side, the store, the key's content, the
 * restore into staging, the swap, the record. Holds what the steps leave to clean up; a step
 * that ends the load early returns its result, a failure throws (the caller words it).
 */
final class LoadRun {
    private final CacheOperations ops;
    private final Settings settings;
    private final LocalCache local;
    private final boolean force;
    private final boolean mayRestore;
    private final OperationControl control;
    private final long t0;
    private Path staging;
    private ArchiveStore store;
    private Thread toucher;
    /** A restore begun before the key was known, until it is confirmed or discarded. */
    private RestoreAhead ahead;
    /** The archive being restored, for messages; null until the content is known. */
    String archiveName;

    LoadRun(CacheOperations ops, boolean force, boolean mayRestore, OperationControl control, long t0) {
        this.ops = ops;
        this.settings = ops.settings();
        this.local = ops.local();
        this.force = force;
        this.mayRestore = mayRestore;
        this.control = control;
        this.t0 = t0;
    }

    LoadResult steps() throws Exception {
        LoadResult notNeeded = localSide();
        if (notNeeded != null) {
            return notNeeded;
        }
        store = Stores.open(settings);
        ArchiveStore.Refusal refused = store.checkLoad();
        if (refused != null) {
            return result(refused.absent() ? LoadStatus.DOES_NOT_EXIST : LoadStatus.ERROR, refused.message());
        }
        if (!mayRestore) {
            return result(LoadStatus.SKIPPED, "the store " + store.describe() + " holds an archive that was not there when"
                    + " this JVM started, so the application was not held for it; the next start restores it");
        }
        RestorePrewarm.start(); // overlaps the key, whose GPU probe is the slow part
        ops.beginKey();
        store.removeStale(ops.staleBefore(), false);
        ahead = RestoreAhead.begin(ops, store, control);
        EnvironmentKey key = ops.completeKey();
        ArchiveStore.Content content;
        ContentRestore.Restored r;
        if (ahead != null && ahead.isFor(key)) {
            content = ahead.content();
            archiveName = content.archives().get(0).location();
            RestoreAhead confirmed = ahead;
            ahead = null;
            try {
                r = confirmed.confirmed();
            } finally {
                staging = confirmed.staging();
            }
        } else {
            if (ahead != null) {
                ahead.abandon("this machine's key is " + key.text());
                ahead = null;
            }
            content = store.content(key);
            if (content.isEmpty()) {
                return miss(key);
            }
            archiveName = content.archives().get(0).location();
            r = restore(content, key);
        }
        control.checkpoint();
        // every archive was whole: the key's last use is recorded beside the swap (one PUT on S3, overlapped)
        ArchiveStore used = store;
        toucher = Workers.daemon("touch", () -> used.touch(key));
        toucher.start();
        if (!local.swapIn(staging, force)) {
            return result(LoadStatus.SKIPPED, "local cache " + local.dir() + " was filled by another process meanwhile");
        }
        staging = null;
        return restored(r, content);
    }

    /** Null where the load goes on: the local cache is a directory (or absent), and empty unless forced. */
    private LoadResult localSide() throws Exception {
        Path dir = local.dir();
        String notADirectory = local.notADirectory();
        if (notADirectory != null) {
            return result(LoadStatus.ERROR, notADirectory);
        }
        local.recover(ops.staleBefore());
        // without restoring, the application already runs and may have written there: the cache was empty at its start
        if (!force && mayRestore && local.hasFiles()) {
            return result(LoadStatus.SKIPPED, "local cache " + dir + " already holds files; not replaced");
        }
        return null;
    }

    private LoadResult miss(EnvironmentKey key) {
        MissExplanation miss = explainMiss(key);
        LoadResult r = result(LoadStatus.DOES_NOT_EXIST, "no archive for key " + key.text() + " in " + store.describe()
                + (miss == null ? "" : miss.sentence()));
        return new LoadResult(r.status(), r.message(), 0, 0, r.millis(), null, null, miss);
    }

    /** Null when the store cannot say (a miss is a miss either way: its explanation must not fail the load). */
    private MissExplanation explainMiss(EnvironmentKey key) {
        try {
            return MissExplanation.of(key, store.keys(MissExplanation.MOST));
        } catch (Exception e) {
            return null;
        }
    }

    /** Base then layers into a new staging directory, every archive verified. */
    private ContentRestore.Restored restore(ArchiveStore.Content content, EnvironmentKey key) throws Exception {
        staging = local.newStaging();
        ExecutorService writers = Workers.pool("writer", settings.writerThreads);
        try {
            return ContentRestore.into(content, staging, local, settings, key, writers, control);
        } finally {
            writers.shutdownNow();
        }
    }

    /** The success, recorded beside the cache so that a later save knows what the store already holds. */
    private LoadResult restored(ContentRestore.Restored r, ArchiveStore.Content content) throws Exception {
        int layers = content.layers().size();
        String ofLayers = layers == 0 ? "" : layers == 1 && content.base() != null ? " and 1 layer"
                : content.base() != null ? " and " + layers + " layers" : " (" + layers + " layers)";
        LoadResult ok = new LoadResult(LoadStatus.SUCCESS, "restored " + r.files() + " files, " + CacheOperations.mib(r.bytes())
                + " from " + archiveName + ofLayers
                + (r.verified() ? "" : " (no manifest: an archive of the Python package)")
                + (r.signer() == null ? "" : ", signed by trusted key " + r.signer())
                + (content.note() == null ? "" : "; " + content.note()),
                r.files(), r.bytes(), millis(), archiveName, null);
        // the extraction's own listing where there was one archive: the same as a walk of the swapped-in tree, without it
        TreeFingerprint tree = r.listing() != null ? r.listing() : TreeFingerprint.of(local.dir());
        Activity.of(local.dir()).restored(ok, tree);
        ListingRecord.write(local, tree);
        return ok;
    }

    /** Removes a staging directory left by a failure, and waits a little for the use record before the store closes. */
    void cleanUp() {
        if (ahead != null) {
            ahead.abandon("the load ended before the key was known");
        }
        if (staging != null) {
            LocalCache.deleteTree(staging);
        }
        if (toucher != null) {
            try {
                toucher.join(2000); // a daemon: a stuck one is left
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Stores.close(store);
    }

    private LoadResult result(LoadStatus s, String message) {
        return new LoadResult(s, message, 0, 0, millis(), archiveName, null);
    }

    private long millis() {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
