package b10.transfer.probe;

import java.nio.file.Path;

/**
 * One way of calling libcuda's driver API. Implementations call, in order: cuInit,
 * cuDriverGetVersion, cuDeviceGetCount and, when a device exists, cuDeviceGet,
 * cuDeviceGetAttribute(75, 76), cuDeviceGetName and cuDeviceGetUuid.
 * They may block (cuInit hangs on a broken driver): {@link GpuProbes} runs them under a timeout.
 */
public interface GpuProbe {

    /** The backend's name as the setting spells it: jna, jcuda or panama. */
    String backend();

    /**
     * @param libcuda     the driver library to load (an absolute path to libcuda.so.1)
     * @param deviceIndex the ordinal among the devices visible to this process
     * @throws ProbeException with the failing call and its CUresult when the driver refuses
     */
    GpuFacts probe(Path libcuda, int deviceIndex) throws ProbeException;
}
