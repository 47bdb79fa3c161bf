package b10.transfer.agent.testapp;

import java.lang.reflect.Method;

/**
 * An application with its own, different versions of JNA, commons-compress, slf4j (with its own
 * binding), Byte Buddy and zstd-jni on its class path. It reports where each class came from and uses each,
 * through reflection so that it compiles without them.
 */
public class ClashApp {
    public static void main(String[] args) throws Exception {
        for (String c : new String[] {"com.sun.jna.Native", "org.apache.commons.compress.archivers.tar.TarArchiveEntry",
                "org.slf4j.LoggerFactory", "net.bytebuddy.ByteBuddy", "com.github.luben.zstd.Zstd"}) {
            Class<?> k = Class.forName(c);
            System.out.println("CLASS " + c + " FROM " + k.getProtectionDomain().getCodeSource().getLocation());
        }
        Class<?> nativeClass = Class.forName("com.sun.jna.Native");
        // a real native call through the application's own JNA
        System.out.println("JNA_INT_SIZE=" + nativeClass.getMethod("getNativeSize", Class.class).invoke(null, int.class));
        Object logger = Class.forName("org.slf4j.LoggerFactory").getMethod("getLogger", String.class).invoke(null, "clash-app");
        Method info = logger.getClass().getMethod("info", String.class);
        info.invoke(logger, "hello from the application's own slf4j");
        Class<?> bb = Class.forName("net.bytebuddy.ByteBuddy");
        Object made = bb.getMethod("subclass", Class.class).invoke(bb.getConstructor().newInstance(), Object.class);
        Object unloaded = made.getClass().getMethod("make").invoke(made);
        System.out.println("BYTEBUDDY_MADE=" + (unloaded != null));
        Object entry = Class.forName("org.apache.commons.compress.archivers.tar.TarArchiveEntry")
                .getConstructor(String.class).newInstance("x.txt");
        System.out.println("COMPRESS_ENTRY=" + entry.getClass().getMethod("getName").invoke(entry));
        // a real native call through the application's own zstd-jni, after the agent loaded its own
        Class<?> zstd = Class.forName("com.github.luben.zstd.Zstd");
        byte[] text = "the application's own zstd, the application's own zstd".getBytes();
        byte[] packed = (byte[]) zstd.getMethod("compress", byte[].class).invoke(null, (Object) text);
        byte[] back = (byte[]) zstd.getMethod("decompress", byte[].class, int.class).invoke(null, packed, text.length);
        System.out.println("ZSTD_ROUND_TRIP=" + new String(back).equals(new String(text)));
        System.out.println("DONE");
    }
}
