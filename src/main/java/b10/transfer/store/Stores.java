package b10.transfer.store;

import b10.transfer.CacheError;
import b10.transfer.config.Settings;
import b10.transfer.config.StoreLocation;
import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import java.util.function.Function;

/**
 * Opens the configured store: the location's scheme picks the factory, so a third backend is one
 * module and one entry here. The S3 store and the AWS SDK are loaded only when an s3:// store is
 * configured, in their own child-first loader.
 */
public final class Stores {
    static final String S3_STORE = "b10.transfer.s3.S3Store";

    private static final Map<String, Function<Settings, ArchiveStore>> FACTORIES = Map.of(
            "file", s -> {
                StoreLocation.Directory d = (StoreLocation.Directory) s.store;
                return new FileStore(d.dir(), d.setting(), s.keyMode, s.clock);
            },
            "s3", s -> isolated(S3_STORE, s));

    private Stores() {
    }

    public static ArchiveStore open(Settings settings) {
        Function<Settings, ArchiveStore> factory = FACTORIES.get(settings.store.scheme());
        if (factory == null) {
            throw new CacheError("no store for the scheme " + settings.store.scheme() + " of " + settings.store.uri());
        }
        return factory.apply(settings);
    }

    /** A store whose classes and dependencies live in the jar's isolated part (kept apart from a host's own copies). */
    private static ArchiveStore isolated(String className, Settings settings) {
        ClassLoader loader = S3StoreLoader.get();
        Thread self = Thread.currentThread();
        ClassLoader before = self.getContextClassLoader();
        self.setContextClassLoader(loader);
        try {
            Class<?> c = Class.forName(className, true, loader);
            return (ArchiveStore) c.getConstructor(Settings.class).newInstance(settings);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new CacheError("cannot open store " + settings.store.uri() + ": " + cause, cause);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new CacheError("the S3 store is not in this jar (" + e + "): use the packaged b10-transfer.jar", e);
        } finally {
            self.setContextClassLoader(before);
        }
    }

    /** Closes quietly: a store that cannot release its connections must not fail the operation. */
    public static void close(ArchiveStore store) {
        if (store != null) {
            try {
                store.close();
            } catch (RuntimeException e) {
                // connections are released with the process at worst
            }
        }
    }
}
