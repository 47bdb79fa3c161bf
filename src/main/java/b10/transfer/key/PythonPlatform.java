package b10.transfer.key;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What Python's {@code platform.machine()} and {@code platform.system()} print on this machine,
 * for the seed mode's CPU key. Both come from uname(2); Linux shows its fields under
 * /proc/sys/kernel, which is read first, and the JVM's names are mapped where it is absent
 * (the JVM says amd64 where uname says x86_64).
 */
final class PythonPlatform {
    private PythonPlatform() {
    }

    static String machine() {
        String uname = read("/proc/sys/kernel/arch");
        return uname != null ? uname : machineFromJvm(System.getProperty("os.arch", ""));
    }

    static String system() {
        String uname = read("/proc/sys/kernel/ostype");
        if (uname != null) {
            return uname;
        }
        String os = System.getProperty("os.name", "");
        return os.startsWith("Mac") ? "Darwin" : os.startsWith("Windows") ? "Windows" : os;
    }

    static String machineFromJvm(String osArch) {
        switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64": case "x86_64": return "x86_64";
            case "x86": case "i386": case "i686": return "i686";
            case "arm64": case "aarch64": return "aarch64";
            default: return osArch;
        }
    }

    private static String read(String file) {
        try {
            String s = Files.readString(Path.of(file), StandardCharsets.US_ASCII).strip();
            return s.isEmpty() ? null : s;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
