package b10.transfer.ops;

import b10.transfer.CacheError;
import b10.transfer.CacheOperationInterrupted;
import b10.transfer.LoadStatus;
import b10.transfer.SaveStatus;
import b10.transfer.archive.ArchiveListing;
import b10.transfer.archive.ArchiveSignature;
import b10.transfer.archive.ArchiveWriter;
import b10.transfer.archive.ExtractionLimits;
import b10.transfer.archive.SafeExtractor;
import b10.transfer.base.Workers;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.store.ArchiveStore;
import b10.transfer.store.LocalCache;
import b10.transfer.store.Publisher;
import b10.transfer.store.StoreNames;
import b10.transfer.store.Stores;
import b10.transfer.trust.SigningKey;
import b10.transfer.trust.TrustedKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Load and save for one configuration and key: the steps, their order, and how every failure
 * becomes a status with a one-line message naming the cause. Never throws.
 */
public final class CacheOperations {
    private final Settings settings;
    private final Supplier<EnvironmentKey> keySource;
    private final LocalCache local;
    private EnvironmentKey key;

    public CacheOperations(Settings settings, EnvironmentKey key) {
        this(settings, () -> key);
    }

    /** The key is computed at most once, and only by a step that needs it (an empty store needs none). */
    public CacheOperations(Settings settings, Supplier<EnvironmentKey> keySource) {
        this.settings = settings;
        this.keySource = keySource;
        this.local = new LocalCache(settings.localCacheDir);
    }

    private synchronized EnvironmentKey key() {
        if (key == null) {
            key = keySource.get();
        }
        return key;
    }

    /**
     * The key, refused when torch is not in it: a cache depends on torch, and an archive under a key
     * without it would be restored for any torch (and none could be found under the real key).
     */
    private EnvironmentKey completeKey() {
        EnvironmentKey k = key();
        if (!k.torchFound()) {
            throw new KeyIncomplete(k.torchProblem());
        }
        return k;
    }

    /** The key lacks torch: a configuration problem, the same for every operation of this JVM. */
    public static final class KeyIncomplete extends b10.transfer.CacheValidationError {
        KeyIncomplete(String message) {
            super(message);
        }
    }

    public LocalCache local() {
        return local;
    }

    /** Runs {@link #load} on a daemon thread, cut at the load timeout. */
    public LoadResult loadWithTimeout(boolean force, OperationControl control) {
        return bounded("load", settings.loadTimeout, control, () -> load(force, control),
                msg -> new LoadResult(LoadStatus.ERROR, msg, 0, 0, settings.loadTimeout.toMillis(), null, null));
    }

    /** Runs {@link #save} on a daemon thread, cut at the given bound. */
    public SaveResult saveWithTimeout(Duration bound, OperationControl control) {
        return saveWithTimeout(bound, control, false);
    }

    /** Runs {@link #save(OperationControl, boolean)} on a daemon thread, cut at the given bound. */
    public SaveResult saveWithTimeout(Duration bound, OperationControl control, boolean onlyWhatIsNew) {
        return bounded("save", bound, control, () -> save(control, onlyWhatIsNew),
                msg -> new SaveResult(SaveStatus.ERROR, msg, 0, 0, 0, bound.toMillis(), null, null));
    }

    private static <R> R bounded(String role, Duration bound, OperationControl control, java.util.concurrent.Callable<R> op,
                                 java.util.function.Function<String, R> timedOut) {
        FutureTask<R> task = new FutureTask<>(op);
        Workers.daemon(role, task).start();
        try {
            return task.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            control.cancel(role + " timed out after " + bound.toSeconds() + " s");
            try {
                // give the worker a moment to remove its temporaries; a read stuck in the kernel may not return
                task.get(2, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // still stuck: it is a daemon and will clean up if the read ever returns
            }
            return timedOut.apply(role + " timed out after " + bound.toSeconds() + " s (B10_TRANSFER_"
                    + role.toUpperCase(java.util.Locale.ROOT) + "_TIMEOUT_S)");
        } catch (InterruptedException e) {
            control.cancel("interrupted");
            Thread.currentThread().interrupt();
            return timedOut.apply(role + " interrupted");
        } catch (Exception e) {
            return timedOut.apply(role + " failed: " + e);
        } finally {
            control.finish();
        }
    }

    public LoadResult load(boolean force, OperationControl control) {
        long t0 = System.nanoTime();
        if (!settings.enabled) {
            return loadResult(LoadStatus.SKIPPED, "disabled by B10_TRANSFER_ENABLED", t0, null, null, 0, 0);
        }
        Path staging = null;
        String archiveName = null;
        ArchiveStore store = null;
        try {
            Path dir = local.dir();
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return loadResult(LoadStatus.ERROR, "local cache " + dir + " (TORCH_CACHE_DIR) is not a directory", t0, null, null, 0, 0);
            }
            local.recover(settings.tempMaxAge);
            if (!force && local.hasFiles()) {
                return loadResult(LoadStatus.SKIPPED, "local cache " + dir + " already holds files; not replaced", t0, null, null, 0, 0);
            }
            store = Stores.open(settings);
            ArchiveStore.Refusal refused = store.checkLoad();
            if (refused != null) {
                return loadResult(refused.absent() ? LoadStatus.DOES_NOT_EXIST : LoadStatus.ERROR, refused.message(), t0, null, null, 0, 0);
            }
            RestorePrewarm.start(); // overlaps the key, whose GPU probe is the slow part
            store.removeStale(settings.tempMaxAge, false);
            EnvironmentKey key = completeKey();
            ArchiveStore.Stored archive = store.find(key).orElse(null);
            if (archive == null) {
                MissExplanation miss = explainMiss(store, key);
                LoadResult r = loadResult(LoadStatus.DOES_NOT_EXIST, "no archive for key " + key.text() + " in " + store.describe()
                        + (miss == null ? "" : miss.sentence()), t0, null, null, 0, 0);
                return new LoadResult(r.status(), r.message(), 0, 0, r.millis(), null, null, miss);
            }
            archiveName = archive.location();
            staging = local.newStaging();
            SafeExtractor.Result r;
            ExecutorService writers = Workers.pool("writer", settings.writerThreads);
            try (InputStream in = archive.open(control)) {
                SafeExtractor extractor = new SafeExtractor(ExtractionLimits.of(settings), writers);
                if (settings.trustedKeys != null) {
                    extractor.checkedBy(TrustedKeys.load(settings.trustedKeys).checkerFor(key));
                }
                r = extractor.extract(in, staging, control, archive.sideManifest());
            } finally {
                writers.shutdownNow();
            }
            control.checkpoint();
            if (!local.swapIn(staging, force)) {
                return loadResult(LoadStatus.SKIPPED, "local cache " + dir + " was filled by another process meanwhile",
                        t0, archiveName, null, 0, 0);
            }
            staging = null;
            LoadResult ok = loadResult(LoadStatus.SUCCESS, "restored " + r.files() + " files, " + mib(r.bytes())
                    + " from " + archiveName + (r.verified() ? "" : " (no manifest: an archive of the Python package)")
                    + (r.signer() == null ? "" : ", signed by trusted key " + r.signer()),
                    t0, archiveName, null, r.files(), r.bytes());
            TreeFingerprint restored = TreeFingerprint.of(dir);
            Activity.of(dir).restored(ok, restored);
            ListingRecord.write(local, restored);
            return ok;
        } catch (Throwable t) {
            return loadResult(LoadStatus.ERROR, describe("load", t, archiveName), t0, archiveName, t, 0, 0);
        } finally {
            if (staging != null) {
                LocalCache.deleteTree(staging);
            }
            Stores.close(store);
        }
    }

    /** Null when the store cannot say (a miss is a miss either way: its explanation must not fail the load). */
    private static MissExplanation explainMiss(ArchiveStore store, EnvironmentKey key) {
        try {
            return MissExplanation.of(key, store.keys(MissExplanation.MOST));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public SaveResult save(OperationControl control) {
        return save(control, false);
    }

    /**
     * @param onlyWhatIsNew publish only when the local cache holds a file (path and size) that the
     *                      store's current archive lacks, when this JVM neither restored nor saved
     *                      it: the agent's saves, so that a JVM that found the cache in place and
     *                      compiled nothing rewrites nothing, and an older replica never replaces
     *                      the store's archive with a subset of it
     */
    public SaveResult save(OperationControl control, boolean onlyWhatIsNew) {
        long t0 = System.nanoTime();
        if (!settings.enabled) {
            return saveResult(SaveStatus.SKIPPED, "disabled by B10_TRANSFER_ENABLED", t0, null, null, 0, 0, 0);
        }
        Path dir = local.dir();
        String target = null;
        ArchiveStore store = null;
        try {
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return saveResult(SaveStatus.ERROR, "local cache " + dir + " (TORCH_CACHE_DIR) is not a directory", t0, null, null, 0, 0, 0);
            }
            if (!local.hasFiles()) {
                return saveResult(SaveStatus.SKIPPED, "local cache " + dir + " is empty or missing: nothing to save", t0, null, null, 0, 0, 0);
            }
            TreeFingerprint before = TreeFingerprint.of(dir);
            Activity activity = Activity.of(dir);
            if (before.equals(activity.lastKnown())) {
                return saveResult(SaveStatus.SKIPPED, "local cache unchanged since it was restored or saved", t0, null, null, 0, 0, 0);
            }
            if (onlyWhatIsNew && activity.lastKnown() == null && before.equals(ListingRecord.read(local))) {
                return saveResult(SaveStatus.SKIPPED, "local cache unchanged since another process restored or saved it"
                        + " (its listing is recorded in " + local.listingRecord() + ")", t0, null, null, 0, 0, 0);
            }
            store = Stores.open(settings);
            ArchiveStore.Refusal refused = store.checkSave();
            if (refused != null) {
                return saveResult(SaveStatus.ERROR, refused.message(), t0, null, null, 0, 0, 0);
            }
            store.removeStale(settings.tempMaxAge, true);
            EnvironmentKey key = completeKey();
            target = store.locationFor(key, settings.compression);
            if (store.layout() == ArchiveWriter.Layout.PYTHON) {
                String name = StoreNames.archive(key, settings.compression);
                if (store.find(key).filter(a -> a.location().endsWith("/" + name)).isPresent()) {
                    return saveResult(SaveStatus.SKIPPED, "the store already holds " + name
                            + " (B10_TRANSFER_KEY_MODE=seed: the first writer wins, as in the Python package)", t0, target, null, 0, 0, 0);
                }
            }
            Map<String, String> header = new LinkedHashMap<>();
            header.put("key", key.text());
            header.put("hash", key.hash());
            key.components().forEach((k, v) -> header.put("key." + k, String.valueOf(v)));
            header.put("created", Instant.now().toString());
            header.put("writer", "b10-transfer-java");
            ArchiveSignature.Signer signer = null;
            if (settings.signingKey != null) {
                signer = SigningKey.load(settings.signingKey).signerFor(key);
                header.put(ArchiveSignature.SIGNER, signer.keyId());
            }
            ArchiveWriter.Carry carry = null;
            if (onlyWhatIsNew && activity.lastKnown() == null && store.layout() == ArchiveWriter.Layout.NATIVE) {
                StoreComparison compared = compareWithStore(store, key, before, control);
                if (compared != null && compared.newLocally() == 0) {
                    ListingRecord.write(local, before); // the next JVM learns it without the store
                    return saveResult(SaveStatus.SKIPPED, "the store's archive " + compared.current().location()
                            + " already holds every file of the local cache (" + before.sizes().size() + " of its "
                            + compared.storeFiles() + "): nothing new to publish", t0, target, null, 0, 0, 0);
                }
                if (compared != null && !compared.onlyInStore().isEmpty()) {
                    ArchiveStore.Stored current = compared.current();
                    carry = new ArchiveWriter.Carry(compared.onlyInStore(), () -> current.open(control));
                }
            }
            ArchiveWriter.Carry carried = carry;
            ExecutorService readers = Workers.pool("reader", Math.min(4, settings.writerThreads));
            ArchiveWriter.Result[] written = new ArchiveWriter.Result[1];
            ArchiveStore.Stored published;
            try {
                ArchiveWriter writer = new ArchiveWriter(settings.compression, settings.zstdLevel, settings.zstdWorkers,
                        settings.maxCacheBytes, readers, store.layout()).signedBy(signer);
                published = store.publish(key, settings.compression, new Publisher.Body() {
                    @Override
                    public void writeTo(java.io.OutputStream out) throws IOException {
                        written[0] = writer.write(dir, out, header, control, carried);
                    }

                    @Override
                    public Map<String, String> manifest() {
                        return written[0] == null ? null : written[0].signedManifest();
                    }
                }, control);
            } finally {
                readers.shutdownNow();
            }
            target = published.location();
            long archiveBytes = published.size();
            SaveResult ok = saveResult(SaveStatus.SUCCESS, "saved " + written[0].files() + " files, " + mib(written[0].bytes())
                    + (carried == null ? "" : " (" + carried.files().size() + " of them kept from the store's archive,"
                    + " which the local cache lacked)")
                    + " as " + target + " (" + mib(archiveBytes) + ")"
                    + (signer == null ? "" : ", signed by key " + signer.keyId()), t0, target, null,
                    written[0].files(), written[0].bytes(), archiveBytes);
            activity.saved(ok, before);
            if (onlyWhatIsNew) {
                // the agent's saves, of a cache it manages; an explicit save writes nothing beside the cache it reads
                ListingRecord.write(local, before);
            }
            return ok;
        } catch (Throwable t) {
            return saveResult(SaveStatus.ERROR, describe("save", t, target), t0, target, t, 0, 0, 0);
        } finally {
            Stores.close(store);
        }
    }

    /**
     * The local cache against the store's current archive, by path and size.
     *
     * @param newLocally  local files the archive lacks (or holds with another size)
     * @param onlyInStore the archive's files that the local cache lacks and that can be carried
     *                    into a new archive without clashing with a local path
     */
    record StoreComparison(ArchiveStore.Stored current, int storeFiles, int newLocally, Map<String, Long> onlyInStore) {
    }

    /** Null when the store holds no archive for the key, or when it cannot be listed (then the save goes on as a full one). */
    private StoreComparison compareWithStore(ArchiveStore store, EnvironmentKey key, TreeFingerprint local,
                                             OperationControl control) {
        try {
            ArchiveStore.Stored current = store.find(key).orElse(null);
            if (current == null) {
                return null;
            }
            Map<String, Long> stored;
            try (InputStream in = current.open(control)) {
                stored = ArchiveListing.read(in, settings.maxEntries, control);
            }
            int newLocally = 0;
            for (Map.Entry<String, Long> f : local.sizes().entrySet()) {
                if (!f.getValue().equals(stored.get(f.getKey().replace(java.io.File.separatorChar, '/')))) {
                    newLocally++;
                }
            }
            java.util.Set<String> localDirs = new java.util.HashSet<>();
            for (String f : local.sizes().keySet()) {
                for (int slash = f.indexOf('/'); slash > 0; slash = f.indexOf('/', slash + 1)) {
                    localDirs.add(f.substring(0, slash));
                }
            }
            Map<String, Long> onlyInStore = new java.util.HashMap<>();
            for (Map.Entry<String, Long> f : stored.entrySet()) {
                if (!local.sizes().containsKey(f.getKey()) && !clashesLocally(local.sizes().keySet(), localDirs, f.getKey())) {
                    onlyInStore.put(f.getKey(), f.getValue());
                }
            }
            return new StoreComparison(current, stored.size(), newLocally, onlyInStore);
        } catch (CancellationException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Whether a path of the archive is a local directory, or lies under a local file. */
    static boolean clashesLocally(java.util.Set<String> localFiles, java.util.Set<String> localDirs, String path) {
        if (localDirs.contains(path)) {
            return true;
        }
        for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
            if (localFiles.contains(path.substring(0, slash))) {
                return true;
            }
        }
        return false;
    }

    public static String describe(String op, Throwable t, String archive) {
        if (t instanceof CancellationException) {
            return op + " cancelled: " + t.getMessage();
        }
        if (t instanceof CacheOperationInterrupted || t instanceof CacheError) {
            // a message that names an object of its own (the S3 store's do) is not given the key's location as well
            boolean namesItsObject = t.getMessage().contains("s3://");
            return t.getMessage() + (archive != null && !namesItsObject && !t.getMessage().contains(archive) ? " [" + archive + "]" : "");
        }
        String msg = String.valueOf(t.getMessage());
        if (msg.contains("No space left")) {
            return op + " failed: no space left on device (" + msg + ")";
        }
        if (t instanceof java.nio.file.AccessDeniedException) {
            return op + " failed: permission denied on " + msg;
        }
        if (t instanceof java.nio.file.ReadOnlyFileSystemException || msg.contains("Read-only file system")) {
            return op + " failed: read-only filesystem (" + msg + ")";
        }
        return op + " failed: " + t.getClass().getSimpleName() + ": " + msg;
    }

    static String mib(long bytes) {
        return mibNumber(bytes) + " MiB";
    }

    /** Bytes as MiB with one decimal, without String.format, whose first use costs milliseconds on the agent's start-up path. */
    public static String mibNumber(long bytes) {
        long tenths = Math.round(bytes * 10 / 1048576.0);
        return tenths / 10 + "." + tenths % 10;
    }

    private static LoadResult loadResult(LoadStatus s, String msg, long t0, String archive, Throwable err, long files, long bytes) {
        return new LoadResult(s, msg, files, bytes, (System.nanoTime() - t0) / 1_000_000, archive, err);
    }

    private static SaveResult saveResult(SaveStatus s, String msg, long t0, String archive, Throwable err, long files,
                                         long bytes, long archiveBytes) {
        return new SaveResult(s, msg, files, bytes, archiveBytes, (System.nanoTime() - t0) / 1_000_000, archive, err);
    }
}
