package b10.transfer.base;

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
    /** Set by the agent before the loader exists: its classes then go into a named module, given to this callback. */
    private static volatile java.util.function.Consumer<Module> namedModuleUser;

    /** The named module this loader's classes belong to, or null (the loader's unnamed module). */
    private volatile Module module;

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
                    if (packaged(own)) {
                        IsolatedClassLoader isolated = new IsolatedClassLoader(own);
                        java.util.function.Consumer<Module> user = namedModuleUser;
                        if (user != null) {
                            isolated.enterNamedModule(user);
                        }
                        shared = isolated;
                    } else {
                        shared = own;
                    }
                }
                l = shared;
            }
        }
        return l;
    }

    /**
     * Asks that the isolated classes be defined in a named module of their own, which is then handed
     * to {@code user} before any of them loads. JDK 24+ warns when code without native access loads a
     * library, and it keeps one native-access flag for all unnamed modules together: only a named
     * module can be given access without giving it to the host's class path too. No effect once the
     * loader exists.
     */
    public static void useNamedModule(java.util.function.Consumer<Module> user) {
        namedModuleUser = user;
    }

    /** Defines module {@code b10.transfer.isolated} over the prefix's packages; on any failure stays unnamed. */
    private void enterNamedModule(java.util.function.Consumer<Module> user) {
        try {
            if (file == null) {
                return;
            }
            java.util.Set<String> packages = new java.util.TreeSet<>();
            for (java.util.Enumeration<JarEntry> en = file.entries(); en.hasMoreElements(); ) {
                String n = en.nextElement().getName();
                if (n.startsWith(PREFIX) && n.endsWith(".class") && n.lastIndexOf('/') > PREFIX.length()) {
                    String pkg = n.substring(PREFIX.length(), n.lastIndexOf('/')).replace('/', '.');
                    if (!pkg.contains("-")) {
                        packages.add(pkg);
                    }
                }
            }
            java.lang.module.ModuleDescriptor.Builder b = java.lang.module.ModuleDescriptor.newOpenModule(MODULE);
            packages.forEach(b::exports);
            java.lang.module.ModuleDescriptor descriptor = b.build();
            java.lang.module.ModuleReference ref = new java.lang.module.ModuleReference(descriptor, null) {
                @Override
                public java.lang.module.ModuleReader open() {
                    return new PrefixReader();
                }
            };
            java.lang.module.ModuleFinder finder = new java.lang.module.ModuleFinder() {
                @Override
                public java.util.Optional<java.lang.module.ModuleReference> find(String name) {
                    return MODULE.equals(name) ? java.util.Optional.of(ref) : java.util.Optional.empty();
                }

                @Override
                public java.util.Set<java.lang.module.ModuleReference> findAll() {
                    return java.util.Set.of(ref);
                }
            };
            ModuleLayer boot = ModuleLayer.boot();
            java.lang.module.Configuration cf = boot.configuration().resolve(finder, java.lang.module.ModuleFinder.of(),
                    java.util.Set.of(MODULE));
            ModuleLayer.Controller controller = ModuleLayer.defineModules(cf, java.util.List.of(boot), n -> this);
            Module m = controller.layer().findModule(MODULE).orElseThrow();
            // as an unnamed module would: read the JDK's modules and the jar's own classes (ZstdCodec, the probe's types)
            for (Module jdk : boot.modules()) {
                controller.addReads(m, jdk);
            }
            controller.addReads(m, getParent().getUnnamedModule());
            module = m;
            user.accept(m);
        } catch (RuntimeException | LinkageError e) {
            // the unnamed module serves as before; the JVM may then warn when a library loads
        }
    }

    static final String MODULE = "b10.transfer.isolated";

    @Override
    protected boolean inNamedModule(String pkg) {
        Module m = module;
        return m != null && m.getPackages().contains(pkg);
    }

    /** Resources of the named module (zstd-jni and JCuda find their libraries through their classes). */
    @Override
    protected URL findResource(String moduleName, String name) throws IOException {
        return MODULE.equals(moduleName) ? entryUrl(name) : super.findResource(moduleName, name);
    }

    /** The module's contents, as the module system reads them. */
    private final class PrefixReader implements java.lang.module.ModuleReader {
        @Override
        public java.util.Optional<java.net.URI> find(String name) {
            URL u = entryUrl(name);
            try {
                return u == null ? java.util.Optional.empty() : java.util.Optional.of(u.toURI());
            } catch (java.net.URISyntaxException e) {
                return java.util.Optional.empty();
            }
        }

        @Override
        public java.util.stream.Stream<String> list() {
            return file.stream().map(JarEntry::getName).filter(n -> n.startsWith(PREFIX)).map(n -> n.substring(PREFIX.length()));
        }

        @Override
        public void close() {
        }
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
