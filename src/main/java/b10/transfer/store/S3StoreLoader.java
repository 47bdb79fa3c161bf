package b10.transfer.store;

import b10.transfer.CacheError;
import b10.transfer.base.NestedJarLoader;
import java.io.IOException;
import java.net.URL;

/**
 * The class loader of the S3 store: the store's classes and the AWS SDK travel as one entry of
 * the agent jar, {@value #ENTRY}, so that the main jar (read by every JVM that starts with the
 * agent) does not grow by their 5,500 entries. The first s3:// operation of a JVM opens it (see
 * {@link NestedJarLoader}): a host's own AWS SDK is never used, nor disturbed; everything else,
 * our core classes included, comes from the agent jar.
 */
final class S3StoreLoader {
    static final String ENTRY = "META-INF/b10-transfer/s3-store.jar";
    private static ClassLoader loader;

    private S3StoreLoader() {
    }

    static synchronized ClassLoader get() {
        if (loader == null) {
            ClassLoader own = S3StoreLoader.class.getClassLoader();
            URL nested = own.getResource(ENTRY);
            // without the entry (the modules' own classes, in their tests) the store is on the class path
            loader = nested == null ? own : open(nested, own);
        }
        return loader;
    }

    private static ClassLoader open(URL nested, ClassLoader parent) {
        try {
            return NestedJarLoader.open("b10-transfer-s3-store", nested, parent);
        } catch (IOException | RuntimeException e) {
            throw new CacheError("cannot unpack the S3 store's classes into " + System.getProperty("java.io.tmpdir")
                    + " (java.io.tmpdir): " + e, e);
        }
    }
}
