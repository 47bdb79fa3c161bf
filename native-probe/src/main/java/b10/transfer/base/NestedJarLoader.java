package b10.transfer.base;

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
 * A jar that travels as one entry of the agent jar, loaded child first. Every entry of the agent
 * jar is read by every JVM that starts with the agent, so libraries that only some runs use (the
 * AWS SDK, Byte Buddy) travel this way. Opening one copies the entry to a private temporary file,
 * opens it and deletes the name at once: the open file serves the loader, and nothing is left on
 * disk, even after a kill -9. Classes and resources of the nested jar come first; everything
 * else, our core classes included, comes from the parent.
 */
public final class NestedJarLoader extends ChildFirstLoader {
    static {
        registerAsParallelCapable();
    }

    private final JarFile jar;
    private final String protocol;
    private final URLStreamHandler handler = new URLStreamHandler() {
        @Override
        protected URLConnection openConnection(URL u) throws IOException {
            JarEntry e = jar.getJarEntry(u.getPath().substring(1));
            if (e == null) {
                throw new IOException("no " + u.getPath() + " in " + jar.getName());
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

    private NestedJarLoader(String name, JarFile jar, ClassLoader parent) {
        super(name, parent);
        this.jar = jar;
        this.protocol = name;
    }

    /**
     * Opens {@code nested} (a URL of the agent jar's entry) as the loader {@code name}.
     *
     * @throws IOException where the temporary copy cannot be written ({@code java.io.tmpdir})
     */
    public static ClassLoader open(String name, URL nested, ClassLoader parent) throws IOException {
        Path copy = Files.createTempFile(name, ".jar"); // owner-only, a new name
        try {
            try (InputStream in = nested.openStream()) {
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            return new NestedJarLoader(name, new JarFile(copy.toFile(), false), parent);
        } finally {
            try {
                Files.deleteIfExists(copy);
            } catch (IOException e) {
                copy.toFile().deleteOnExit();
            }
        }
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

    /** Resource URLs read the open file (its name is gone); Byte Buddy reads advice classes so. */
    @Override
    protected URL entryUrl(String path) {
        if (jar.getJarEntry(path) == null) {
            return null;
        }
        try {
            return new URL(protocol, null, -1, "/" + path, handler);
        } catch (MalformedURLException | RuntimeException e) {
            return null; // a security manager may refuse a handler of ours
        }
    }
}
