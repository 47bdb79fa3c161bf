package b10.transfer;

import b10.transfer.async.AsyncTransfers;
import b10.transfer.async.TransferOptions;
import b10.transfer.async.TransferProgress;
import b10.transfer.config.Settings;
import b10.transfer.key.KeyResolver;
import b10.transfer.ops.Activity;
import b10.transfer.ops.CacheOperations;
import b10.transfer.ops.Operations;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.OperationControl;
import b10.transfer.ops.SaveResult;
import b10.transfer.store.ArchiveStore;
import b10.transfer.store.Stores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
        return load(Settings.fromEnvironment(), false).status();
    }

    /** Archives the local cache and publishes it to the store under this environment's key. */
    public static SaveStatus saveCompileCache() {
        return save(Settings.fromEnvironment()).status();
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

    public static Map<String, Object> getCacheInfo() {
        return info(Settings.fromEnvironment());
    }

    public static Map<String, Object> listAvailableCaches() {
        return list(Settings.fromEnvironment());
    }

    // ---- the same, for explicit settings (used by the CLI and the agent) ----

    /** This JVM's environment (key, Python, GPU), computed once per JVM and key mode. */
    public static KeyResolver.Resolved environment(Settings s) {
        return Operations.environment(s);
    }

    public static LoadResult load(Settings s, boolean force) {
        return load(s, force, newControl(s));
    }

    public static LoadResult load(Settings s, boolean force, OperationControl control) {
        LoadResult r = Operations.of(s).load(force, control);
        logResult("load", r.status().name(), r.message(), r.status() == LoadStatus.ERROR);
        return r;
    }

    public static SaveResult save(Settings s) {
        return save(s, newControl(s));
    }

    public static SaveResult save(Settings s, OperationControl control) {
        SaveResult r = Operations.of(s).save(control, false);
        logResult("save", r.status().name(), r.message(), r.status() == SaveStatus.ERROR);
        return r;
    }

    // ---- asynchronous operations (the seed's async API) ----

    /** Starts {@link #loadCompileCache()} on a daemon thread and returns its operation id at once. */
    public static String loadCompileCacheAsync() {
        return loadCompileCacheAsync(null);
    }

    /** @param progressCallback receives progress lines, off the transfer's thread; may be null */
    public static String loadCompileCacheAsync(Consumer<String> progressCallback) {
        return loadAsync(Settings.fromEnvironment(), false, progressCallback);
    }

    public static String saveCompileCacheAsync() {
        return saveCompileCacheAsync(null);
    }

    public static String saveCompileCacheAsync(Consumer<String> progressCallback) {
        return saveAsync(Settings.fromEnvironment(), progressCallback);
    }

    public static String loadAsync(Settings s, boolean force, Consumer<String> progressCallback) {
        return AsyncTransfers.start("load", newControl(s), c -> {
            LoadResult r = load(s, force, c);
            return new AsyncTransfers.Outcome(r.status() == LoadStatus.ERROR, r.status() + ": " + r.message(), r.error());
        }, progressCallback);
    }

    public static String saveAsync(Settings s, Consumer<String> progressCallback) {
        return AsyncTransfers.start("save", newControl(s), c -> {
            SaveResult r = save(s, c);
            return new AsyncTransfers.Outcome(r.status() == SaveStatus.ERROR, r.status() + ": " + r.message(), r.error());
        }, progressCallback);
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

    public static boolean isTransferComplete(String operationId) {
        TransferProgress p = AsyncTransfers.status(operationId);
        return p != null && p.status().finished();
    }

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

    public static Map<String, TransferProgress> listActiveTransfers() {
        return AsyncTransfers.active();
    }

    /** The operation as a future, completed with its final state (whatever the status). */
    public static CompletableFuture<TransferProgress> transferFuture(String operationId) {
        return AsyncTransfers.future(operationId);
    }

    /** A control for one operation, watching free space as the settings ask (B10_TRANSFER_MIN_FREE_MB). */
    public static OperationControl newControl(Settings s) {
        return Operations.of(s).newControl();
    }

    static void logResult(String op, String status, String message, boolean error) {
        if (error) {
            Log.get().error("{} {}: {}", op, status, message);
        } else {
            Log.get().info("{} {}: {}", op, status, message);
        }
    }

    public static Map<String, Object> info(Settings s) {
        KeyResolver.Resolved env = environment(s);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", Version.get());
        m.put("local_cache_dir", s.localCacheDir.toString());
        m.put("store_dir", s.storeName());
        m.put("key", env.key().text());
        m.put("hash", env.key().hash());
        try (ArchiveStore store = Operations.of(s).openStore()) {
            Optional<ArchiveStore.Stored> found = store.find(env.key());
            m.put("archive_path", found.map(ArchiveStore.Stored::location).orElse(store.locationFor(env.key(), s.compression)));
            m.put("archive_exists", found.isPresent());
            m.put("archive_bytes", found.map(ArchiveStore.Stored::size).orElse(null));
            if (found.isPresent()) {
                m.put("archive_signed_by", signerOf(found.get()));
            }
        } catch (IOException | RuntimeException e) {
            m.put("archive_exists", false);
            m.put("store_error", CacheOperations.describe("info", e, null));
        }
        m.put("local_cache_exists", Files.isDirectory(s.localCacheDir));
        m.put("local_files", countFiles(s.localCacheDir));
        m.put("components", env.key().components());
        m.put("site_packages", env.python().sitePackages() == null ? null : env.python().sitePackages().toString());
        m.put("gpu", env.gpu().ok() ? env.gpu().facts().toMap() : Map.of("problem", env.gpu().problem()));
        m.put("gpu_backend", env.gpu().backend());
        m.put("this_jvm", Activity.of(s.localCacheDir).toMap());
        return m;
    }

    /** The key id the archive names as its signer (verified only by a load with B10_TRANSFER_TRUSTED_KEYS), or "unsigned". */
    private static String signerOf(ArchiveStore.Stored archive) {
        Map<String, String> side = archive.sideManifest();
        String signer = side != null ? side.get(b10.transfer.archive.ArchiveSignature.SIGNER) : null;
        if (signer == null) {
            try (java.io.InputStream in = archive.open(b10.transfer.archive.TransferControl.NONE)) {
                signer = b10.transfer.archive.ArchiveListing.header(in).get(b10.transfer.archive.ArchiveSignature.SIGNER);
            } catch (IOException | RuntimeException e) {
                return "unknown (" + e.getMessage() + ")";
            }
        }
        return signer == null ? "unsigned" : signer;
    }

    public static Map<String, Object> list(Settings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("store_dir", s.storeName());
        m.put("current_key", environment(s).key().text());
        try (ArchiveStore store = Operations.of(s).openStore()) {
            List<Map<String, Object>> caches = store.list();
            b10.transfer.key.EnvironmentKey mine = environment(s).key();
            for (Map<String, Object> c : caches) {
                c.put("current_environment", b10.transfer.store.StoreNames.isOfKey(String.valueOf(c.get("file")), mine));
            }
            m.put("caches", caches);
            m.put("total_caches", caches.size());
        } catch (IOException | RuntimeException e) {
            m.put("error", "cannot list " + s.storeName() + ": " + CacheOperations.describe("list", e, null));
        }
        return m;
    }

    private static long countFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
