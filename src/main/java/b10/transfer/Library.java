package b10.transfer;

import b10.transfer.async.AsyncTransfers;
import b10.transfer.async.TransferOptions;
import b10.transfer.async.TransferProgress;
import b10.transfer.config.Settings;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.Operations;
import b10.transfer.ops.SaveResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What {@link b10.transfer.B10Transfer} does, called by it through the implementation's loader
 * ({@link b10.transfer.base.CoreLoader}): in the agent jar the API's types are at the jar's top and
 * this class is nested. Only API and JDK types cross, in both directions. Public for that call
 * alone; not part of the API.
 */
public final class Library {
    private Library() {
    }

    public static boolean clearLocalCache() {
        Settings s = Settings.fromEnvironment();
        try {
            return new b10.transfer.store.LocalCache(s.localCacheDir).clear();
        } catch (IOException e) {
            Log.get().error("clear failed: cannot remove {}: {}", s.localCacheDir, e.toString());
            return false;
        }
    }

    public static Map<String, Object> getCacheInfo() {
        return Operations.of(Settings.fromEnvironment()).info();
    }

    public static Map<String, Object> listAvailableCaches() {
        return Operations.of(Settings.fromEnvironment()).list();
    }

    public static LoadOutcome load(boolean force) {
        Operations ops = Operations.of(Settings.fromEnvironment());
        LoadResult r = ops.loadAndReport(force, ops.newControl());
        return new LoadOutcome(r.status(), r.message(), r.files(), r.bytes(), r.millis(), r.archive());
    }

    public static SaveOutcome save() {
        Operations ops = Operations.of(Settings.fromEnvironment());
        SaveResult r = ops.saveAndReport(ops.newControl());
        return new SaveOutcome(r.status(), r.message(), r.files(), r.bytes(), r.archiveBytes(), r.millis(), r.archive());
    }

    public static String startLoad(boolean force, Consumer<TransferProgress> progress) {
        return AsyncTransfers.load(Operations.of(Settings.fromEnvironment()), force, progress);
    }

    public static String startSave(Consumer<TransferProgress> progress) {
        return AsyncTransfers.save(Operations.of(Settings.fromEnvironment()), progress);
    }

    public static String loadCompileCacheAsync(Consumer<String> progressCallback) {
        return AsyncTransfers.load(Operations.of(Settings.fromEnvironment()), false, AsyncTransfers.lines(progressCallback));
    }

    public static String saveCompileCacheAsync(Consumer<String> progressCallback) {
        return AsyncTransfers.save(Operations.of(Settings.fromEnvironment()), AsyncTransfers.lines(progressCallback));
    }

    public static String startTransferAsync(Path source, Path dest, BiConsumer<Path, Path> callback, String operationName,
                                            TransferOptions options) {
        return AsyncTransfers.transfer(source, dest, callback, operationName, options);
    }

    public static TransferProgress getTransferStatus(String operationId) {
        return AsyncTransfers.status(operationId);
    }

    public static boolean waitForCompletion(String operationId, Duration timeout) {
        return AsyncTransfers.await(operationId, timeout);
    }

    public static boolean cancelTransfer(String operationId) {
        return AsyncTransfers.cancel(operationId);
    }

    public static Map<String, TransferProgress> listActiveTransfers() {
        return AsyncTransfers.active();
    }

    public static CompletableFuture<TransferProgress> transferFuture(String operationId) {
        return AsyncTransfers.future(operationId);
    }
}
