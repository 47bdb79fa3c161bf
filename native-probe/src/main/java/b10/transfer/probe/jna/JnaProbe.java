package b10.transfer.probe.jna;

import b10.transfer.probe.DriverSequence;
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
        return DriverSequence.facts(new Binding(lib), deviceIndex);
    }

    /** Each call by name through JNA's Function, with native memory for its output. */
    private record Binding(NativeLibrary lib) implements DriverSequence.Driver {
        @Override
        public int init() throws ProbeException {
            return call(lib, "cuInit", 0);
        }

        @Override
        public int driverVersion(int[] out) throws ProbeException {
            return intOut(out, m -> call(lib, "cuDriverGetVersion", m));
        }

        @Override
        public int deviceCount(int[] out) throws ProbeException {
            return intOut(out, m -> call(lib, "cuDeviceGetCount", m));
        }

        @Override
        public int device(int[] out, int ordinal) throws ProbeException {
            return intOut(out, m -> call(lib, "cuDeviceGet", m, ordinal));
        }

        @Override
        public int attribute(int[] out, int attribute, int device) throws ProbeException {
            return intOut(out, m -> call(lib, "cuDeviceGetAttribute", m, attribute, device));
        }

        @Override
        public int name(byte[] out, int device) throws ProbeException {
            return bytesOut(out, m -> call(lib, "cuDeviceGetName", m, out.length, device));
        }

        @Override
        public int uuid(byte[] out, int device) throws ProbeException {
            return bytesOut(out, m -> call(lib, "cuDeviceGetUuid", m, device));
        }

        private interface Call {
            int on(Memory m) throws ProbeException;
        }

        private static int intOut(int[] out, Call c) throws ProbeException {
            try (Memory m = new Memory(4)) {
                int r = c.on(m);
                out[0] = m.getInt(0);
                return r;
            }
        }

        private static int bytesOut(byte[] out, Call c) throws ProbeException {
            try (Memory m = new Memory(out.length)) {
                m.clear();
                int r = c.on(m);
                m.read(0, out, 0, out.length);
                return r;
            }
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
