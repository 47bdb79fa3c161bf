package b10.transfer.key;

import b10.transfer.config.Settings;
import b10.transfer.probe.GpuFacts;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * What a compile cache depends on, and the name its archive has in the store.
 *
 * <p>The full key includes the GPU's name as well as its compute capability: TorchInductor's
 * FX-graph cache key includes the device name, so an H100 cache restored on an H200 (both cc 9.0)
 * would never be hit.
 *
 * <p>The seed mode reproduces the key of the Python package's code (0.1 to 0.3), so that one store
 * can be shared with it: the first 16 hex digits of SHA-256 over {@code json.dumps(d, sort_keys=True)},
 * where {@code d} is {@code {"cuda_version": torch.version.cuda, "device_name": <the driver's name>}}
 * on a GPU, else {@code {"cpu_architecture": platform.machine(), "device_type": "cpu",
 * "platform_system": platform.system()}}. torch's and triton's versions are not part of it: the
 * Python package leaves them out, and a shared store has to use its rule.
 */
public final class EnvironmentKey {
    private final String torch;
    private final String cuda;
    private final String triton;
    private final String gpuName;
    private final String computeCapability;
    private final Settings.KeyMode mode;
    private final boolean torchFound;
    private final String platformMachine;
    private final String platformSystem;
    private final String text;
    private final String hash;
    private final String torchProblem;
    /** Why this machine's GPU is not in the key though it may have one (null: the GPU side is known). */
    private final String gpuProblem;
    /** Visible GPUs, in the key only where B10_TRANSFER_KEY_GPU_COUNT asks (0: not in the key). */
    private final int gpuCount;

    /** A key for this machine's platform (the seed mode's CPU key names it). */
    public EnvironmentKey(String torch, String cuda, String triton, String gpuName, String computeCapability,
                          Settings.KeyMode mode) {
        this(torch, cuda, triton, gpuName, computeCapability, mode, PythonPlatform.machine(), PythonPlatform.system());
    }

    /** @param platformMachine and @param platformSystem as Python's platform.machine() and platform.system() say them */
    public EnvironmentKey(String torch, String cuda, String triton, String gpuName, String computeCapability,
                          Settings.KeyMode mode, String platformMachine, String platformSystem) {
        this(torch, cuda, triton, gpuName, computeCapability, mode, platformMachine, platformSystem, null, 0, null);
    }

    /** @param torchProblem where torch was looked for and what to set, when it was not found */
    private EnvironmentKey(String torch, String cuda, String triton, String gpuName, String computeCapability,
                           Settings.KeyMode mode, String platformMachine, String platformSystem, String torchProblem,
                           int gpuCount, String gpuProblem) {
        this.gpuProblem = gpuProblem;
        this.gpuCount = mode == Settings.KeyMode.FULL && computeCapability != null ? gpuCount : 0;
        this.torchProblem = torch == null ? (torchProblem != null ? torchProblem : "torch's version is unknown") : null;
        this.torchFound = torch != null;
        this.torch = torch == null ? "none" : torch;
        this.cuda = cuda;
        this.triton = triton == null ? "none" : triton;
        this.gpuName = gpuName;
        this.computeCapability = computeCapability;
        this.mode = mode;
        this.platformMachine = platformMachine;
        this.platformSystem = platformSystem;
        if (mode == Settings.KeyMode.SEED) {
            this.text = PythonJson.dumpsSorted(seedDict());
            this.hash = sha256(text).substring(0, 16);
        } else {
            this.text = render();
            this.hash = sha256(text).substring(0, 12);
        }
    }

    /**
     * The dictionary the Python package hashes: a GPU's when torch was built with CUDA and the
     * driver shows a device (torch.cuda.is_available()), else the CPU's.
     */
    private Map<String, String> seedDict() {
        Map<String, String> d = new LinkedHashMap<>();
        if (computeCapability != null && cuda != null && gpuName != null) {
            d.put("cuda_version", cuda);
            d.put("device_name", gpuName);
        } else {
            d.put("cpu_architecture", platformMachine);
            d.put("device_type", "cpu");
            d.put("platform_system", platformSystem);
        }
        return d;
    }

    /**
     * Whether torch was found in the server's Python. A key without it must not be published
     * under: the cache depends on torch, and any later torch would restore it.
     */
    public boolean torchFound() {
        return torchFound;
    }

    public static EnvironmentKey of(PythonPackages.Versions v, GpuFacts gpu, Settings.KeyMode mode) {
        return of(v, gpu, mode, false);
    }

    /** @param withGpuCount add the number of visible GPUs (B10_TRANSFER_KEY_GPU_COUNT; the full key only) */
    public static EnvironmentKey of(PythonPackages.Versions v, GpuFacts gpu, Settings.KeyMode mode, boolean withGpuCount) {
        boolean device = gpu != null && gpu.hasDevice();
        return new EnvironmentKey(v.torch(), v.torchCuda(), v.triton(), device ? gpu.name() : null,
                device ? gpu.computeCapability() : null, mode, PythonPlatform.machine(), PythonPlatform.system(), v.source(),
                withGpuCount && device ? gpu.deviceCount() : 0, null);
    }

    /**
     * This key, marked as lacking the GPU: the machine has a CUDA driver, but the probe could not
     * ask it (no binding loaded, no answer in time, the device not found). Its text still says cpu,
     * for {@code key} to show; it must not be saved or loaded under.
     */
    public EnvironmentKey withGpuUnknown(String problem) {
        return new EnvironmentKey(torchFound ? torch : null, cuda, triton,
                gpuName, computeCapability, mode, platformMachine, platformSystem, torchProblem, gpuCount, problem);
    }

    /**
     * Whether everything the cache depends on is in the key: torch, and the GPU where the machine
     * may have one. An incomplete key must not be published or restored under.
     */
    public boolean complete() {
        return torchFound && gpuProblem == null;
    }

    /** Why the key is incomplete (torch's problem, the GPU's, or both), or null where it is complete. */
    public String problem() {
        if (complete()) {
            return null;
        }
        return torchProblem == null ? gpuProblem : gpuProblem == null ? torchProblem : torchProblem + "; and " + gpuProblem;
    }


    /** Why torch is missing from the key (where it was looked for, what to set), or null where it is there. */
    public String torchProblem() {
        return torchProblem;
    }

    private String render() {
        StringBuilder b = new StringBuilder("torch-").append(torch);
        if (computeCapability == null || cuda == null) {
            b.append("_cpu");
        } else {
            b.append("_cuda-").append(cuda);
            if (mode == Settings.KeyMode.FULL) {
                b.append("_gpu-").append(gpuName.trim().replaceAll("[^A-Za-z0-9.+-]+", "-"));
            }
            b.append("_cc-").append(computeCapability);
            if (gpuCount > 0) {
                b.append("_gpus-").append(gpuCount);
            }
        }
        return b.append("_triton-").append(triton).toString();
    }

    /**
     * The readable key, e.g. torch-2.11.0+cu130_cuda-13.0_gpu-NVIDIA-H200_cc-9.0_triton-3.6.0; in seed
     * mode the JSON text that is hashed, e.g. {"cuda_version": "13.0", "device_name": "NVIDIA H200"}.
     */
    public String text() {
        return text;
    }

    /** The first 12 hex digits of the key's SHA-256 (16 in seed mode, as the Python package names archives). */
    public String hash() {
        return hash;
    }

    public Settings.KeyMode mode() {
        return mode;
    }

    public Map<String, Object> components() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("torch", torch);
        m.put("cuda", computeCapability == null ? null : cuda);
        m.put("gpu_name", gpuName);
        m.put("compute_capability", computeCapability);
        m.put("triton", triton);
        if (gpuCount > 0) {
            m.put("gpu_count", gpuCount);
        }
        if (mode == Settings.KeyMode.SEED) {
            m.put("seed_dict", text);
        }
        m.put("mode", mode.name().toLowerCase(java.util.Locale.ROOT));
        return m;
    }

    /**
     * The components of a stored key's text, as a miss explains them: the full key's
     * {@code torch-X_cuda-X_gpu-X_cc-X[_gpus-N]_triton-X} (or {@code _cpu}), or the seed mode's JSON
     * dictionary. Readable names, in the key's order; empty for a text that is neither.
     */
    public static Map<String, String> componentsOf(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        if (text == null) {
            return m;
        }
        if (text.startsWith("{")) {
            Matcher kv = JSON_PAIR.matcher(text);
            while (kv.find()) {
                m.put(kv.group(1).replace('_', ' '), kv.group(2));
            }
            return m;
        }
        if (!text.startsWith("torch-")) {
            return m;
        }
        String last = null;
        for (String token : text.split("_")) {
            int dash = token.indexOf('-');
            String name = COMPONENT_NAMES.get(dash < 0 ? token : token.substring(0, dash));
            if (name == null) {
                if (last != null) {
                    m.put(last, m.get(last) + "_" + token); // a value that held an underscore: it stays whole
                }
                continue;
            }
            m.put(name, name.equals("device") ? "cpu" : token.substring(dash + 1));
            last = name;
        }
        return m;
    }

    /** The full key's token prefixes, by the name a miss gives each component. */
    private static final Map<String, String> COMPONENT_NAMES = Map.of("torch", "torch", "cpu", "device", "cuda", "cuda",
            "gpu", "gpu", "cc", "compute capability", "gpus", "visible gpus", "triton", "triton");

    private static final java.util.regex.Pattern JSON_PAIR = java.util.regex.Pattern.compile("\"([^\"]+)\":\\s*\"([^\"]*)\"");

    static String sha256(String s) {
        return java.util.HexFormat.of().formatHex(b10.transfer.base.Sha256.of(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public String toString() {
        return text + " (" + hash + ")";
    }
}
