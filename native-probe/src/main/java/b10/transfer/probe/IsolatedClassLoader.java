package b10.transfer.probe;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;

/**
 * Loads JNA, JCuda, zstd-jni and the classes that use them from a private prefix of the agent jar,
 * child first. JNI libraries cannot be relocated (their native symbols name the Java classes),
 * so instead of shading them we keep them where the application's class path cannot see them
 * and load them here: a host with its own JNA or JCuda gets its own classes, and we get ours.
 * Where the prefix is absent (running from the module's classes), the parent's copy is used.
 */
public final class IsolatedClassLoader extends ClassLoader {
    public static final String PREFIX = "META-INF/b10-transfer/isolated/";

    static {
        registerAsParallelCapable();
    }

    private static volatile ClassLoader shared;

    private final ClassLoader jar;

    public IsolatedClassLoader(ClassLoader jar) {
        super("b10-transfer-isolated", jar);
        this.jar = jar;
    }

    /** The one isolated loader of this jar, or this jar's own loader where there is no prefix. */
    public static ClassLoader shared() {
        ClassLoader l = shared;
        if (l == null) {
            synchronized (IsolatedClassLoader.class) {
                if (shared == null) {
                    ClassLoader own = IsolatedClassLoader.class.getClassLoader();
                    shared = packaged(own) ? new IsolatedClassLoader(own) : own;
                }
                l = shared;
            }
        }
        return l;
    }

    /** True when this jar carries the isolated prefix (the packaged agent jar). */
    public static boolean packaged(ClassLoader jar) {
        return jar.getResource(PREFIX + "com/sun/jna/Native.class") != null;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                URL url = jar.getResource(PREFIX + name.replace('.', '/') + ".class");
                c = url != null ? define(name, url) : super.loadClass(name, false);
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    private Class<?> define(String name, URL url) throws ClassNotFoundException {
        try (InputStream in = url.openStream()) {
            byte[] bytes = in.readAllBytes();
            int dot = name.lastIndexOf('.');
            if (dot > 0) {
                String pkg = name.substring(0, dot);
                if (getDefinedPackage(pkg) == null) {
                    try {
                        definePackage(pkg, null, null, null, null, null, null, null);
                    } catch (IllegalArgumentException raced) {
                        // defined by a parallel load of another class of the package
                    }
                }
            }
            return defineClass(name, bytes, 0, bytes.length);
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
    }

    @Override
    public URL getResource(String name) {
        URL own = jar.getResource(PREFIX + name);
        return own != null ? own : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        URL own = jar.getResource(PREFIX + name);
        return own != null ? Collections.enumeration(Collections.singletonList(own)) : super.getResources(name);
    }
}
