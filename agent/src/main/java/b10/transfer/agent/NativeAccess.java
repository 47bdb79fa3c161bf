package b10.transfer.agent;

import b10.transfer.Log;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * From JDK 24 the JVM warns when code without native access calls a restricted method, which the
 * GPU probe does (Panama's downcalls, JNA's and JCuda's System.load) and so does native zstd
 * (zstd-jni's System.load). An agent cannot grant itself access, so it says once which flag does.
 */
final class NativeAccess {
    private static final AtomicBoolean ADVISED = new AtomicBoolean();

    private NativeAccess() {
    }

    /** @param loadedLibrary whether this JVM loaded a native library of ours (driver binding or zstd) */
    static void adviseIfNeeded(boolean loadedLibrary) {
        if (Runtime.version().feature() < 24 || !loadedLibrary || !ADVISED.compareAndSet(false, true)) {
            return;
        }
        try {
            Module m = NativeAccess.class.getModule();
            Object enabled = Module.class.getMethod("isNativeAccessEnabled").invoke(m);
            if (Boolean.FALSE.equals(enabled)) {
                Log.get().info("add --enable-native-access=ALL-UNNAMED to the java command line to silence the JVM's"
                        + " native-access warning (the GPU probe and native zstd load libraries)");
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not knowable here: say nothing
        }
    }
}
