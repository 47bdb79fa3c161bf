package b10.transfer.probe.panama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import b10.transfer.probe.DriverCalls;
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
        Linker linker = Linker.nativeLinker();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            int init = (int) handle(linker, lib, "cuInit", INT_OF_INT).invokeExact(0);
            ProbeException.check("cuDriverGetVersion",
                    (int) handle(linker, lib, "cuDriverGetVersion", INT_OF_PTR).invokeExact(out));
            int version = out.get(JAVA_INT, 0);
            if (init == DriverCalls.CUDA_ERROR_NO_DEVICE) {
                return new GpuFacts(version, 0, deviceIndex, null, -1, -1, null);
            }
            ProbeException.check("cuInit", init);
            ProbeException.check("cuDeviceGetCount",
                    (int) handle(linker, lib, "cuDeviceGetCount", INT_OF_PTR).invokeExact(out));
            int count = out.get(JAVA_INT, 0);
            if (count == 0) {
                return new GpuFacts(version, 0, deviceIndex, null, -1, -1, null);
            }
            if (deviceIndex >= count) {
                throw new ProbeException("device index " + deviceIndex + " but the driver shows " + count + " device(s)");
            }
            ProbeException.check("cuDeviceGet",
                    (int) handle(linker, lib, "cuDeviceGet", INT_OF_PTR_INT).invokeExact(out, deviceIndex));
            int device = out.get(JAVA_INT, 0);
            MethodHandle attribute = handle(linker, lib, "cuDeviceGetAttribute", INT_OF_PTR_INT_INT);
            ProbeException.check("cuDeviceGetAttribute(75)",
                    (int) attribute.invokeExact(out, DriverCalls.ATTR_COMPUTE_CAPABILITY_MAJOR, device));
            int major = out.get(JAVA_INT, 0);
            ProbeException.check("cuDeviceGetAttribute(76)",
                    (int) attribute.invokeExact(out, DriverCalls.ATTR_COMPUTE_CAPABILITY_MINOR, device));
            int minor = out.get(JAVA_INT, 0);
            MemorySegment name = arena.allocate(DriverCalls.NAME_BUFFER);
            ProbeException.check("cuDeviceGetName", (int) handle(linker, lib, "cuDeviceGetName", INT_OF_PTR_INT_INT)
                    .invokeExact(name, DriverCalls.NAME_BUFFER, device));
            String uuid = null;
            if (lib.find("cuDeviceGetUuid").isPresent()) {
                MemorySegment u = arena.allocate(16);
                if ((int) handle(linker, lib, "cuDeviceGetUuid", INT_OF_PTR_INT).invokeExact(u, device) == 0) {
                    uuid = GpuFacts.formatUuid(u.toArray(JAVA_BYTE));
                }
            }
            return new GpuFacts(version, count, deviceIndex, DriverCalls.cString(name.toArray(JAVA_BYTE)), major, minor, uuid);
        } catch (ProbeException e) {
            throw e;
        } catch (Throwable t) {
            throw new ProbeException("panama call failed: " + t, t);
        }
    }

    private static MethodHandle handle(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd)
            throws ProbeException {
        MemorySegment symbol = lib.find(name).orElseThrow(() -> new ProbeException(name + " is not exported by libcuda"));
        return linker.downcallHandle(symbol, fd);
    }
}
