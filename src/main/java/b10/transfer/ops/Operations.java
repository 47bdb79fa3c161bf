package b10.transfer.ops;

import b10.transfer.Log;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.key.KeyResolver;
import b10.transfer.store.ArchiveStore;
import b10.transfer.store.Stores;

/**
 * The composition root: everything an operation needs, assembled from one {@link Settings} in one
 * place for the agent, the CLI and the library alike (the key, computed at most once per JVM and
 * only when a step needs it; the store; the control with its free-space watch; the time bounds).
 * The agent, the CLI, the library's API and the async registry start their operations here.
 */
public final class Operations {
    /** The environment is the JVM's: its Python, its driver, its device. Resolved once per key mode. */
    private static volatile KeyResolver.Resolved resolved;
    /** Its resolution under way: the Python part read, the driver being asked. */
    private static KeyResolver.Pending pending;

    private final Settings settings;
    private final CacheOperations steps;
    private final java.util.function.Consumer<KeyResolver.Resolved> firstUse;

    private Operations(Settings settings, java.util.function.Consumer<KeyResolver.Resolved> firstUse) {
        this.settings = settings;
        this.firstUse = firstUse;
        this.steps = new CacheOperations(new KeySource() {
            @Override
            public EnvironmentKey key() {
                return environment().key();
            }

            @Override
            public void begin() {
                if (known(settings) == null) {
                    pending(settings);
                }
            }

            @Override
            public boolean guessing() {
                return known(settings) == null && pending(settings).probing();
            }

            @Override
            public EnvironmentKey assuming(String storedText) {
                return known(settings) != null ? null : pending(settings).assuming(storedText);
            }
        }, settings);
    }

    public static Operations of(Settings settings) {
        return new Operations(settings, r -> {
        });
    }

    /** @param firstUse told once, when a step first needs the environment (the agent logs what the probe found) */
    public static Operations of(Settings settings, java.util.function.Consumer<KeyResolver.Resolved> firstUse) {
        return new Operations(settings, firstUse);
    }

    public Settings settings() {
        return settings;
    }

    /** This JVM's environment (key, Python, GPU) under these settings' key mode. */
    public static KeyResolver.Resolved environment(Settings s) {
        KeyResolver.Resolved r = known(s);
        if (r == null) {
            r = pending(s).await();
            resolved = r;
            if (!r.gpu().ok()) {
                Log.get().debug("GPU probe: {}; {}", r.gpu().problem(), r.gpu().unknown() ? "the key is incomplete" : "the key says cpu");
            }
        }
        return r;
    }

    private static KeyResolver.Resolved known(Settings s) {
        KeyResolver.Resolved r = resolved;
        return r != null && r.key().mode() == s.keyMode ? r : null;
    }

    /** The resolution under way for the settings' key mode, started here where none is. */
    private static synchronized KeyResolver.Pending pending(Settings s) {
        if (pending == null || pending.mode() != s.keyMode) {
            pending = KeyResolver.start(s, System.getenv());
        }
        return pending;
    }

    private volatile boolean told;

    public KeyResolver.Resolved environment() {
        KeyResolver.Resolved r = environment(settings);
        if (!told) {
            told = true;
            firstUse.accept(r);
        }
        return r;
    }

    public EnvironmentKey key() {
        return environment().key();
    }

    /** A control for one operation, watching free space as the settings ask (B10_TRANSFER_MIN_FREE_MB). */
    public OperationControl newControl() {
        return OperationControl.of(settings);
    }

    /** Opens the configured store; the caller closes it. */
    public ArchiveStore openStore() {
        return Stores.open(settings);
    }

    /** A load bounded by B10_TRANSFER_LOAD_TIMEOUT_S. */
    public LoadResult load(boolean force, OperationControl control) {
        return steps.loadWithTimeout(force, control);
    }

    /** A load whose caller keeps the bound (the agent's restore, which also bounds the driver probe). */
    public LoadResult loadUnbounded(boolean force, OperationControl control) {
        return steps.load(force, control);
    }

    /**
     * The load's answer where the application already runs because the store held nothing at its
     * start: every step of a load up to the store's check, and never a restore (an archive that
     * arrived meanwhile is SKIPPED, for the next start).
     */
    public LoadResult loadWithoutRestoring(OperationControl control) {
        return steps.load(false, false, control);
    }

    /**
     * A save bounded by B10_TRANSFER_SAVE_TIMEOUT_S: what the key's content lacks, as its base or a layer.
     *
     * @param onlyWhatIsNew the agent's saves: the cache's listing is recorded beside it
     */
    public SaveResult save(OperationControl control, boolean onlyWhatIsNew) {
        return steps.saveWithTimeout(settings.saveTimeout, control, onlyWhatIsNew, false);
    }

    /** A bounded load, its result logged in one line (the library's and the CLI's). */
    public LoadResult loadAndReport(boolean force, OperationControl control) {
        LoadResult r = load(force, control);
        report("load", r.status().name(), r.message(), r.status() == b10.transfer.LoadStatus.ERROR);
        return r;
    }

    /** A bounded save, its result logged in one line (the library's and the CLI's). */
    public SaveResult saveAndReport(OperationControl control) {
        return saveAndReport(control, false);
    }

    /** @param replace the key's content becomes exactly the local cache ({@code save --replace}) */
    public SaveResult saveAndReport(OperationControl control, boolean replace) {
        SaveResult r = steps.saveWithTimeout(settings.saveTimeout, control, false, replace);
        report("save", r.status().name(), r.message(), r.status() == b10.transfer.SaveStatus.ERROR);
        return r;
    }

    private static void report(String op, String status, String message, boolean error) {
        if (error) {
            Log.get().error("{} {}: {}", op, status, message);
        } else {
            Log.get().info("{} {}: {}", op, status, message);
        }
    }

    /** Configuration, key, the key's archive and what this JVM did: {@code info}. */
    public java.util.Map<String, Object> info() {
        KeyResolver.Resolved env = environment();
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("version", b10.transfer.Version.get());
        m.put("local_cache_dir", settings.localCacheDir.toString());
        m.put("store_dir", settings.storeName());
        m.put("key", env.key().text());
        m.put("hash", env.key().hash());
        try (ArchiveStore store = openStore()) {
            ArchiveStore.Content content = store.content(env.key());
            java.util.Optional<ArchiveStore.Stored> found = java.util.Optional.ofNullable(content.base() != null ? content.base()
                    : content.layers().isEmpty() ? null : content.layers().get(content.layers().size() - 1));
            m.put("archive_path", found.map(ArchiveStore.Stored::location).orElse(store.locationFor(env.key(), settings.compression)));
            m.put("archive_exists", found.isPresent());
            m.put("archive_bytes", found.map(ArchiveStore.Stored::size).orElse(null));
            if (found.isPresent()) {
                m.put("archive_signed_by", signerOf(found.get()));
                m.put("layers", content.layers().size());
                m.put("layer_bytes", content.layerBytes());
            }
        } catch (java.io.IOException | RuntimeException e) {
            m.put("archive_exists", false);
            m.put("store_error", CacheOperations.describe("info", e, null));
        }
        m.put("local_cache_exists", java.nio.file.Files.isDirectory(settings.localCacheDir));
        m.put("local_files", countFiles(settings.localCacheDir));
        m.put("components", env.key().components());
        m.put("site_packages", env.python().sitePackages() == null ? null : env.python().sitePackages().toString());
        m.put("gpu", env.gpu().ok() ? env.gpu().facts().toMap() : java.util.Map.of("problem", env.gpu().problem()));
        m.put("gpu_backend", env.gpu().backend());
        m.put("this_jvm", Activity.of(settings.localCacheDir).toMap());
        return m;
    }

    /** The key id the archive names as its signer (verified only by a load with B10_TRANSFER_TRUSTED_KEYS), or "unsigned". */
    private static String signerOf(ArchiveStore.Stored archive) {
        java.util.Map<String, String> side = archive.sideManifest();
        String signer = side != null ? side.get(b10.transfer.archive.ArchiveSignature.SIGNER) : null;
        if (signer == null) {
            // the first frame of a framed archive is at most a little over 4 MiB compressed
            try (java.io.InputStream in = archive.openHead(5 << 20)) {
                signer = b10.transfer.archive.ArchiveListing.header(in).get(b10.transfer.archive.ArchiveSignature.SIGNER);
            } catch (java.io.IOException | RuntimeException e) {
                return "unknown (" + e.getMessage() + ")";
            }
        }
        return signer == null ? "unsigned" : signer;
    }

    /** {@code gc}: removes the keys the retention policy selects; with {@code dryRun}, only names them. */
    public java.util.Map<String, Object> gc(boolean dryRun) {
        try (ArchiveStore store = openStore()) {
            return Retention.run(store, settings, dryRun);
        } catch (java.io.IOException | RuntimeException e) {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("store", settings.storeName());
            m.put("error", CacheOperations.describe("gc", e, null));
            return m;
        }
    }

    /** The store's archives: {@code list}. */
    public java.util.Map<String, Object> list() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("store_dir", settings.storeName());
        m.put("current_key", key().text());
        try (ArchiveStore store = openStore()) {
            java.util.List<java.util.Map<String, Object>> caches = store.list();
            EnvironmentKey mine = key();
            for (java.util.Map<String, Object> c : caches) {
                c.put("current_environment", b10.transfer.store.StoreNames.isOfKey(String.valueOf(c.get("file")), mine));
            }
            m.put("caches", caches);
            m.put("total_caches", caches.size());
        } catch (java.io.IOException | RuntimeException e) {
            m.put("error", "cannot list " + settings.storeName() + ": " + CacheOperations.describe("list", e, null));
        }
        return m;
    }

    /** The cache's files, as a save would see them (b10-transfer's own directory and a lost+found left out). */
    private static long countFiles(java.nio.file.Path dir) {
        return TreeFingerprint.of(dir).sizes().size();
    }
}
