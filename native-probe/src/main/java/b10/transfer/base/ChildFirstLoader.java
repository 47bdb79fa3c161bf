package b10.transfer.base;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.util.Collections;
import java.util.Enumeration;

/**
 * A class loader that looks in its own entries first and asks its parent only for what they do
 * not hold: our copies of libraries win over a host's copies of the same names. Subclasses say
 * where the entries are.
 */
public abstract class ChildFirstLoader extends ClassLoader {
    static {
        registerAsParallelCapable();
    }

    /**
     * Reads our resource URLs: made at the first resource asked for, not with the loader, since
     * linking it loads URLConnection and its connection class (about 1 ms of a JVM's start, on the
     * agent's path before main, where no resource is asked for).
     */
    private volatile URLStreamHandler handler;

    /** Reads our resource URLs: their protocol is the loader's name, their path an entry's. */
    private static final class EntryHandler extends URLStreamHandler {
        private final ChildFirstLoader loader;

        private EntryHandler(ChildFirstLoader loader) {
            this.loader = loader;
        }

        /** Typed as the JDK's class, so that verifying the caller does not load this one. */
        static URLStreamHandler of(ChildFirstLoader loader) {
            return new EntryHandler(loader);
        }

        @Override
        protected URLConnection openConnection(URL u) {
            String path = u.getPath().substring(1);
            return new URLConnection(u) {
                @Override
                public void connect() {
                }

                @Override
                public InputStream getInputStream() throws IOException {
                    InputStream in = loader.entryStream(path);
                    if (in == null) {
                        throw new IOException("no " + path + " in " + loader.getName());
                    }
                    return in;
                }

                @Override
                public long getContentLengthLong() {
                    return loader.entrySize(path);
                }
            };
        }
    }

    protected ChildFirstLoader(String name, ClassLoader parent) {
        super(name, parent);
    }

    /** The bytes of one of our entries ({@code a/b/C.class}), or null where we have none of that name. */
    protected abstract byte[] entry(String path) throws IOException;

    /** Whether we hold an entry of that name. */
    protected abstract boolean holds(String path);

    /** A stream of one of our entries, or null; by default over {@link #entry}'s bytes. */
    protected InputStream entryStream(String path) throws IOException {
        byte[] bytes = entry(path);
        return bytes == null ? null : new ByteArrayInputStream(bytes);
    }

    /** The entry's size where it is known without reading it, else -1. */
    protected long entrySize(String path) {
        return -1;
    }

    /** A URL that reads one of our entries, or null where we have none of that name. */
    protected final URL entryUrl(String path) {
        if (!holds(path)) {
            return null;
        }
        URLStreamHandler h = handler;
        if (h == null) {
            h = EntryHandler.of(this); // two made at once are alike: the URL keeps its own
            handler = h;
        }
        try {
            return new URL(getName(), null, -1, "/" + path, h);
        } catch (MalformedURLException | RuntimeException e) {
            return null; // a security manager may refuse a handler of ours
        }
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        ClassLoader parent = getParent();
        if (parent != null && name.startsWith("java.")) {
            // only the JDK defines java.*: straight to the parent, without our lock and look-up (each
            // of our classes resolves dozens of these, interpreted at a JVM's start)
            return parent.loadClass(name);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                byte[] bytes;
                try {
                    bytes = entry(name.replace('.', '/') + ".class");
                } catch (IOException e) {
                    throw new ClassNotFoundException(name, e);
                }
                c = bytes != null ? define(name, bytes) : super.loadClass(name, false);
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    /** True for a package of a named module defined to this loader: the module system defines it, not we. */
    protected boolean inNamedModule(String pkg) {
        return false;
    }

    private Class<?> define(String name, byte[] bytes) {
        int dot = name.lastIndexOf('.');
        if (dot > 0) {
            String pkg = name.substring(0, dot);
            if (!inNamedModule(pkg) && getDefinedPackage(pkg) == null) {
                try {
                    definePackage(pkg, null, null, null, null, null, null, null);
                } catch (IllegalArgumentException raced) {
                    // defined by a parallel load of another class of the package
                }
            }
        }
        return defineClass(name, bytes, 0, bytes.length);
    }

    @Override
    public URL getResource(String name) {
        URL own = entryUrl(name);
        return own != null ? own : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        URL own = entryUrl(name);
        return own != null ? Collections.enumeration(Collections.singletonList(own)) : super.getResources(name);
    }
}
