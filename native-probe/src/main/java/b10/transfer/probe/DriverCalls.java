package b10.transfer.probe;

/** Constants of the driver API shared by the backends. */
public final class DriverCalls {
    public static final int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
    public static final int ATTR_COMPUTE_CAPABILITY_MINOR = 76;
    public static final int NAME_BUFFER = 256;
    public static final int CUDA_ERROR_NO_DEVICE = 100;

    private DriverCalls() {
    }

    /** cuDeviceGetName fills a NUL-terminated buffer. */
    public static String cString(byte[] buf) {
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8).trim();
    }
}
