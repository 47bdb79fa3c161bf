package b10.transfer.base;

import java.io.IOException;
import java.net.URL;
import java.util.jar.JarFile;

/**
 * Loads JNA, JCuda, zstd-jni and the classes that use them from a jar nested in the agent jar,
 * child first. JNI libraries cannot be relocated (their native symbols name the Java classes),
 * so instead of shading them we keep them where the application's class path cannot see them
 * and load them here: a host with its own JNA or JCuda gets its own classes, and we get ours.
 * They travel as one stored entry, not as their 386 entries beside ours, because the JVM reads
 * every entry of the agent jar's directory when it opens it, in every JVM the agent starts in
 * (about 8 us each, interpreted): only a run that probes the GPU or decompresses natively opens
 * the nested jar (a copy of 1.6 MB). Where there is no nested jar (running from the module's
 * classes), the parent's copy is used.
 */
public final class IsolatedClassLoader extends NestedJarLoader {
    /** The nested jar's entry in the agent jar. */
    public static final String NESTED = "META-INF/b10-transfer/isolated.jar";

    static {
        registerAsParallelCapable();
    }

    private static volatile ClassLoader shared;
    /** Why there is no isolated loader though the jar has its nested jar (null: there is one, or none is needed). */
    private static volatile String unavailable;
    /** Set by the agent before the loader exists: its classes then go into a named module, given to this callback. */
    private static volatile java.util.function.Consumer<Module> namedModuleUser;

    /** The named module this loader's classes belong to, or null (the loader's unnamed module). */
    private volatile Module module;

    private IsolatedClassLoader(JarFile nested, ClassLoader jar) {
        super("b10-transfer-isolated", nested, jar);
    }

    /** The one isolated loader of this jar, or this jar's own loader where there is no nested jar. */
    public static ClassLoader shared() {
        ClassLoader l = shared;
        if (l == null) {
            synchronized (IsolatedClassLoader.class) {
                if (shared == null) {
                    ClassLoader own = IsolatedClassLoader.class.getClassLoader();
                    URL nested = own.getResource(NESTED);
                    JarFile jar = null;
                    try {
                        jar = nested == null ? null : openCopy("b10-transfer-isolated", nested);
                    } catch (IOException | RuntimeException e) {
                        // java.io.tmpdir cannot take the copy: the natives could not be extracted there either
                        unavailable = "the jar's native libraries could not be copied into java.io.tmpdir ("
                                + System.getProperty("java.io.tmpdir") + "): " + e;
                    }
                    if (jar != null) {
                        IsolatedClassLoader isolated = new IsolatedClassLoader(jar, own);
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

    /** Why the isolated libraries (native zstd, JNA, JCuda) cannot be loaded in this JVM, or null where nothing stands in their way. */
    public static String problem() {
        return unavailable;
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

    /** Defines module {@code b10.transfer.isolated} over the nested jar's packages; on any failure stays unnamed. */
    private void enterNamedModule(java.util.function.Consumer<Module> user) {
        try {
            java.util.Set<String> packages = new java.util.TreeSet<>();
            for (String n : entryNames()) {
                if (n.endsWith(".class") && n.lastIndexOf('/') > 0) {
                    String pkg = n.substring(0, n.lastIndexOf('/')).replace('/', '.');
                    if (!pkg.contains("-") && !pkg.startsWith("META-INF")) {
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

        /** Read here: the URI names our own protocol, which URI.toURL() could not open. */
        @Override
        public java.util.Optional<java.io.InputStream> open(String name) throws IOException {
            return java.util.Optional.ofNullable(entryStream(name));
        }

        @Override
        public java.util.stream.Stream<String> list() {
            return entryNames().stream();
        }

        @Override
        public void close() {
        }
    }
}
