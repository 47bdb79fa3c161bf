package b10.transfer.probe.jna;

import b10.transfer.probe.DriverCalls;
import b10.transfer.probe.GpuFacts;
import b10.transfer.probe.GpuProbe;
import b10.transfer.probe.ProbeException;
import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import java.nio.file.Path;

/**
 * The driver API through JNA's direct function calls (no interface proxy: cheaper to start).
 * In the agent jar this class and JNA live under a private prefix and are loaded by their own
 * class loader, so a host application's JNA never meets ours.
 */
public final class JnaProbe implements GpuProbe {

    @Override
    public String backend() {
        return "jna";
    }

    @Override
    public GpuFacts probe(Path libcuda, int deviceIndex) throws ProbeException {
        NativeLibrary lib;
        try {
            lib = NativeLibrary.getInstance(libcuda.toString());
        } catch (UnsatisfiedLinkError e) {
            throw new b10.transfer.probe.GpuProbes.BackendUnavailable("cannot load " + libcuda + ": " + e.getMessage());
        }
        int init = call(lib, "cuInit", 0);
        if (init == DriverCalls.CUDA_ERROR_NO_DEVICE) {
            return new GpuFacts(driverVersion(lib), 0, deviceIndex, null, -1, -1, null);
        }
        ProbeException.check("cuInit", init);
        int version = driverVersion(lib);
        try (Memory out = new Memory(4)) {
            ProbeException.check("cuDeviceGetCount", call(lib, "cuDeviceGetCount", out));
            int count = out.getInt(0);
            if (count == 0) {
                return new GpuFacts(version, 0, deviceIndex, null, -1, -1, null);
            }
            if (deviceIndex >= count) {
                throw new ProbeException("device index " + deviceIndex + " but the driver shows " + count + " device(s)");
            }
            ProbeException.check("cuDeviceGet", call(lib, "cuDeviceGet", out, deviceIndex));
            int device = out.getInt(0);
            ProbeException.check("cuDeviceGetAttribute(75)",
                    call(lib, "cuDeviceGetAttribute", out, DriverCalls.ATTR_COMPUTE_CAPABILITY_MAJOR, device));
            int major = out.getInt(0);
            ProbeException.check("cuDeviceGetAttribute(76)",
                    call(lib, "cuDeviceGetAttribute", out, DriverCalls.ATTR_COMPUTE_CAPABILITY_MINOR, device));
            int minor = out.getInt(0);
            String name;
            try (Memory buf = new Memory(DriverCalls.NAME_BUFFER)) {
                buf.clear();
                ProbeException.check("cuDeviceGetName", call(lib, "cuDeviceGetName", buf, DriverCalls.NAME_BUFFER, device));
                name = DriverCalls.cString(buf.getByteArray(0, DriverCalls.NAME_BUFFER));
            }
            return new GpuFacts(version, count, deviceIndex, name, major, minor, uuid(lib, device));
        }
    }

    private static int driverVersion(NativeLibrary lib) throws ProbeException {
        try (Memory out = new Memory(4)) {
            ProbeException.check("cuDriverGetVersion", call(lib, "cuDriverGetVersion", out));
            return out.getInt(0);
        }
    }

    /** The UUID is optional: an old driver without cuDeviceGetUuid still gives the other facts. */
    private static String uuid(NativeLibrary lib, int device) {
        try (Memory buf = new Memory(16)) {
            buf.clear();
            if (call(lib, "cuDeviceGetUuid", buf, device) != 0) {
                return null;
            }
            return GpuFacts.formatUuid(buf.getByteArray(0, 16));
        } catch (UnsatisfiedLinkError | ProbeException e) {
            return null;
        }
    }

    private static int call(NativeLibrary lib, String function, Object... args) throws ProbeException {
        Function f;
        try {
            f = lib.getFunction(function);
        } catch (UnsatisfiedLinkError e) {
            throw new ProbeException(function + " is not exported by " + lib.getFile());
        }
        return f.invokeInt(args);
    }
}
