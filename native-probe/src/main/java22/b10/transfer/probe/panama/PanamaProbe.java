package b10.transfer.probe.panama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import b10.transfer.probe.DriverSequence;
import b10.transfer.probe.GpuFacts;
import b10.transfer.probe.GpuProbe;
import b10.transfer.probe.ProbeException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** The driver API through java.lang.foreign (final in JDK 22): no native library of our own. */
public final class PanamaProbe implements GpuProbe {

    private static final FunctionDescriptor INT_OF_INT = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
    private static final FunctionDescriptor INT_OF_PTR = FunctionDescriptor.of(JAVA_INT, ADDRESS);
    private static final FunctionDescriptor INT_OF_PTR_INT = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
    private static final FunctionDescriptor INT_OF_PTR_INT_INT = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);

    @Override
    public String backend() {
        return "panama";
    }

    @Override
    public GpuFacts probe(Path libcuda, int deviceIndex) throws ProbeException {
        // Global arena: the library stays loaded, as the driver would be for the rest of the process.
        SymbolLookup lib;
        try {
            lib = SymbolLookup.libraryLookup(libcuda, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new ProbeException("cannot load " + libcuda + ": " + e.getMessage());
        }
        try (Arena arena = Arena.ofConfined()) {
            return DriverSequence.facts(new Binding(Linker.nativeLinker(), lib, arena), deviceIndex);
        }
    }

    /** Downcall handles, with native memory from one confined arena for the outputs. */
    private record Binding(Linker linker, SymbolLookup lib, Arena arena) implements DriverSequence.Driver {
        @Override
        public int init() throws ProbeException {
            return invoke(() -> (int) handle(linker, lib, "cuInit", INT_OF_INT).invokeExact(0));
        }

        @Override
        public int driverVersion(int[] out) throws ProbeException {
            return intOut(out, m -> (int) handle(linker, lib, "cuDriverGetVersion", INT_OF_PTR).invokeExact(m));
        }

        @Override
        public int deviceCount(int[] out) throws ProbeException {
            return intOut(out, m -> (int) handle(linker, lib, "cuDeviceGetCount", INT_OF_PTR).invokeExact(m));
        }

        @Override
        public int device(int[] out, int ordinal) throws ProbeException {
            return intOut(out, m -> (int) handle(linker, lib, "cuDeviceGet", INT_OF_PTR_INT).invokeExact(m, ordinal));
        }

        @Override
        public int attribute(int[] out, int attribute, int device) throws ProbeException {
            return intOut(out, m -> (int) handle(linker, lib, "cuDeviceGetAttribute", INT_OF_PTR_INT_INT)
                    .invokeExact(m, attribute, device));
        }

        @Override
        public int name(byte[] out, int device) throws ProbeException {
            return bytesOut(out, m -> (int) handle(linker, lib, "cuDeviceGetName", INT_OF_PTR_INT_INT).invokeExact(m, out.length, device));
        }

        @Override
        public int uuid(byte[] out, int device) throws ProbeException {
            if (lib.find("cuDeviceGetUuid").isEmpty()) {
                return -1;
            }
            return bytesOut(out, m -> (int) handle(linker, lib, "cuDeviceGetUuid", INT_OF_PTR_INT).invokeExact(m, device));
        }

        private interface Call {
            int on(MemorySegment m) throws Throwable;
        }

        private interface Plain {
            int call() throws Throwable;
        }

        private static int invoke(Plain p) throws ProbeException {
            try {
                return p.call();
            } catch (ProbeException e) {
                throw e;
            } catch (Throwable t) {
                throw new ProbeException("panama call failed: " + t, t);
            }
        }

        private int intOut(int[] out, Call c) throws ProbeException {
            MemorySegment m = arena.allocate(JAVA_INT);
            int r = invoke(() -> c.on(m));
            out[0] = m.get(JAVA_INT, 0);
            return r;
        }

        private int bytesOut(byte[] out, Call c) throws ProbeException {
            MemorySegment m = arena.allocate(out.length);
            int r = invoke(() -> c.on(m));
            MemorySegment.copy(m, JAVA_BYTE, 0, out, 0, out.length);
            return r;
        }
    }

    private static MethodHandle handle(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd)
            throws ProbeException {
        MemorySegment symbol = lib.find(name).orElseThrow(() -> new ProbeException(name + " is not exported by libcuda"));
        return linker.downcallHandle(symbol, fd);
    }
}
