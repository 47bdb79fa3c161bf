package b10.transfer.key;

import b10.transfer.config.Settings;
import b10.transfer.probe.GpuProbes;
import java.util.Map;

/** Computes this environment's key from the settings: Python packages from files, GPU facts from the driver. */
public final class KeyResolver {

    /** The key with what went into it; {@code gpuProblem} says why the key says cpu where it does. */
    public record Resolved(EnvironmentKey key, PythonPackages.Versions python, GpuProbes.Outcome gpu) {
    }

    private KeyResolver() {
    }

    public static Resolved resolve(Settings settings, Map<String, String> env) {
        PythonPackages.Versions versions = PythonPackages.read(settings.python, env);
        GpuProbes.Outcome gpu = GpuProbes.probe(settings.gpuBackend, settings.libcuda, settings.gpuDevice,
                settings.probeTimeout.toMillis());
        return new Resolved(EnvironmentKey.of(versions, gpu.facts(), settings.keyMode), versions, gpu);
    }
}
