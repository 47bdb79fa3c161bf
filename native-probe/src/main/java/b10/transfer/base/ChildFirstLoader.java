package b10.transfer.base;

import java.io.IOException;
import java.net.URL;
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

    protected ChildFirstLoader(String name, ClassLoader parent) {
        super(name, parent);
    }

    /** The bytes of one of our entries ({@code a/b/C.class}), or null where we have none of that name. */
    protected abstract byte[] entry(String path) throws IOException;

    /** A URL that reads one of our entries, or null where we have none of that name. */
    protected abstract URL entryUrl(String path);

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
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
