package b10.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The product's version, from a resource the build writes (so it is right in tests and the jar alike). */
public final class Version {
    private static volatile String version;

    private Version() {
    }

    public static String get() {
        String v = version;
        if (v == null) {
            v = read();
            version = v;
        }
        return v;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank() && !v.startsWith("$")) {
                    return v.trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // below
        }
        return "unknown";
    }
}
