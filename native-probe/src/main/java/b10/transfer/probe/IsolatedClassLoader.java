package b10.transfer.probe;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.security.CodeSource;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads JNA, JCuda, zstd-jni and the classes that use them from a private prefix of the agent jar,
 * child first. JNI libraries cannot be relocated (their native symbols name the Java classes),
 * so instead of shading them we keep them where the application's class path cannot see them
 * and load them here: a host with its own JNA or JCuda gets its own classes, and we get ours.
 * Where the prefix is absent (running from the module's classes), the parent's copy is used.
 * Entries are read from the jar file directly, opened once: a lookup through the class path
 * would search every jar of a host's class path before ours, for each class.
 */
public final class IsolatedClassLoader extends ChildFirstLoader {
    public static final String PREFIX = "META-INF/b10-transfer/isolated/";

    static {
        registerAsParallelCapable();
    }

    private static volatile ClassLoader shared;

    private final ClassLoader jar;
    /** This jar, opened once; null where it cannot be (then entries are looked up through {@link #jar}). */
    private final JarFile file;
    private final String fileUrl;

    public IsolatedClassLoader(ClassLoader jar) {
        super("b10-transfer-isolated", jar);
        this.jar = jar;
        File own = ownJar();
        JarFile f = null;
        try {
            f = own == null ? null : new JarFile(own, false);
        } catch (IOException | RuntimeException e) {
            // read through the parent instead
        }
        this.file = f;
        this.fileUrl = own == null ? null : own.toURI().toString();
    }

    private static File ownJar() {
        try {
            CodeSource cs = IsolatedClassLoader.class.getProtectionDomain().getCodeSource();
            File f = cs == null || cs.getLocation() == null ? null : new File(cs.getLocation().toURI());
            return f != null && f.isFile() ? f : null;
        } catch (Exception e) {
            return null;
        }
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
    protected byte[] entry(String path) throws IOException {
        if (file != null) {
            JarEntry e = file.getJarEntry(PREFIX + path);
            if (e == null) {
                return null;
            }
            try (InputStream in = file.getInputStream(e)) {
                return in.readAllBytes();
            }
        }
        URL url = jar.getResource(PREFIX + path);
        if (url == null) {
            return null;
        }
        try (InputStream in = url.openStream()) {
            return in.readAllBytes();
        }
    }

    @Override
    protected URL entryUrl(String path) {
        if (file == null) {
            return jar.getResource(PREFIX + path);
        }
        if (file.getJarEntry(PREFIX + path) == null) {
            return null;
        }
        try {
            return new URL("jar:" + fileUrl + "!/" + PREFIX + path);
        } catch (MalformedURLException e) {
            return jar.getResource(PREFIX + path);
        }
    }
}
