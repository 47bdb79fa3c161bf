package b10.transfer.ops;

import b10.transfer.SaveStatus;
import b10.transfer.archive.ArchiveWriter;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.store.ArchiveStore;
import b10.transfer.store.LocalCache;
import b10.transfer.store.StoreNames;
import b10.transfer.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CancellationException;

/**
 * One save, as a sequence of short steps: the local side (anything new?), the store, the key,
 * what the key's content lacks, the archive written and published, the record, then the
 * optional steps (compaction, retention). A step that ends the save early returns its result, a
 * failure throws (the caller words it).
 */
final class SaveRun {
    private final CacheOperations ops;
    private final Settings settings;
    private final LocalCache local;
    private final OperationControl control;
    private final boolean onlyWhatIsNew;
    private final boolean replace;
    private final long t0;
    private ArchiveStore store;
    private TreeFingerprint before;
    private Activity activity;
    /** Where the archive goes (or went), for messages; null until the key is known. */
    String target;

    SaveRun(CacheOperations ops, OperationControl control, boolean onlyWhatIsNew, boolean replace, long t0) {
        this.ops = ops;
        this.settings = ops.settings();
        this.local = ops.local();
        this.control = control;
        this.onlyWhatIsNew = onlyWhatIsNew;
        this.replace = replace;
        this.t0 = t0;
    }

    SaveResult steps() throws Exception {
        SaveResult nothingNew = localSide();
        if (nothingNew != null) {
            return nothingNew;
        }
        store = Stores.open(settings);
        ArchiveStore.Refusal refused = store.checkSave();
        if (refused != null) {
            return result(SaveStatus.ERROR, refused.message());
        }
        store.removeStale(ops.staleBefore(), true);
        EnvironmentKey key = ops.completeKey();
        target = store.locationFor(key, settings.compression);
        SaveResult firstWriterWins = pythonLayoutHolds(key);
        if (firstWriterWins != null) {
            return firstWriterWins;
        }
        ArchiveStore.Content content = store.layout() == ArchiveWriter.Layout.NATIVE ? store.content(key) : ArchiveStore.Content.NONE;
        Set<String> fresh = null;
        if (!content.isEmpty() && !replace) {
            StoreFiles held = storeFiles(content);
            fresh = held == null ? allFiles(before) : held.lackedBy(before, record());
            if (fresh.isEmpty()) {
                return storeHoldsAll(content, held);
            }
        }
        CacheOperations.Written w = ops.write(store, key, content, fresh, local.dir(), control, replace);
        SaveResult ok = published(w, content);
        String after = Compaction.afterSave(ops, store, key, control) + Retention.afterSave(store, settings);
        return after.isEmpty() ? ok : new SaveResult(SaveStatus.SUCCESS, ok.message() + after, ok.files(), ok.bytes(),
                ok.archiveBytes(), millis(), target, null);
    }

    /** Null where the save goes on: the local cache is a directory with files that changed since this cache's last restore or save. */
    private SaveResult localSide() throws Exception {
        Path dir = local.dir();
        String notADirectory = local.notADirectory();
        if (notADirectory != null) {
            return result(SaveStatus.ERROR, notADirectory);
        }
        if (!local.hasFiles()) {
            return result(SaveStatus.SKIPPED, "local cache " + dir + " is empty or missing: nothing to save");
        }
        if (!onlyWhatIsNew) {
            ops.prefetchKey(); // an explicit save needs the key: its GPU probe overlaps the walk of the cache
        }
        before = TreeFingerprint.of(dir);
        activity = Activity.of(dir);
        if (before.equals(activity.lastKnown())) {
            return result(SaveStatus.SKIPPED, "local cache unchanged since it was restored or saved");
        }
        if (onlyWhatIsNew && activity.lastKnown() == null && before.equals(ListingRecord.read(local))) {
            return result(SaveStatus.SKIPPED, "local cache unchanged since another process restored or saved it"
                    + " (its listing is recorded in " + local.listingRecord() + ")");
        }
        return null;
    }

    /** In a store shared with the Python package the first writer wins, as there: null where the key's archive is not there yet. */
    private SaveResult pythonLayoutHolds(EnvironmentKey key) throws Exception {
        if (store.layout() != ArchiveWriter.Layout.PYTHON || replace) {
            return null;
        }
        String name = StoreNames.archive(key, settings.compression);
        if (store.find(key).filter(a -> a.location().endsWith("/" + name)).isEmpty()) {
            return null;
        }
        return result(SaveStatus.SKIPPED, "the store already holds " + name
                + " (B10_TRANSFER_KEY_MODE=seed: the first writer wins, as in the Python package)");
    }

    /** What this cache last restored or saved: the local tree's record, which tells a changed file from one the store holds. */
    private TreeFingerprint record() {
        return activity.lastKnown() != null ? activity.lastKnown() : ListingRecord.read(local);
    }

    private SaveResult storeHoldsAll(ArchiveStore.Content content, StoreFiles held) {
        if (onlyWhatIsNew) {
            ListingRecord.write(local, before); // the next JVM learns it without the store
        }
        return result(SaveStatus.SKIPPED, "the store's content for the key (" + CacheOperations.describeContent(content)
                + ") already holds every file of the local cache (" + before.sizes().size() + " of its "
                + held.files().size() + "): nothing new to publish");
    }

    /** The success, recorded beside the cache, and settled: a bound cutting the optional steps after it keeps it. */
    private SaveResult published(CacheOperations.Written w, ArchiveStore.Content content) {
        target = w.published().location();
        long archiveBytes = w.published().size();
        SaveResult ok = new SaveResult(SaveStatus.SUCCESS, "saved " + w.result().files() + " files, "
                + CacheOperations.mib(w.result().bytes()) + " as " + (w.published().layer() ? "a layer, " : "") + target
                + " (" + CacheOperations.mib(archiveBytes) + ")"
                + (replace && !content.isEmpty() ? ", replacing the key's content (" + CacheOperations.describeContent(content) + ")" : "")
                + (w.signer() == null ? "" : ", signed by key " + w.signer())
                + (w.result().skipped() == 0 ? "" : "; left out " + w.result().skipped()
                        + (w.result().skipped() == 1 ? " entry" : " entries") + " not a regular file (links and pipes,"
                        + " which a load would refuse) or removed while it was read"),
                w.result().files(), w.result().bytes(), archiveBytes, millis(), target, null);
        activity.saved(ok, before);
        if (onlyWhatIsNew) {
            // the agent's saves, of a cache it manages; an explicit save writes nothing beside the cache it reads
            ListingRecord.write(local, before);
        }
        control.settle(ok);
        return ok;
    }

    /**
     * What the key's content holds, or null where it cannot be read (a damaged archive or index):
     * the save then publishes every local file as a layer, which can only add to the content.
     */
    private StoreFiles storeFiles(ArchiveStore.Content content) {
        try {
            return StoreFiles.of(content, settings.maxEntries, control);
        } catch (CancellationException e) {
            throw e;
        } catch (Exception e) {
            b10.transfer.Log.get().debug("the key's content could not be listed ({}): every local file is published as a layer",
                    e.getMessage());
            return null;
        }
    }

    private static Set<String> allFiles(TreeFingerprint tree) {
        Set<String> all = new HashSet<>();
        for (String f : tree.sizes().keySet()) {
            all.add(f.replace(java.io.File.separatorChar, '/'));
        }
        return all;
    }

    void cleanUp() {
        Stores.close(store);
    }

    private SaveResult result(SaveStatus s, String message) {
        return new SaveResult(s, message, 0, 0, 0, millis(), target, null);
    }

    private long millis() {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
