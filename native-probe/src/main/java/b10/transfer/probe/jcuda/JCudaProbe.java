package b10.transfer.probe.jcuda;

import b10.transfer.probe.DriverCalls;
import b10.transfer.probe.GpuFacts;
import b10.transfer.probe.GpuProbe;
import b10.transfer.probe.ProbeException;
import java.nio.file.Path;
import jcuda.driver.CUdevice;
import jcuda.driver.CUuuid;
import jcuda.driver.JCudaDriver;

/**
 * The driver API through JCuda's driver bindings. JCuda's own native (libJCudaDriver) links
 * against libcuda.so.1 by soname; loading the chosen libcuda first makes the dynamic loader bind
 * to that one, so an explicit driver path is honoured here as in the other backends.
 */
public final class JCudaProbe implements GpuProbe {

    @Override
    public String backend() {
        return "jcuda";
    }

    @Override
    public GpuFacts probe(Path libcuda, int deviceIndex) throws ProbeException {
        try {
            System.load(libcuda.toString());
            JCudaDriver.setExceptionsEnabled(false);
        } catch (UnsatisfiedLinkError e) {
            throw new b10.transfer.probe.GpuProbes.BackendUnavailable("cannot load JCuda's driver binding against " + libcuda + ": " + e.getMessage());
        }
        int[] out = new int[1];
        int init = JCudaDriver.cuInit(0);
        if (init == DriverCalls.CUDA_ERROR_NO_DEVICE) {
            ProbeException.check("cuDriverGetVersion", JCudaDriver.cuDriverGetVersion(out));
            return new GpuFacts(out[0], 0, deviceIndex, null, -1, -1, null);
        }
        ProbeException.check("cuInit", init);
        ProbeException.check("cuDriverGetVersion", JCudaDriver.cuDriverGetVersion(out));
        int version = out[0];
        ProbeException.check("cuDeviceGetCount", JCudaDriver.cuDeviceGetCount(out));
        int count = out[0];
        if (count == 0) {
            return new GpuFacts(version, 0, deviceIndex, null, -1, -1, null);
        }
        if (deviceIndex >= count) {
            throw new ProbeException("device index " + deviceIndex + " but the driver shows " + count + " device(s)");
        }
        CUdevice device = new CUdevice();
        ProbeException.check("cuDeviceGet", JCudaDriver.cuDeviceGet(device, deviceIndex));
        ProbeException.check("cuDeviceGetAttribute(75)",
                JCudaDriver.cuDeviceGetAttribute(out, DriverCalls.ATTR_COMPUTE_CAPABILITY_MAJOR, device));
        int major = out[0];
        ProbeException.check("cuDeviceGetAttribute(76)",
                JCudaDriver.cuDeviceGetAttribute(out, DriverCalls.ATTR_COMPUTE_CAPABILITY_MINOR, device));
        int minor = out[0];
        byte[] name = new byte[DriverCalls.NAME_BUFFER];
        ProbeException.check("cuDeviceGetName", JCudaDriver.cuDeviceGetName(name, name.length, device));
        String uuid = null;
        CUuuid u = new CUuuid();
        if (JCudaDriver.cuDeviceGetUuid(u, device) == 0) {
            uuid = GpuFacts.formatUuid(u.bytes);
        }
        return new GpuFacts(version, count, deviceIndex, DriverCalls.cString(name), major, minor, uuid);
    }
}
