package b10.transfer.agent;

import b10.transfer.Log;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * From JDK 24 the JVM warns when code without native access calls a restricted method, which the
 * GPU probe does (Panama's downcalls, JNA's and JCuda's System.load) and so does native zstd
 * (zstd-jni's System.load). An agent cannot grant itself access, so it says once which flag does.
 * The state is read at start: after its warning the JVM enables the unnamed modules, so a check
 * after the first native load would always find access enabled.
 */
final class NativeAccess {
    private static final AtomicBoolean ADVISED = new AtomicBoolean();
    private static volatile boolean deniedAtStart;

    private NativeAccess() {
    }

    /** Reads, before anything of ours loads a library, whether our (unnamed) module has native access. */
    static void recordAtStart() {
        if (Runtime.version().feature() < 24) {
            return;
        }
        try {
            Object enabled = Module.class.getMethod("isNativeAccessEnabled").invoke(NativeAccess.class.getModule());
            deniedAtStart = Boolean.FALSE.equals(enabled);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not knowable here: say nothing later
        }
    }

    /** @param loadedLibrary whether this JVM loaded a native library of ours (driver binding or zstd) */
    static void adviseIfNeeded(boolean loadedLibrary) {
        if (deniedAtStart && loadedLibrary && ADVISED.compareAndSet(false, true)) {
            Log.get().info("add --enable-native-access=ALL-UNNAMED to the java command line to silence the JVM's"
                    + " native-access warning (the GPU probe and native zstd load libraries)");
        }
    }
}
