package b10.transfer;

import b10.transfer.async.AsyncTransfers;
import b10.transfer.async.TransferOptions;
import b10.transfer.async.TransferProgress;
import b10.transfer.config.Settings;
import b10.transfer.ops.Operations;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.SaveResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The library API, the Python package's functions with Java names. Configuration comes from the
 * environment (see the README's table); the environment key is computed once per JVM. No method
 * throws for an operational failure: it returns ERROR and logs one line naming the cause.
 */
public final class B10Transfer {
    private B10Transfer() {
    }

    /** Restores this environment's archive from the store into the local cache directory. */
    public static LoadStatus loadCompileCache() {
        return load(false).status();
    }

    /** Archives the local cache and publishes it to the store under this environment's key. */
    public static SaveStatus saveCompileCache() {
        return save().status();
    }

    /** Removes the local cache directory (moved aside first, then deleted). */
    public static boolean clearLocalCache() {
        Settings s = Settings.fromEnvironment();
        try {
            return new b10.transfer.store.LocalCache(s.localCacheDir).clear();
        } catch (IOException e) {
            Log.get().error("clear failed: cannot remove {}: {}", s.localCacheDir, e.toString());
            return false;
        }
    }

    /** The configuration and the state of this environment's cache, as a map of the names {@code info --json} prints. */
    public static Map<String, Object> getCacheInfo() {
        return Operations.of(Settings.fromEnvironment()).info();
    }

    /** The store's archives, as a map of the names {@code list --json} prints. */
    public static Map<String, Object> listAvailableCaches() {
        return Operations.of(Settings.fromEnvironment()).list();
    }

    // ---- typed results ----

    /**
     * Restores this environment's archive into the local cache directory.
     *
     * @param force replace a local cache that already holds files (atomically); false leaves it as it is (SKIPPED)
     * @return the status, its one-line message and the figures
     */
    public static LoadOutcome load(boolean force) {
        Operations ops = Operations.of(Settings.fromEnvironment());
        LoadResult r = ops.loadAndReport(force, ops.newControl());
        return new LoadOutcome(r.status(), r.message(), r.files(), r.bytes(), r.millis(), r.archive());
    }

    /**
     * Archives the local cache and publishes it to the store under this environment's key.
     *
     * @return the status, its one-line message and the figures
     */
    public static SaveOutcome save() {
        Operations ops = Operations.of(Settings.fromEnvironment());
        SaveResult r = ops.saveAndReport(ops.newControl());
        return new SaveOutcome(r.status(), r.message(), r.files(), r.bytes(), r.archiveBytes(), r.millis(), r.archive());
    }

    /** The configuration and the state of this environment's cache, typed ({@link #getCacheInfo()} as a record). */
    public static CacheInfo cacheInfo() {
        return CacheInfo.of(Operations.of(Settings.fromEnvironment()).info());
    }

    /**
     * Starts {@link #load(boolean)} on a daemon thread.
     *
     * @param progress receives snapshots (status, bytes and files done and total) at most ten times a
     *                 second and once at the end, off the transfer's thread; may be null
     * @return the operation's id, for {@link #getTransferStatus}, {@link #cancelTransfer} and the rest
     */
    public static String startLoad(boolean force, Consumer<TransferProgress> progress) {
        return AsyncTransfers.load(Operations.of(Settings.fromEnvironment()), force, progress);
    }

    /** Starts {@link #save()} on a daemon thread; {@code progress} as for {@link #startLoad}. */
    public static String startSave(Consumer<TransferProgress> progress) {
        return AsyncTransfers.save(Operations.of(Settings.fromEnvironment()), progress);
    }

    // ---- asynchronous operations (the seed's async API) ----

    /** Starts {@link #loadCompileCache()} on a daemon thread and returns its operation id at once. */
    /** Starts {@link #loadCompileCache()} on a daemon thread; returns its operation id at once. */
    public static String loadCompileCacheAsync() {
        return loadCompileCacheAsync(null);
    }

    /** @param progressCallback receives progress lines, off the transfer's thread; may be null */
    public static String loadCompileCacheAsync(Consumer<String> progressCallback) {
        return AsyncTransfers.load(Operations.of(Settings.fromEnvironment()), false, AsyncTransfers.lines(progressCallback));
    }

    /** Starts {@link #saveCompileCache()} on a daemon thread; returns its operation id at once. */
    public static String saveCompileCacheAsync() {
        return saveCompileCacheAsync(null);
    }

    /** @param progressCallback receives progress lines, off the transfer's thread; may be null */
    public static String saveCompileCacheAsync(Consumer<String> progressCallback) {
        return AsyncTransfers.save(Operations.of(Settings.fromEnvironment()), AsyncTransfers.lines(progressCallback));
    }

    /** Runs {@code callback.accept(source, dest)} asynchronously, with the options' free-space watches. */
    public static String startTransferAsync(Path source, Path dest, BiConsumer<Path, Path> callback, String operationName,
                                            TransferOptions options) {
        return AsyncTransfers.transfer(source, dest, callback, operationName, options);
    }

    /** @return the operation's state, or null for an unknown (or long finished and forgotten) id */
    public static TransferProgress getTransferStatus(String operationId) {
        return AsyncTransfers.status(operationId);
    }

    /** Whether the operation has ended, whatever its status (false for an unknown id). */
    public static boolean isTransferComplete(String operationId) {
        TransferProgress p = AsyncTransfers.status(operationId);
        return p != null && p.status().finished();
    }

    /** Waits for the operation to end; false for an unknown id. */
    public static boolean waitForCompletion(String operationId) {
        return AsyncTransfers.await(operationId, null);
    }

    /** @return false when the timeout passed first; the operation goes on */
    public static boolean waitForCompletion(String operationId, Duration timeout) {
        return AsyncTransfers.await(operationId, timeout);
    }

    /** Stops a running operation; the local cache and the store are left as they were. */
    public static boolean cancelTransfer(String operationId) {
        return AsyncTransfers.cancel(operationId);
    }

    /** The operations not yet ended, by id. */
    public static Map<String, TransferProgress> listActiveTransfers() {
        return AsyncTransfers.active();
    }

    /** The operation as a future, completed with its final state (whatever the status). */
    public static CompletableFuture<TransferProgress> transferFuture(String operationId) {
        return AsyncTransfers.future(operationId);
    }
}
