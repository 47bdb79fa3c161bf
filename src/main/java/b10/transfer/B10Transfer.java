package b10.transfer;

import b10.transfer.async.TransferOptions;
import b10.transfer.async.TransferProgress;
import b10.transfer.base.CoreLoader;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
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
 *
 * <p>Each method calls its namesake in {@link Library} through the
 * implementation's loader ({@link CoreLoader}): in the agent jar the implementation is a nested jar,
 * and only the API's types (this package's outcomes, statuses and errors, and the async package's
 * records) are at the jar's top, shared by both sides.
 */
public final class B10Transfer {
    private static final String LIBRARY = "b10.transfer.Library";
    private static final Class<?>[] NONE = {};
    private static final Class<?>[] ONE_STRING = {String.class};

    private B10Transfer() {
    }

    /** Calls {@code Library.name(args)}; what it throws is thrown as it is. */
    @SuppressWarnings("unchecked")
    private static <T> T call(String name, Class<?>[] types, Object... args) {
        Method m;
        try {
            m = CoreLoader.load(LIBRARY).getMethod(name, types);
        } catch (IOException | ReflectiveOperationException e) {
            throw new IllegalStateException("b10-transfer's implementation cannot be loaded from its jar: " + e, e);
        }
        try {
            return (T) m.invoke(null, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
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
        return call("clearLocalCache", NONE);
    }

    /** The configuration and the state of this environment's cache, as a map of the names {@code info --json} prints. */
    public static Map<String, Object> getCacheInfo() {
        return call("getCacheInfo", NONE);
    }

    /** The store's archives, as a map of the names {@code list --json} prints. */
    public static Map<String, Object> listAvailableCaches() {
        return call("listAvailableCaches", NONE);
    }

    // ---- typed results ----

    /**
     * Restores this environment's archive into the local cache directory.
     *
     * @param force replace a local cache that already holds files (atomically); false leaves it as it is (SKIPPED)
     * @return the status, its one-line message and the figures
     */
    public static LoadOutcome load(boolean force) {
        return call("load", new Class<?>[] {boolean.class}, force);
    }

    /**
     * Archives the local cache and publishes it to the store under this environment's key.
     *
     * @return the status, its one-line message and the figures
     */
    public static SaveOutcome save() {
        return call("save", NONE);
    }

    /** The configuration and the state of this environment's cache, typed ({@link #getCacheInfo()} as a record). */
    public static CacheInfo cacheInfo() {
        return CacheInfo.of(getCacheInfo());
    }

    /**
     * Starts {@link #load(boolean)} on a daemon thread.
     *
     * @param progress receives snapshots (status, bytes and files done and total) at most ten times a
     *                 second and once at the end, off the transfer's thread; may be null
     * @return the operation's id, for {@link #getTransferStatus}, {@link #cancelTransfer} and the rest
     */
    public static String startLoad(boolean force, Consumer<TransferProgress> progress) {
        return call("startLoad", new Class<?>[] {boolean.class, Consumer.class}, force, progress);
    }

    /** Starts {@link #save()} on a daemon thread; {@code progress} as for {@link #startLoad}. */
    public static String startSave(Consumer<TransferProgress> progress) {
        return call("startSave", new Class<?>[] {Consumer.class}, progress);
    }

    // ---- asynchronous operations (the seed's async API) ----

    /** Starts {@link #loadCompileCache()} on a daemon thread; returns its operation id at once. */
    public static String loadCompileCacheAsync() {
        return loadCompileCacheAsync(null);
    }

    /** @param progressCallback receives progress lines, off the transfer's thread; may be null */
    public static String loadCompileCacheAsync(Consumer<String> progressCallback) {
        return call("loadCompileCacheAsync", new Class<?>[] {Consumer.class}, progressCallback);
    }

    /** Starts {@link #saveCompileCache()} on a daemon thread; returns its operation id at once. */
    public static String saveCompileCacheAsync() {
        return saveCompileCacheAsync(null);
    }

    /** @param progressCallback receives progress lines, off the transfer's thread; may be null */
    public static String saveCompileCacheAsync(Consumer<String> progressCallback) {
        return call("saveCompileCacheAsync", new Class<?>[] {Consumer.class}, progressCallback);
    }

    /** Runs {@code callback.accept(source, dest)} asynchronously, with the options' free-space watches. */
    public static String startTransferAsync(Path source, Path dest, BiConsumer<Path, Path> callback, String operationName,
                                            TransferOptions options) {
        return call("startTransferAsync", new Class<?>[] {Path.class, Path.class, BiConsumer.class, String.class, TransferOptions.class},
                source, dest, callback, operationName, options);
    }

    /** @return the operation's state, or null for an unknown (or long finished and forgotten) id */
    public static TransferProgress getTransferStatus(String operationId) {
        return call("getTransferStatus", ONE_STRING, operationId);
    }

    /** Whether the operation has ended, whatever its status (false for an unknown id). */
    public static boolean isTransferComplete(String operationId) {
        TransferProgress p = getTransferStatus(operationId);
        return p != null && p.status().finished();
    }

    /** Waits for the operation to end; false for an unknown id. */
    public static boolean waitForCompletion(String operationId) {
        return waitForCompletion(operationId, null);
    }

    /** @return false when the timeout passed first; the operation goes on */
    public static boolean waitForCompletion(String operationId, Duration timeout) {
        return call("waitForCompletion", new Class<?>[] {String.class, Duration.class}, operationId, timeout);
    }

    /** Stops a running operation; the local cache and the store are left as they were. */
    public static boolean cancelTransfer(String operationId) {
        return call("cancelTransfer", ONE_STRING, operationId);
    }

    /** The operations not yet ended, by id. */
    public static Map<String, TransferProgress> listActiveTransfers() {
        return call("listActiveTransfers", NONE);
    }

    /** The operation as a future, completed with its final state (whatever the status). */
    public static CompletableFuture<TransferProgress> transferFuture(String operationId) {
        return call("transferFuture", ONE_STRING, operationId);
    }
}
