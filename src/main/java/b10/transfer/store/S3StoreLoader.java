package b10.transfer.store;

import b10.transfer.CacheError;
import b10.transfer.base.ChildFirstLoader;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The class loader of the S3 store: the store's classes and the AWS SDK travel as one entry of
 * the agent jar, {@value #ENTRY}, so that the main jar (read by every JVM that starts with the
 * agent) does not grow by their 5,500 entries. The first s3:// operation of a JVM copies that
 * entry to a private temporary file, opens it, and deletes the name at once: the open file serves
 * the loader, and nothing is left on disk, even after a kill -9. Classes and resources of the
 * nested jar come first (a host's own AWS SDK is never used, nor disturbed); everything else,
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
        Path copy = null;
        try {
            copy = Files.createTempFile("b10-transfer-s3-store", ".jar"); // owner-only, a new name
            try (InputStream in = nested.openStream()) {
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            return new NestedJar(new JarFile(copy.toFile(), false), parent);
        } catch (IOException | RuntimeException e) {
            throw new CacheError("cannot unpack the S3 store's classes into " + System.getProperty("java.io.tmpdir")
                    + " (java.io.tmpdir): " + e, e);
        } finally {
            if (copy != null) {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException e) {
                    copy.toFile().deleteOnExit();
                }
            }
        }
    }

    /** Child first over an open jar file whose name is already deleted; resource URLs read the open file. */
    private static final class NestedJar extends ChildFirstLoader {
        static {
            registerAsParallelCapable();
        }

        private final JarFile jar;
        private final URLStreamHandler handler = new URLStreamHandler() {
            @Override
            protected URLConnection openConnection(URL u) throws IOException {
                JarEntry e = jar.getJarEntry(u.getPath().substring(1));
                if (e == null) {
                    throw new IOException("no " + u.getPath() + " in the S3 store's jar");
                }
                return new URLConnection(u) {
                    @Override
                    public void connect() {
                    }

                    @Override
                    public InputStream getInputStream() throws IOException {
                        return jar.getInputStream(e);
                    }

                    @Override
                    public long getContentLengthLong() {
                        return e.getSize();
                    }
                };
            }
        };

        NestedJar(JarFile jar, ClassLoader parent) {
            super("b10-transfer-s3-store", parent);
            this.jar = jar;
        }

        @Override
        protected byte[] entry(String path) throws IOException {
            JarEntry e = jar.getJarEntry(path);
            if (e == null) {
                return null;
            }
            try (InputStream in = jar.getInputStream(e)) {
                return in.readAllBytes();
            }
        }

        @Override
        protected URL entryUrl(String path) {
            if (jar.getJarEntry(path) == null) {
                return null;
            }
            try {
                return new URL("b10-s3-store", null, -1, "/" + path, handler);
            } catch (MalformedURLException | RuntimeException e) {
                return null; // a security manager may refuse a handler of ours
            }
        }
    }
}
