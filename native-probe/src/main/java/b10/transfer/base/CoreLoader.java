package b10.transfer.base;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The loader of b10-transfer's implementation. In the agent jar it travels as one nested jar,
 * {@value #NESTED}, with the libraries it uses: the JVM reads every entry at the top of a
 * -javaagent jar at every start, a disabled agent's too (about 7 us each, interpreted), so the top
 * holds only what must be shared with the host or is needed before the implementation: the agent's
 * entry point, the API's types, the process hook and these loaders (45 entries, from 616).
 * Where there is no nested jar (the core library on a class path, the modules' own tests) the
 * implementation is this class's loader's own.
 */
public final class CoreLoader {
    /** The nested jar's entry in the agent jar. */
    public static final String NESTED = "META-INF/b10-transfer/core.jar";
    private static final String NAME = "b10-transfer-core";
    private static volatile ClassLoader loader;

    private CoreLoader() {
    }

    /**
     * The one loader of the implementation in this JVM: the nested jar read where it lies in the
     * agent jar, or this class's own loader where there is no nested jar.
     *
     * @throws IOException where the nested jar cannot be read at all
     */
    public static ClassLoader get() throws IOException {
        ClassLoader l = loader;
        if (l == null) {
            synchronized (CoreLoader.class) {
                l = loader;
                if (l == null) {
                    l = open(CoreLoader.class.getClassLoader());
                    loader = l;
                }
            }
        }
        return l;
    }

    /** A class of the implementation, initialized. */
    public static Class<?> load(String name) throws IOException, ClassNotFoundException {
        return Class.forName(name, true, get());
    }

    /**
     * The nested jar is read where it lies in this class's own jar (it is stored: its bytes are
     * contiguous there), found by its code source, not by ClassLoader.getResource: the system loader
     * looks for a resource in every module of the runtime image first (about 5 ms at a JVM's start).
     * Where it cannot be read in place (a repacked jar that compressed it), it is copied to
     * java.io.tmpdir as the other nested jars are, or held in memory where that cannot be written.
     */
    private static ClassLoader open(ClassLoader own) throws IOException {
        Path outer = ownJar();
        if (outer == null) {
            return own;
        }
        try {
            ClassLoader inPlace = JarRegionLoader.inPlace(NAME, outer, NESTED, own);
            return inPlace != null ? inPlace : own;
        } catch (IOException | RuntimeException notInPlace) {
            // read through the JDK's zip below
        }
        try (JarFile jar = new JarFile(outer.toFile(), false)) {
            JarEntry nested = jar.getJarEntry(NESTED);
            if (nested == null) {
                return own;
            }
            try (InputStream in = jar.getInputStream(nested)) {
                return NestedJarLoader.open(NAME, in, own);
            } catch (IOException | RuntimeException e) {
                try (InputStream in = jar.getInputStream(nested)) {
                    return JarRegionLoader.read(NAME, in, nested.getSize(), own); // java.io.tmpdir cannot take the copy
                }
            }
        }
    }

    /** The jar this class was loaded from, or null (a classes directory, no code source). */
    private static Path ownJar() {
        CodeSource source = CoreLoader.class.getProtectionDomain().getCodeSource();
        URL at = source == null ? null : source.getLocation();
        if (at == null || !"file".equals(at.getProtocol()) || !at.getPath().endsWith(".jar")) {
            return null;
        }
        try {
            // a path without escapes is the file's own (Path.of(URI) costs about 1.5 ms at a JVM's start)
            return at.getPath().indexOf('%') < 0 ? Path.of(at.getPath()) : Path.of(at.toURI());
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
