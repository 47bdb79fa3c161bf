package b10.transfer.key;

import b10.transfer.config.Settings;
import b10.transfer.base.Workers;
import b10.transfer.probe.GpuFacts;
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
        return start(settings, env).await();
    }

    /** Starts the GPU probe on its own thread and reads the Python packages on this one. */
    public static Pending start(Settings settings, Map<String, String> env) {
        long bound = settings.probeTimeout.toMillis();
        FutureTask<GpuProbes.Outcome> probe = new FutureTask<>(
                () -> GpuProbes.probe(settings.gpuBackend, settings.libcuda, settings.gpuDevice, bound));
        Workers.daemon("key-gpu", probe).start();
        PythonPackages.Versions versions = settings.torchVersion != null
                ? PythonPackages.given(settings.torchVersion, settings.torchCuda, settings.tritonVersion)
                : PythonPackages.read(settings.python, env);
        return new Pending(settings, versions, probe);
    }

    /** A resolution over a given probe: the tests' way to hold a key whose driver has not answered. */
    static Pending pending(Settings settings, PythonPackages.Versions versions, FutureTask<GpuProbes.Outcome> probe) {
        return new Pending(settings, versions, probe);
    }

    /** A key whose Python part is known and whose GPU part the driver is still being asked for. */
    public static final class Pending {
        private final Settings settings;
        private final PythonPackages.Versions versions;
        private final FutureTask<GpuProbes.Outcome> probe;

        private Pending(Settings settings, PythonPackages.Versions versions, FutureTask<GpuProbes.Outcome> probe) {
            this.settings = settings;
            this.versions = versions;
            this.probe = probe;
        }

        public Settings.KeyMode mode() {
            return settings.keyMode;
        }

        /** Whether the driver has not answered yet. */
        public boolean probing() {
            return !probe.isDone();
        }

        /** The key, once the driver has answered (or its bound has passed: the key then says cpu). */
        public Resolved await() {
            GpuProbes.Outcome gpu = KeyResolver.await(probe, settings.probeTimeout.toMillis());
            EnvironmentKey key = EnvironmentKey.of(versions, gpu.facts(), settings.keyMode, settings.keyGpuCount);
            return new Resolved(gpu.unknown() ? key.withGpuUnknown(gpuUnknown(gpu)) : key, versions, gpu);
        }

        /**
         * The key this environment has if its GPU is the one a stored key names: that key, rebuilt
         * from this environment's Python packages and the stored text's GPU, where the rebuilt text
         * is the stored text exactly. Null where the driver has answered already (there is nothing
         * to guess), where torch was not found, or where the stored key differs in more than its GPU.
         */
        public EnvironmentKey assuming(String storedText) {
            if (probe.isDone() || storedText == null) {
                return null;
            }
            GpuFacts gpu = gpuNamedBy(EnvironmentKey.componentsOf(storedText), settings.keyMode);
            EnvironmentKey k = EnvironmentKey.of(versions, gpu, settings.keyMode, settings.keyGpuCount);
            return k.torchFound() && k.text().equals(storedText) ? k : null;
        }

        /** The GPU a stored key's components name (null: a CPU key). The driver's version is not part of a key. */
        private static GpuFacts gpuNamedBy(Map<String, String> c, Settings.KeyMode mode) {
            if (mode == Settings.KeyMode.SEED) {
                String name = c.get("device name");
                return name == null ? null : new GpuFacts(0, 1, 0, name, 0, 0, null);
            }
            String name = c.get("gpu");
            String cc = c.get("compute capability");
            int dot = cc == null ? -1 : cc.indexOf('.');
            if (name == null || dot < 0) {
                return null;
            }
            try {
                String count = c.get("visible gpus");
                return new GpuFacts(0, count == null ? 1 : Integer.parseInt(count), 0, name,
                        Integer.parseInt(cc.substring(0, dot)), Integer.parseInt(cc.substring(dot + 1)), null);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** Why a key without the GPU must not be used, and what to set. */
    static String gpuUnknown(GpuProbes.Outcome gpu) {
        String lib = gpu.library() == null ? null : gpu.library().toString();
        return "this machine's GPU could not be asked about (" + gpu.problem()
                + (lib == null || gpu.problem().contains(lib) ? "" : "; driver " + lib) + "), and a key without it"
                + " would file this machine's kernels as a CPU cache: fix that"
                + " (B10_TRANSFER_GPU_BACKEND, B10_TRANSFER_GPU_DEVICE, B10_TRANSFER_PROBE_TIMEOUT_MS), or set"
                + " B10_TRANSFER_GPU_BACKEND=none to key this machine as a CPU";
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
        return GpuProbes.Outcome.unanswered(problem);
    }
}
