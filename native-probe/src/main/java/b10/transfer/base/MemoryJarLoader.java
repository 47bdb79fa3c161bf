package b10.transfer.base;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;

/**
 * A nested jar read whole into memory, loaded child first: the fallback where its copy cannot be
 * written (an unwritable or full java.io.tmpdir). It costs every entry inflated up front, which the
 * file-backed {@link NestedJarLoader} reads only when asked for.
 */
final class MemoryJarLoader extends ChildFirstLoader {
    static {
        registerAsParallelCapable();
    }

    private final Map<String, byte[]> entries;
    private final String protocol;
    private final URLStreamHandler handler = new URLStreamHandler() {
        @Override
        protected URLConnection openConnection(URL u) throws IOException {
            byte[] bytes = entries.get(u.getPath().substring(1));
            if (bytes == null) {
                throw new IOException("no " + u.getPath() + " in " + protocol);
            }
            return new URLConnection(u) {
                @Override
                public void connect() {
                }

                @Override
                public InputStream getInputStream() {
                    return new ByteArrayInputStream(bytes);
                }

                @Override
                public long getContentLengthLong() {
                    return bytes.length;
                }
            };
        }
    };

    private MemoryJarLoader(String name, Map<String, byte[]> entries, ClassLoader parent) {
        super(name, parent);
        this.entries = entries;
        this.protocol = name;
    }

    static ClassLoader read(String name, InputStream nested, ClassLoader parent) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (JarInputStream in = new JarInputStream(nested, false)) {
            for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                if (!e.isDirectory()) {
                    entries.put(e.getName(), in.readAllBytes());
                }
            }
        }
        return new MemoryJarLoader(name, entries, parent);
    }

    @Override
    protected byte[] entry(String path) {
        return entries.get(path);
    }

    @Override
    protected URL entryUrl(String path) {
        if (!entries.containsKey(path)) {
            return null;
        }
        try {
            return new URL(protocol, null, -1, "/" + path, handler);
        } catch (MalformedURLException | RuntimeException e) {
            return null;
        }
    }
}
