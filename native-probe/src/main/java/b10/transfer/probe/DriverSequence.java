package b10.transfer.probe;

/**
 * The driver calls every backend makes, in one order, over a small binding of the driver API:
 * cuInit, cuDriverGetVersion, cuDeviceGetCount, cuDeviceGet, the two compute-capability
 * attributes, cuDeviceGetName and (where the driver has it) cuDeviceGetUuid. A backend (JNA,
 * JCuda, Panama) only says how one call is made.
 */
public final class DriverSequence {
    private DriverSequence() {
    }

    /** One backend's binding. Each call returns the driver's CUresult and writes its output into the array given. */
    public interface Driver {
        int init() throws ProbeException;

        int driverVersion(int[] out) throws ProbeException;

        int deviceCount(int[] out) throws ProbeException;

        /** The device handle of an ordinal, as an int the other calls take back. */
        int device(int[] out, int ordinal) throws ProbeException;

        int attribute(int[] out, int attribute, int device) throws ProbeException;

        /** A NUL-terminated name into {@code out}. */
        int name(byte[] out, int device) throws ProbeException;

        /** The 16 bytes of the device's UUID; a driver without cuDeviceGetUuid answers non-zero. */
        int uuid(byte[] out, int device) throws ProbeException;
    }

    public static GpuFacts facts(Driver d, int deviceIndex) throws ProbeException {
        int[] out = new int[1];
        int init = d.init();
        if (init == DriverCalls.CUDA_ERROR_NO_DEVICE) {
            ProbeException.check("cuDriverGetVersion", d.driverVersion(out));
            return new GpuFacts(out[0], 0, deviceIndex, null, -1, -1, null);
        }
        if (init != 0) {
            // torch's own cuInit hears the same, and it then runs on the CPU: a CPU key is right
            throw new DriverRefused("cuInit", init);
        }
        ProbeException.check("cuDriverGetVersion", d.driverVersion(out));
        int version = out[0];
        ProbeException.check("cuDeviceGetCount", d.deviceCount(out));
        int count = out[0];
        if (count == 0) {
            return new GpuFacts(version, 0, deviceIndex, null, -1, -1, null);
        }
        if (deviceIndex >= count) {
            throw new ProbeException("device index " + deviceIndex + " but the driver shows " + count + " device(s)");
        }
        ProbeException.check("cuDeviceGet", d.device(out, deviceIndex));
        int device = out[0];
        ProbeException.check("cuDeviceGetAttribute(75)", d.attribute(out, DriverCalls.ATTR_COMPUTE_CAPABILITY_MAJOR, device));
        int major = out[0];
        ProbeException.check("cuDeviceGetAttribute(76)", d.attribute(out, DriverCalls.ATTR_COMPUTE_CAPABILITY_MINOR, device));
        int minor = out[0];
        byte[] name = new byte[DriverCalls.NAME_BUFFER];
        ProbeException.check("cuDeviceGetName", d.name(name, device));
        String uuid = null;
        byte[] u = new byte[16];
        try {
            if (d.uuid(u, device) == 0) {
                uuid = GpuFacts.formatUuid(u);
            }
        } catch (ProbeException | UnsatisfiedLinkError e) {
            // an old driver without cuDeviceGetUuid still gives the other facts
        }
        return new GpuFacts(version, count, deviceIndex, DriverCalls.cString(name), major, minor, uuid);
    }

    /** cuInit itself failed: the driver answered that CUDA cannot be used here. */
    public static final class DriverRefused extends ProbeException {
        DriverRefused(String call, int cuResult) {
            super(ProbeException.describeCall(call, cuResult));
        }
    }
}
