package b10.transfer.ops;

import b10.transfer.CacheError;
import b10.transfer.CacheOperationInterrupted;
import b10.transfer.LoadStatus;
import b10.transfer.SaveStatus;
import b10.transfer.archive.ArchiveWriter;
import b10.transfer.archive.ExtractionLimits;
import b10.transfer.archive.SafeExtractor;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.store.ArchiveStore;
import b10.transfer.store.LocalCache;
import b10.transfer.store.Publisher;
import b10.transfer.store.Stores;
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
        return bounded("save", bound, control, () -> save(control),
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
            EnvironmentKey key = key();
            ArchiveStore.Stored archive = store.find(key).orElse(null);
            if (archive == null) {
                return loadResult(LoadStatus.DOES_NOT_EXIST, "no archive for key " + key.text() + " in " + store.describe(), t0, null, null, 0, 0);
            }
            archiveName = archive.location();
            staging = local.newStaging();
            SafeExtractor.Result r;
            ExecutorService writers = Workers.pool("writer", settings.writerThreads);
            try (InputStream in = archive.open(control)) {
                r = new SafeExtractor(ExtractionLimits.of(settings), writers).extract(in, staging, control, archive.sideManifest());
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
                    + " from " + archiveName + (r.verified() ? "" : " (no manifest: an archive of the Python package)"),
                    t0, archiveName, null, r.files(), r.bytes());
            Activity.of(dir).restored(ok, TreeFingerprint.of(dir));
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

    public SaveResult save(OperationControl control) {
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
            store = Stores.open(settings);
            ArchiveStore.Refusal refused = store.checkSave();
            if (refused != null) {
                return saveResult(SaveStatus.ERROR, refused.message(), t0, null, null, 0, 0, 0);
            }
            store.removeStale(settings.tempMaxAge, true);
            EnvironmentKey key = key();
            target = store.locationFor(key, settings.compression);
            if (store.layout() == ArchiveWriter.Layout.PYTHON) {
                String name = key.archiveName(settings.compression);
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
            ExecutorService readers = Workers.pool("reader", Math.min(4, settings.writerThreads));
            ArchiveWriter.Result[] written = new ArchiveWriter.Result[1];
            ArchiveStore.Stored published;
            try {
                ArchiveWriter writer = new ArchiveWriter(settings.compression, settings.zstdLevel, settings.zstdWorkers,
                        settings.maxCacheBytes, readers, store.layout());
                published = store.publish(key, settings.compression, new Publisher.Body() {
                    @Override
                    public void writeTo(java.io.OutputStream out) throws IOException {
                        written[0] = writer.write(dir, out, header, control);
                    }

                    @Override
                    public Map<String, String> manifest() {
                        return written[0] == null ? null : written[0].manifest();
                    }
                }, control);
            } finally {
                readers.shutdownNow();
            }
            target = published.location();
            long archiveBytes = published.size();
            SaveResult ok = saveResult(SaveStatus.SUCCESS, "saved " + written[0].files() + " files, " + mib(written[0].bytes())
                    + " as " + target + " (" + mib(archiveBytes) + ")", t0, target, null,
                    written[0].files(), written[0].bytes(), archiveBytes);
            activity.saved(ok, before);
            return ok;
        } catch (Throwable t) {
            return saveResult(SaveStatus.ERROR, describe("save", t, target), t0, target, t, 0, 0, 0);
        } finally {
            Stores.close(store);
        }
    }

    public static String describe(String op, Throwable t, String archive) {
        if (t instanceof CancellationException) {
            return op + " cancelled: " + t.getMessage();
        }
        if (t instanceof CacheOperationInterrupted || t instanceof CacheError) {
            return t.getMessage() + (archive != null && !t.getMessage().contains(archive) ? " [" + archive + "]" : "");
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
