package b10.transfer.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * Puts {@code b10.transfer.bootstrap.Hooks} on the bootstrap class path, where instrumented code in
 * any class loader, the JDK's own ProcessBuilder included, can reach it, and lets java.base read
 * the module it lands in. Done once, and only when an instrumenting feature is configured.
 */
final class BootstrapInjector {
    static final String HOOKS = "b10.transfer.bootstrap.Hooks";
    private static Class<?> hooks;

    private BootstrapInjector() {
    }

    static synchronized Class<?> inject(Instrumentation inst) throws IOException, ClassNotFoundException {
        if (hooks != null) {
            return hooks;
        }
        String resource = HOOKS.replace('.', '/') + ".class";
        byte[] bytes;
        try (InputStream in = BootstrapInjector.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is missing from the agent jar");
            }
            bytes = in.readAllBytes();
        }
        Path jar = Files.createTempFile("b10-transfer-hooks-", ".jar");
        jar.toFile().deleteOnExit();
        try (OutputStream f = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(f)) {
            out.putNextEntry(new JarEntry(resource));
            out.write(bytes);
            out.closeEntry();
        }
        inst.appendToBootstrapClassLoaderSearch(new JarFile(jar.toFile()));
        Class<?> c = Class.forName(HOOKS, true, null);
        inst.redefineModule(Object.class.getModule(), Set.of(c.getModule()), Map.of(), Map.of(), Set.of(), Map.of());
        hooks = c;
        return c;
    }

    /** Sets one of the Hooks' static fields. */
    static void set(Instrumentation inst, String field, Runnable value) throws Exception {
        inject(inst).getField(field).set(null, value);
    }
}
