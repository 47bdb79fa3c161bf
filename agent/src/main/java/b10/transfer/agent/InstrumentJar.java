package b10.transfer.agent;

import b10.transfer.base.NestedJarLoader;
import java.lang.instrument.Instrumentation;
import java.net.URL;

/**
 * The agent's way to Byte Buddy, which travels as one entry of the jar ({@value #ENTRY}, built by
 * the instrument module) and is opened only when a method trigger or the background mode's process
 * gate is configured. JDK types only cross: the installers are called by reflection, and what they
 * inline calls {@link Hooks} through the system class loader.
 */
final class InstrumentJar {
    static final String ENTRY = "META-INF/b10-transfer/instrument.jar";
    private static ClassLoader loader;

    private InstrumentJar() {
    }

    /** Holds ProcessBuilder.start in {@link Hooks#beforeProcessStart} (set by the caller first). */
    static void holdProcessStarts(Instrumentation inst) throws ReflectiveOperationException, java.io.IOException {
        Class.forName("b10.transfer.instrument.ProcessGate", true, loader())
                .getMethod("install", Instrumentation.class).invoke(null, inst);
    }

    /** Calls {@link Hooks#afterMethod} (set by the caller first) when {@code type#method} returns normally. */
    static void triggerAfter(Instrumentation inst, String type, String method) throws ReflectiveOperationException, java.io.IOException {
        Class.forName("b10.transfer.instrument.MethodTrigger", true, loader())
                .getMethod("install", Instrumentation.class, String.class, String.class).invoke(null, inst, type, method);
    }

    private static synchronized ClassLoader loader() throws java.io.IOException {
        if (loader == null) {
            ClassLoader own = InstrumentJar.class.getClassLoader();
            URL nested = own.getResource(ENTRY);
            // without the entry (the module's own classes) the installers must be on the class path
            loader = nested == null ? own : NestedJarLoader.open("b10-transfer-instrument", nested, own);
        }
        return loader;
    }
}
