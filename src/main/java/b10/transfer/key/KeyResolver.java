package b10.transfer.key;

import b10.transfer.config.Settings;
import b10.transfer.base.Workers;
import b10.transfer.probe.GpuProbes;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Computes this environment's key from the settings: Python packages from files, GPU facts from
 * the driver. The driver is asked on its own thread while the package files are read and the
 * digest is prepared, because on a GPU machine cuInit takes a few hundred milliseconds and this
 * is on the agent's start-up path.
 */
public final class KeyResolver {

    /** The key with what went into it; {@code gpu.problem()} says why the key says cpu where it does. */
    public record Resolved(EnvironmentKey key, PythonPackages.Versions python, GpuProbes.Outcome gpu) {
    }

    private KeyResolver() {
    }

    public static Resolved resolve(Settings settings, Map<String, String> env) {
        long bound = settings.probeTimeout.toMillis();
        FutureTask<GpuProbes.Outcome> probe = new FutureTask<>(
                () -> GpuProbes.probe(settings.gpuBackend, settings.libcuda, settings.gpuDevice, bound));
        Workers.daemon("key-gpu", probe).start();
        PythonPackages.Versions versions = settings.torchVersion != null
                ? PythonPackages.given(settings.torchVersion, settings.torchCuda, settings.tritonVersion)
                : PythonPackages.read(settings.python, env);
        EnvironmentKey.prepareDigest();
        GpuProbes.Outcome gpu = await(probe, bound);
        return new Resolved(EnvironmentKey.of(versions, gpu.facts(), settings.keyMode, settings.keyGpuCount), versions, gpu);
    }

    /** The probe keeps its own deadline; the margin here only guards against a thread that never ran. */
    private static GpuProbes.Outcome await(FutureTask<GpuProbes.Outcome> probe, long boundMillis) {
        try {
            return probe.get(boundMillis + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted while probing the GPU");
        } catch (TimeoutException e) {
            return failed("the GPU probe did not finish within " + boundMillis + " ms");
        } catch (ExecutionException e) {
            return failed("GPU probe failed: " + e.getCause());
        }
    }

    private static GpuProbes.Outcome failed(String problem) {
        return new GpuProbes.Outcome(null, "none", null, 0, problem);
    }
}
