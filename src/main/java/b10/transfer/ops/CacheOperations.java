package b10.transfer.ops;

import b10.transfer.CacheError;
import b10.transfer.CacheOperationInterrupted;
import b10.transfer.LoadStatus;
import b10.transfer.SaveStatus;
import b10.transfer.archive.ArchiveSignature;
import b10.transfer.archive.ArchiveWriter;
import b10.transfer.base.OsError;
import b10.transfer.base.Workers;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.store.ArchiveStore;
import b10.transfer.store.LocalCache;
import b10.transfer.store.Publisher;
import b10.transfer.store.StoreError;
import b10.transfer.store.StoreNames;
import b10.transfer.trust.SigningKey;
import java.io.IOException;
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
    private final KeySource keySource;
    private final LocalCache local;
    private volatile EnvironmentKey key;

    public CacheOperations(Settings settings, EnvironmentKey key) {
        this(settings, () -> key);
    }

    /** The key is computed at most once, and only by a step that needs it (an empty store needs none). */
    public CacheOperations(Settings settings, Supplier<EnvironmentKey> keySource) {
        this((KeySource) keySource::get, settings);
    }

    /** The composition root's: a source that starts the GPU probe early and can guess the key (see {@link KeySource}). */
    CacheOperations(KeySource keySource, Settings settings) {
        this.settings = settings;
        this.keySource = keySource;
        this.local = new LocalCache(settings.localCacheDir, settings.localCacheName());
    }

    private synchronized EnvironmentKey key() {
        if (key == null) {
            key = keySource.key();
        }
        return key;
    }

    /** Starts computing the key (the GPU probe) beside the steps that follow. */
    void beginKey() {
        if (key == null) {
            keySource.begin();
        }
    }

    /** Whether the key is still being computed, so that a guess of it can be worth making. */
    boolean keyGuessable() {
        return key == null && keySource.guessing();
    }

    /** The key this environment has if its GPU is the stored key's; null once the key is known (see {@link KeySource}). */
    EnvironmentKey keyAssuming(String storedText) {
        return key != null ? null : keySource.assuming(storedText);
    }

    /** Computes the key on a thread of its own; {@link #key()} then waits for it (a failure is computed again there). */
    void prefetchKey() {
        Workers.daemon("key", () -> {
            try {
                key();
            } catch (RuntimeException e) {
                // the save's own call reports it
            }
        }).start();
    }

    /**
     * The key, refused when torch is not in it, or the GPU of a machine that may have one: a cache
     * depends on both, and an archive under a key without them would be restored for any torch or
     * GPU (and none could be found under the real key).
     */
    EnvironmentKey completeKey() {
        EnvironmentKey k = key();
        if (!k.complete()) {
            throw new KeyIncomplete(k.problem());
        }
        return k;
    }

    /** The key lacks torch or the GPU: a configuration problem, the same for every operation of this JVM. */
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

    /** Runs {@link #save(OperationControl, boolean, boolean)} on a daemon thread, cut at the given bound. */
    public SaveResult saveWithTimeout(Duration bound, OperationControl control, boolean onlyWhatIsNew) {
        return saveWithTimeout(bound, control, onlyWhatIsNew, false);
    }

    public SaveResult saveWithTimeout(Duration bound, OperationControl control, boolean onlyWhatIsNew, boolean replace) {
        return bounded("save", bound, control, () -> save(control, onlyWhatIsNew, replace),
                msg -> control.settled() != null ? settledThen(control.settled(), msg, bound)
                        : new SaveResult(SaveStatus.ERROR, msg, 0, 0, 0, bound.toMillis(), null, null));
    }

    /** The save that landed before its bound cut the optional steps after it (compaction, retention), saying so. */
    private static SaveResult settledThen(SaveResult s, String cut, Duration bound) {
        return new SaveResult(s.status(), s.message() + "; then the " + cut + " while folding layers or applying"
                + " retention (the next save tries again)", s.files(), s.bytes(), s.archiveBytes(), bound.toMillis(), s.archive(), null);
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


    /** Temporaries and leftovers last changed before this are stale (B10_TRANSFER_TEMP_MAX_AGE_S, by the settings' clock). */
    java.time.Instant staleBefore() {
        return settings.clock.instant().minus(settings.tempMaxAge);
    }
    /** Restores the key's content into the local cache (see {@link LoadRun} for the steps). */
    public LoadResult load(boolean force, OperationControl control) {
        return load(force, true, control);
    }

    /** @param mayRestore false: the load's checks only; a store that holds archives gives SKIPPED, nothing is restored */
    LoadResult load(boolean force, boolean mayRestore, OperationControl control) {
        long t0 = System.nanoTime();
        if (!settings.enabled) {
            return loadResult(LoadStatus.SKIPPED, "disabled by B10_TRANSFER_ENABLED", t0, null, null, 0, 0);
        }
        LoadRun run = new LoadRun(this, force, mayRestore, control, t0);
        try {
            return run.steps();
        } catch (Throwable t) {
            return loadResult(LoadStatus.ERROR, describe("load", t, run.archiveName), t0, run.archiveName, t, 0, 0);
        } finally {
            run.cleanUp();
        }
    }

    public SaveResult save(OperationControl control) {
        return save(control, false);
    }

    /**
     * Publishes what the key's content in the store lacks: the whole cache as the key's base where
     * the store holds nothing for it, else the local files it lacks as a layer (nothing when it
     * lacks none), then folds the layers into a new base when they pass their bound.
     *
     * @param onlyWhatIsNew the agent's saves, of a cache it manages: the cache's listing is recorded
     *                      beside it, so that a later JVM that finds the cache in place and compiled
     *                      nothing learns that without the store, the key or a native library
     */
    public SaveResult save(OperationControl control, boolean onlyWhatIsNew) {
        return save(control, onlyWhatIsNew, false);
    }

    /**
     * @param replace make the key's content exactly the local cache: published as its new base,
     *                folding every layer (files only the store held are dropped), even where the
     *                store already holds every local file ({@code save --replace})
     */
    public SaveResult save(OperationControl control, boolean onlyWhatIsNew, boolean replace) {
        long t0 = System.nanoTime();
        if (!settings.enabled) {
            return saveResult(SaveStatus.SKIPPED, "disabled by B10_TRANSFER_ENABLED", t0, null, null, 0, 0, 0);
        }
        SaveRun run = new SaveRun(this, control, onlyWhatIsNew, replace, t0);
        try {
            return run.steps();
        } catch (Throwable t) {
            return saveResult(SaveStatus.ERROR, describe("save", t, run.target), t0, run.target, t, 0, 0, 0);
        } finally {
            run.cleanUp();
        }
    }

    static String describeContent(ArchiveStore.Content c) {
        int n = c.layers().size();
        return (c.base() != null ? c.base().location() : "no base") + (n == 0 ? "" : n == 1 ? " and 1 layer" : " and " + n + " layers");
    }

    /** An archive written and published, with who signed it. */
    record Written(ArchiveWriter.Result result, ArchiveStore.Stored published, String signer) {
    }

    /**
     * Writes the tree (or, with {@code only}, those of its files) and publishes it: a layer where
     * {@code only} is given, else the key's base (a layer after all where another saver's base
     * landed first); in the Python layout, the one archive.
     */
    Written write(ArchiveStore store, EnvironmentKey key, ArchiveStore.Content compacting, java.util.Set<String> only,
                  Path tree, OperationControl control, boolean replace) throws IOException {
        String id = StoreNames.uniqueId();
        Map<String, String> header = new LinkedHashMap<>();
        header.put("key", key.text());
        header.put("hash", key.hash());
        key.components().forEach((k, v) -> header.put("key." + k, String.valueOf(v)));
        header.put("created", settings.clock.instant().toString());
        header.put("writer", "b10-transfer-java");
        header.put(StoreNames.HEADER_ID, id);
        boolean compaction = only == null && !compacting.isEmpty();
        if (compaction) {
            StringBuilder folds = new StringBuilder();
            for (ArchiveStore.Stored l : compacting.layers()) {
                folds.append(folds.length() == 0 ? "" : ",").append(l.id());
            }
            header.put(StoreNames.HEADER_FOLDS, folds.toString());
        }
        ArchiveSignature.Signer signer = null;
        if (settings.signingKey != null) {
            signer = SigningKey.load(settings.signingKey).signerFor(key);
            header.put(ArchiveSignature.SIGNER, signer.keyId());
        }
        ExecutorService readers = Workers.pool("reader", Math.min(4, settings.writerThreads));
        ArchiveWriter.Result[] written = new ArchiveWriter.Result[1];
        try {
            ArchiveWriter writer = new ArchiveWriter(settings.compression, settings.zstdLevel, settings.zstdWorkers,
                    settings.maxCacheBytes, readers, store.layout()).signedBy(signer)
                    .readableWithin(b10.transfer.archive.ExtractionLimits.of(settings));
            if (only != null) {
                writer.onlyFiles(only);
            }
            Publisher.Body body = new Publisher.Body() {
                @Override
                public void writeTo(java.io.OutputStream out) throws IOException {
                    written[0] = writer.write(tree, out, header, control);
                }

                @Override
                public Map<String, String> manifest() {
                    return written[0] == null ? null : written[0].signedManifest();
                }

                @Override
                public String id() {
                    return id;
                }

                @Override
                public Map<String, Long> listing() {
                    return written[0] == null ? null : written[0].listing();
                }
            };
            ArchiveStore.Stored published = only != null ? store.publishLayer(key, settings.compression, body, control)
                    : compaction ? store.compact(key, compacting, !replace, settings.compression, body, control)
                    : store.publish(key, settings.compression, body, control);
            return new Written(written[0], published, signer == null ? null : signer.keyId());
        } finally {
            readers.shutdownNow();
        }
    }

    Settings settings() {
        return settings;
    }

    public static String describe(String op, Throwable t, String archive) {
        if (t instanceof CancellationException) {
            return op + " cancelled: " + t.getMessage();
        }
        if (t instanceof StoreError) {
            return t.getMessage(); // names its own object: not given the key's location as well
        }
        if (t instanceof CacheOperationInterrupted || t instanceof CacheError) {
            return t.getMessage() + (archive != null && !t.getMessage().contains(archive) ? " [" + archive + "]" : "");
        }
        String msg = String.valueOf(t.getMessage());
        switch (OsError.of(t)) {
            case NO_SPACE:
                return op + " failed: no space left on device (" + msg + ")";
            case PERMISSION:
                return op + " failed: permission denied on " + msg;
            case READ_ONLY:
                return op + " failed: read-only filesystem (" + msg + ")";
            default:
                break;
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
