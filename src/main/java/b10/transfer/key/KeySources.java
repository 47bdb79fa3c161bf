package b10.transfer.key;

import b10.transfer.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where every component of the key came from ({@code key --explain}, and the agent's debug level):
 * which Python and which of its files, which driver library and backend, which device after
 * {@code CUDA_VISIBLE_DEVICES}. The most common cause of a miss is a component nobody knew was read.
 */
public final class KeySources {
    private KeySources() {
    }

    public static Map<String, Object> of(Settings s, KeyResolver.Resolved r, Map<String, String> env) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", r.key().text());
        m.put("hash", r.key().hash());
        m.put("mode", r.key().mode().name().toLowerCase(java.util.Locale.ROOT)
                + (s.keyMode == Settings.KeyMode.SEED ? " (B10_TRANSFER_KEY_MODE=seed: the Python package's key)" : ""));
        m.put("python", python(s, r, env));
        m.put("gpu", gpu(s, r, env));
        if (s.keyGpuCount) {
            m.put("gpu_count", "in the key (B10_TRANSFER_KEY_GPU_COUNT=true): the driver's device count after CUDA_VISIBLE_DEVICES");
        }
        return m;
    }

    private static Map<String, Object> python(Settings s, KeyResolver.Resolved r, Map<String, String> env) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (s.torchVersion != null) {
            m.put("chosen_by", "B10_TRANSFER_TORCH_VERSION=" + s.torchVersion + " (no Python is read)");
            m.put("torch", s.torchVersion);
            m.put("cuda", r.python().torchCuda() + (s.torchCuda != null ? " (B10_TRANSFER_TORCH_CUDA)" : " (the +cuXYZ suffix)"));
            m.put("triton", s.tritonVersion == null ? "none (B10_TRANSFER_TRITON_VERSION is not set)" : s.tritonVersion + " (B10_TRANSFER_TRITON_VERSION)");
            return m;
        }
        String venv = env.get("VIRTUAL_ENV");
        m.put("chosen_by", s.python != null ? "B10_TRANSFER_PYTHON=" + s.python
                : venv != null && !venv.isEmpty() ? "VIRTUAL_ENV=" + venv
                : "python3 on PATH: " + PythonPackages.onPath("python3", env.get("PATH")));
        Path site = r.python().sitePackages();
        if (site == null) {
            m.put("problem", r.key().torchProblem());
            return m;
        }
        m.put("site_packages", site.toString());
        m.put("torch", r.python().torch() + " from " + firstFile(site, "torch/version.py", "torch-"));
        m.put("cuda", r.python().torchCuda() == null ? "none (a CPU build of torch)"
                : r.python().torchCuda() + " from " + firstFile(site, "torch/version.py", "torch-"));
        m.put("triton", r.python().triton() == null ? "none (not installed there)"
                : r.python().triton() + " from " + firstFile(site, "triton/__init__.py", "triton-"));
        return m;
    }

    /** The file a version was read from: the module's own file where it exists, else the newest dist-info's METADATA. */
    private static String firstFile(Path site, String moduleFile, String distPrefix) {
        Path f = site.resolve(moduleFile);
        if (Files.isRegularFile(f)) {
            return f.toString();
        }
        List<Path> infos = PythonPackages.children(site, distPrefix + "*.dist-info");
        infos.sort(java.util.Comparator.reverseOrder());
        return infos.isEmpty() ? "its dist-info" : infos.get(0).resolve("METADATA").toString();
    }

    private static Map<String, Object> gpu(Settings s, KeyResolver.Resolved r, Map<String, String> env) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", r.gpu().backend() + " (B10_TRANSFER_GPU_BACKEND=" + s.gpuBackend + ")");
        m.put("library", r.gpu().library() == null ? (s.libcuda != null ? s.libcuda + " (B10_TRANSFER_LIBCUDA)" : null)
                : r.gpu().library().toString());
        String visible = env.get("CUDA_VISIBLE_DEVICES");
        m.put("cuda_visible_devices", visible == null ? "unset: every device is visible" : visible);
        m.put("device_ordinal", s.gpuDevice + " (B10_TRANSFER_GPU_DEVICE, counted after CUDA_VISIBLE_DEVICES)");
        m.put("probe_ms", r.gpu().nanos() / 1_000_000);
        if (r.gpu().ok()) {
            m.putAll(r.gpu().facts().toMap());
        } else {
            m.put("problem", r.gpu().unknown() ? KeyResolver.gpuUnknown(r.gpu()) : r.gpu().problem() + ": the key says cpu");
        }
        return m;
    }
}
