package b10.transfer.probe;

import b10.transfer.base.IsolatedClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Picks a backend and runs it under a deadline. cuInit can hang on a broken driver; the call
 * runs on a daemon thread and is abandoned at the deadline, so the caller always gets an answer.
 * "auto" tries the backends cheapest first, as measured by {@code probe} in fresh JVMs on a GPU
 * machine and on the stand-in driver: jcuda, then jna, then panama (JDK 22+).
 */
public final class GpuProbes {

    /**
     * The answer of one probe: facts when the driver answered, else the reason it did not.
     *
     * @param unknown whether the machine may have a GPU that could not be asked about: a driver is
     *                present but no binding could load, or the driver did not answer in time. Not
     *                where there is no driver, the probe is off, or the driver answered with an error
     *                (torch hears the same error and runs on the CPU).
     */
    public record Outcome(GpuFacts facts, String backend, Path library, long nanos, String problem, boolean unknown) {
        public boolean ok() {
            return facts != null;
        }

        /** An answer that says nothing about the GPU: the probe itself failed. */
        public static Outcome unanswered(String problem) {
            return new Outcome(null, "none", null, 0, problem, true);
        }
    }

    private GpuProbes() {
    }

    public static List<String> backendsFor(String setting) {
        String s = setting == null ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "auto":
                // cheapest first, as measured in fresh JVMs (scripts/gpu-probe.sh, README): on an H200
                // jcuda 251 ms, jna 312 ms, panama 370 ms, most of it cuInit; the stand-in agrees
                List<String> order = new ArrayList<>(List.of("jcuda", "jna"));
                if (Runtime.version().feature() >= 22) {
                    order.add("panama");
                }
                return order;
            case "jna":
            case "jcuda":
            case "panama":
                return List.of(s);
            case "none":
                return List.of();
            default:
                throw new IllegalArgumentException("unknown GPU backend '" + setting + "' (auto, jna, jcuda, panama, none)");
        }
    }

    public static Outcome probe(String backendSetting, Path explicitLibrary, int deviceIndex, long timeoutMillis) {
        long start = System.nanoTime();
        List<String> backends = backendsFor(backendSetting);
        if (backends.isEmpty()) {
            return new Outcome(null, "none", null, System.nanoTime() - start, "GPU probe disabled (backend none)", false);
        }
        Optional<Path> lib = LibcudaLocator.find(explicitLibrary);
        if (lib.isEmpty()) {
            String where = explicitLibrary != null ? explicitLibrary.toString() : LibcudaLocator.SONAME + " on the loader's path";
            return new Outcome(null, backends.get(0), null, System.nanoTime() - start, "no CUDA driver: " + where + " not found", false);
        }
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        String problem = null;
        boolean driverAnswered = false;
        String tried = backends.get(0);
        for (String backend : backends) {
            tried = backend;
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            FutureTask<GpuFacts> task = new FutureTask<>(() -> load(backend).probe(lib.get(), deviceIndex));
            Thread t = new Thread(task, "b10-transfer-probe-" + backend);
            t.setDaemon(true);
            t.start();
            try {
                GpuFacts facts = task.get(left, TimeUnit.NANOSECONDS);
                return new Outcome(facts, backend, lib.get(), System.nanoTime() - start, null, false);
            } catch (TimeoutException e) {
                // The thread stays blocked inside the driver; it is a daemon and holds nothing of ours.
                return new Outcome(null, backend, lib.get(), System.nanoTime() - start,
                        "the CUDA driver did not answer within " + timeoutMillis + " ms (" + lib.get() + ", " + backend + ")", true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome(null, backend, lib.get(), System.nanoTime() - start, "interrupted while probing the GPU", true);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                problem = backend + ": " + (cause instanceof ProbeException ? cause.getMessage() : cause.toString());
                if (cause instanceof ProbeException && !(cause instanceof BackendUnavailable)) {
                    // the driver itself answered with an error: another binding would hear the same. Only
                    // cuInit's refusal says there is no GPU to use; a later call's leaves the GPU unknown
                    driverAnswered = cause instanceof DriverSequence.DriverRefused;
                    break;
                }
            }
        }
        return new Outcome(null, tried, lib.get(), System.nanoTime() - start, problem != null ? problem : "probe deadline passed",
                !driverAnswered);
    }

    /** Loads a backend class; JNA and JCuda ones through the isolating loader. */
    static GpuProbe load(String backend) throws BackendUnavailable {
        String cls;
        switch (backend) {
            case "jna": cls = "b10.transfer.probe.jna.JnaProbe"; break;
            case "jcuda": cls = "b10.transfer.probe.jcuda.JCudaProbe"; break;
            case "panama":
                if (Runtime.version().feature() < 22) {
                    throw new BackendUnavailable("the panama backend needs JDK 22 or newer (this is Java "
                            + Runtime.version().feature() + ")");
                }
                cls = "b10.transfer.probe.panama.PanamaProbe"; // compiled for 22: never loaded before that check
                break;
            default: throw new BackendUnavailable("unknown backend " + backend);
        }
        try {
            ClassLoader loader = "panama".equals(backend) ? GpuProbes.class.getClassLoader() : IsolatedClassLoader.shared();
            return (GpuProbe) Class.forName(cls, true, loader).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            String why = "panama".equals(backend) ? null : IsolatedClassLoader.problem();
            throw new BackendUnavailable(backend + " backend is not available: " + (why != null ? why : e.toString()));
        }
    }

    /** The binding could not be loaded on this JVM; another backend may still work. */
    public static final class BackendUnavailable extends ProbeException {
        public BackendUnavailable(String message) {
            super(message);
        }
    }
}
