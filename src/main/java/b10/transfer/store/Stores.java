package b10.transfer.store;

import b10.transfer.CacheError;
import b10.transfer.config.Settings;
import java.lang.reflect.InvocationTargetException;

/** Opens the configured store. The S3 store and the AWS SDK are loaded only when an s3:// store is configured. */
public final class Stores {
    static final String S3_STORE = "b10.transfer.s3.S3Store";

    private Stores() {
    }

    public static ArchiveStore open(Settings settings) {
        if (settings.s3 == null) {
            return new FileStore(settings.storeDir, settings.storeSetting, settings.keyMode);
        }
        // child first: the SDK is kept apart from a host's own AWS SDK
        ClassLoader loader = S3StoreLoader.get();
        Thread self = Thread.currentThread();
        ClassLoader before = self.getContextClassLoader();
        self.setContextClassLoader(loader);
        try {
            Class<?> c = Class.forName(S3_STORE, true, loader);
            return (ArchiveStore) c.getConstructor(Settings.class).newInstance(settings);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new CacheError("cannot open store " + settings.s3.uri() + ": " + cause, cause);
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
