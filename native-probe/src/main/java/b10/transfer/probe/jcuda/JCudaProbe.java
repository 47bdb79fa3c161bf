package b10.transfer.probe.jcuda;

import b10.transfer.probe.DriverSequence;
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
        return DriverSequence.facts(new Binding(), deviceIndex);
    }

    /** JCuda's static calls; its device handles are objects, kept here by the ordinal they were asked for. */
    private static final class Binding implements DriverSequence.Driver {
        private final java.util.Map<Integer, CUdevice> devices = new java.util.HashMap<>();

        @Override
        public int init() {
            return JCudaDriver.cuInit(0);
        }

        @Override
        public int driverVersion(int[] out) {
            return JCudaDriver.cuDriverGetVersion(out);
        }

        @Override
        public int deviceCount(int[] out) {
            return JCudaDriver.cuDeviceGetCount(out);
        }

        @Override
        public int device(int[] out, int ordinal) {
            CUdevice d = new CUdevice();
            int r = JCudaDriver.cuDeviceGet(d, ordinal);
            devices.put(ordinal, d);
            out[0] = ordinal;
            return r;
        }

        @Override
        public int attribute(int[] out, int attribute, int device) {
            return JCudaDriver.cuDeviceGetAttribute(out, attribute, devices.get(device));
        }

        @Override
        public int name(byte[] out, int device) {
            return JCudaDriver.cuDeviceGetName(out, out.length, devices.get(device));
        }

        @Override
        public int uuid(byte[] out, int device) {
            CUuuid u = new CUuuid();
            int r = JCudaDriver.cuDeviceGetUuid(u, devices.get(device));
            if (r == 0) {
                System.arraycopy(u.bytes, 0, out, 0, Math.min(16, u.bytes.length));
            }
            return r;
        }
    }
}
