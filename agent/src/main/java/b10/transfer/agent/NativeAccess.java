package b10.transfer.agent;

import b10.transfer.Log;
import b10.transfer.base.IsolatedClassLoader;
import java.lang.instrument.Instrumentation;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * From JDK 24 the JVM warns on the host's standard error when code without native access loads a
 * library: native zstd, and the GPU probe's JNA or JCuda binding, all loaded by the isolated
 * loader. The JDK keeps one native-access flag for all unnamed modules together, so the agent has
 * the isolated classes defined in a named module of their own, opens java.lang to that module
 * alone through the instrumentation API, and lets it enable native access for itself: the host's
 * modules and class path are left as they were. Where that fails (or for the Panama probe, which
 * runs in the jar's own loader), the agent says once which flag silences the JVM's warning.
 */
final class NativeAccess {
    private static final AtomicBoolean ADVISED = new AtomicBoolean();
    private static volatile boolean deniedAtStart;
    private static volatile boolean isolatedGranted;

    private NativeAccess() {
    }

    /** Reads, before anything of ours loads a library, whether the jar's own (unnamed) module has native access. */
    static void recordAtStart(Instrumentation inst) {
        if (Runtime.version().feature() < 24) {
            return;
        }
        try {
            Object enabled = Module.class.getMethod("isNativeAccessEnabled").invoke(NativeAccess.class.getModule());
            deniedAtStart = Boolean.FALSE.equals(enabled);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return; // not knowable here: say nothing later
        }
        if (deniedAtStart && inst != null) {
            IsolatedClassLoader.useNamedModule(m -> grant(inst, m));
        }
    }

    private static void grant(Instrumentation inst, Module isolated) {
        try {
            inst.redefineModule(Object.class.getModule(), Set.of(), Map.of(), Map.of("java.lang", Set.of(isolated)),
                    Set.of(), Map.of());
            Object ok = Class.forName("b10.transfer.probe.grant.OwnNativeAccess", true, isolated.getClassLoader())
                    .getMethod("enable").invoke(null);
            isolatedGranted = Boolean.TRUE.equals(ok);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // the JVM's warning and our advice, as before
        }
    }

    /**
     * @param isolatedLoaded whether this JVM loaded a library through the isolated loader (zstd, JNA, JCuda)
     * @param panamaLoaded   whether the Panama probe called the driver
     */
    static void adviseIfNeeded(boolean isolatedLoaded, boolean panamaLoaded) {
        boolean warned = panamaLoaded || (isolatedLoaded && !isolatedGranted);
        if (deniedAtStart && warned && ADVISED.compareAndSet(false, true)) {
            Log.get().info("add --enable-native-access=ALL-UNNAMED to the java command line to silence the JVM's"
                    + " native-access warning (the GPU probe and native zstd load libraries)");
        }
    }
}
