package b10.transfer.probe;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the CUDA driver says about this machine and the chosen device.
 *
 * @param cudaDriverVersion the driver API version from {@code cuDriverGetVersion} (13000 for CUDA 13.0)
 * @param deviceCount       devices visible to this process (after {@code CUDA_VISIBLE_DEVICES})
 * @param deviceIndex       the ordinal that was asked for
 * @param name              {@code cuDeviceGetName}, or null when there is no device
 * @param ccMajor           compute capability major (attribute 75), -1 without a device
 * @param ccMinor           compute capability minor (attribute 76), -1 without a device
 * @param uuid              {@code GPU-xxxxxxxx-...} from {@code cuDeviceGetUuid}, or null where not given
 */
public record GpuFacts(int cudaDriverVersion, int deviceCount, int deviceIndex, String name,
                       int ccMajor, int ccMinor, String uuid) {

    public boolean hasDevice() {
        return deviceCount > 0 && name != null;
    }

    /** "13.0" for 13000, as nvidia-smi prints the CUDA version. */
    public String cudaVersion() {
        return (cudaDriverVersion / 1000) + "." + (cudaDriverVersion % 1000) / 10;
    }

    public String computeCapability() {
        return ccMajor + "." + ccMinor;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cuda_driver_version", cudaVersion());
        m.put("device_count", deviceCount);
        m.put("device_index", deviceIndex);
        m.put("name", name);
        m.put("compute_capability", hasDevice() ? computeCapability() : null);
        m.put("uuid", uuid);
        return m;
    }

    /** Formats the 16 bytes of a CUuuid the way nvidia-smi does. */
    public static String formatUuid(byte[] b) {
        if (b == null || b.length < 16) {
            return null;
        }
        boolean allZero = true;
        StringBuilder hex = new StringBuilder(32);
        for (int i = 0; i < 16; i++) {
            // not String.format: its first use loads the Formatter machinery, milliseconds at JVM start
            hex.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
            allZero &= b[i] == 0;
        }
        if (allZero) {
            return null;
        }
        String h = hex.toString();
        return "GPU-" + h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-"
                + h.substring(16, 20) + "-" + h.substring(20);
    }
}
