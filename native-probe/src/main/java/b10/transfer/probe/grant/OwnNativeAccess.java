package b10.transfer.probe.grant;

import java.lang.reflect.Method;

/**
 * Enables native access for the named module this class is defined in, and for no other. In the
 * agent jar it is one of the isolated classes, so that module is {@code b10.transfer.isolated},
 * which holds zstd-jni, JNA, JCuda and the classes that call them: their System.load then no longer
 * makes the JVM print its restricted-method warning on the host's standard error (JDK 24+). The
 * agent first opens java.lang to this module alone, through the instrumentation API; the public
 * way (ModuleLayer.Controller.enableNativeAccess) is itself a restricted method, and would warn.
 */
public final class OwnNativeAccess {
    private OwnNativeAccess() {
    }

    /** @return whether this module has native access now */
    public static boolean enable() throws ReflectiveOperationException {
        Module own = OwnNativeAccess.class.getModule();
        if (!own.isNamed()) {
            return false; // unnamed modules share one flag with the host's class path: never ours to set
        }
        Method add = Module.class.getDeclaredMethod("implAddEnableNativeAccess");
        add.setAccessible(true);
        add.invoke(own);
        return Boolean.TRUE.equals(Module.class.getMethod("isNativeAccessEnabled").invoke(own));
    }
}
