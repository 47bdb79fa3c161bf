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
 * Nothing else builds a {@link CacheOperations}, an {@link OperationControl} or a store from settings.
 */
public final class Operations {
    /** The environment is the JVM's: its Python, its driver, its device. Resolved once per key mode. */
    private static volatile KeyResolver.Resolved resolved;

    private final Settings settings;
    private final CacheOperations steps;
    private final java.util.function.Consumer<KeyResolver.Resolved> firstUse;

    private Operations(Settings settings, java.util.function.Consumer<KeyResolver.Resolved> firstUse) {
        this.settings = settings;
        this.firstUse = firstUse;
        this.steps = new CacheOperations(settings, () -> environment().key());
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
        KeyResolver.Resolved r = resolved;
        if (r == null || r.key().mode() != s.keyMode) {
            r = KeyResolver.resolve(s, System.getenv());
            resolved = r;
            if (!r.gpu().ok()) {
                Log.get().debug("GPU probe: {}; the key says cpu", r.gpu().problem());
            }
        }
        return r;
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
     * A save bounded by B10_TRANSFER_SAVE_TIMEOUT_S.
     *
     * @param onlyWhatIsNew publish only when the local cache holds files the store's archive lacks (the agent's rule)
     */
    public SaveResult save(OperationControl control, boolean onlyWhatIsNew) {
        return steps.saveWithTimeout(settings.saveTimeout, control, onlyWhatIsNew);
    }
}
