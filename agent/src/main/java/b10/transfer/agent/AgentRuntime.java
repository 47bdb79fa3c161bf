package b10.transfer.agent;

import b10.transfer.Log;
import b10.transfer.LoadStatus;
import b10.transfer.SaveStatus;
import b10.transfer.archive.ZstdCodecs;
import b10.transfer.config.Settings;
import b10.transfer.key.KeyResolver;
import b10.transfer.ops.CacheOperations;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.OperationControl;
import b10.transfer.ops.Operations;
import b10.transfer.ops.Readiness;
import b10.transfer.ops.SaveResult;
import b10.transfer.base.Workers;
import java.lang.instrument.Instrumentation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The agent's life in one JVM: restore before main (or alongside it, holding process starts),
 * then save at exit, after a quiet period, or after a named method, each save bounded in time.
 */
final class AgentRuntime {
    private final Settings settings;
    private final Operations operations;
    private final Instrumentation inst;
    private final OperationControl restoreControl;
    private final AtomicBoolean saving = new AtomicBoolean();
    private final CacheMonitor monitor;
    private volatile FutureTask<LoadResult> restore;
    private volatile CacheWatcher watcher;
    private volatile KeyResolver.Resolved env;

    AgentRuntime(Settings settings, Instrumentation inst) {
        this.settings = settings;
        // assembled as the CLI's and the library's are (the control watches B10_TRANSFER_MIN_FREE_MB)
        this.operations = Operations.of(settings, this::environmentFound);
        this.inst = inst;
        this.restoreControl = operations.newControl();
        this.monitor = new CacheMonitor(settings);
    }

    /**
     * @param nothingToRestore the store held no archive at the JVM's start ({@link NothingToRestore}):
     *                         this runs beside main, the load only checks (it never restores while the
     *                         application runs), and the exit save was registered already
     */
    void run(List<String> optionProblems, boolean nothingToRestore) {
        Log.level(settings.logLevel);
        if ("debug".equals(settings.logLevel)) {
            Log.get().debug("b10-transfer {} agent in {} (Java {})", b10.transfer.Version.get(),
                    System.getProperty("sun.java.command", "a JVM without a launcher command"), Runtime.version());
        }
        NativeAccess.recordAtStart(inst);
        restore = new FutureTask<>(() -> restoreNow(!nothingToRestore));
        Workers.daemon("restore", restore).start();
        // The logger is opened here while the restore works: this thread would only be waiting.
        Log.get();
        for (String p : optionProblems) {
            Log.get().warn(p);
        }
        Duration bound = settings.loadTimeout.plus(settings.probeTimeout);
        if (settings.restoreInBackground && !nothingToRestore) {
            holdProcessStarts(() -> awaitRestore(bound));
        } else {
            awaitRestore(bound); // with nothing to restore, this thread runs beside main: only it waits
        }
        if (settings.saveOnExit && !nothingToRestore) {
            Runtime.getRuntime().addShutdownHook(new Thread(this::saveAtExit, "b10-transfer-shutdown-save"));
        }
        if (settings.saveAfterMethod != null) {
            triggerAfterMethod(settings.saveAfterMethod, () -> saveNow("after " + settings.saveAfterMethod));
        }
        watcher = new CacheWatcher(settings, () -> saveNow("after a quiet period"), (restoredFiles, fresh) -> {
            monitor.unused();
            try {
                FlightEvents.unusedCache(keyText(), restoredFiles, fresh);
            } catch (Throwable t) {
                // a runtime without jdk.jfr
            }
            return 0;
        });
        watcher.startAfter(restore);
        Workers.daemon("monitor", this::publishFigures).start();
        if (settings.saveAfterReadyUrl != null) {
            Workers.daemon("ready", this::saveAfterReady).start();
        }
    }

    /**
     * In background-restore mode, holds ProcessBuilder.start (which Runtime.exec also goes through)
     * until the restore has ended or its bound has passed: a JVM server starts its Python workers as
     * child processes, and they must find the cache complete. Byte Buddy is loaded only here.
     */
    private void holdProcessStarts(Runnable awaitRestore) {
        Hooks.beforeProcessStart = new Runnable() {
            private volatile boolean done;

            @Override
            public void run() {
                if (!done) {
                    awaitRestore.run();
                    done = true;
                }
            }
        };
        try {
            InstrumentJar.holdProcessStarts(inst);
        } catch (Throwable t) {
            // without the gate, the restore still runs; wait for it here rather than risk an early child process
            Log.get().warn("cannot hold process starts during the background restore ({}); waiting for it before main",
                    cause(t));
            awaitRestore.run();
        }
    }

    /**
     * B10_TRANSFER_SAVE_AFTER_METHOD=com.example.Server#warmup: when that method returns normally, a
     * save starts on a daemon thread (the method's caller is not held). Byte Buddy is loaded only here.
     */
    private void triggerAfterMethod(String spec, Runnable save) {
        int hash = spec.indexOf('#');
        try {
            Hooks.afterMethod = () -> Workers.daemon("method-save", save).start();
            InstrumentJar.triggerAfter(inst, spec.substring(0, hash), spec.substring(hash + 1));
        } catch (Throwable t) {
            Log.get().warn("cannot hook {} ({}); saves happen at exit and after quiet periods only", spec, cause(t));
        }
    }

    /** The installer's own failure, not the reflective call's wrapper. */
    private static String cause(Throwable t) {
        Throwable c = t instanceof java.lang.reflect.InvocationTargetException && t.getCause() != null ? t.getCause() : t;
        return c.toString();
    }

    private volatile boolean exiting;

    /**
     * Registers the MBean and records the restore's JFR event, B10_TRANSFER_JMX_DELAY_S after the
     * start: late, so that the host's start-up does not pay for loading JMX and JFR classes, and so
     * that an application server installs its own MBean server builder and log manager first.
     */
    private void publishFigures() {
        try {
            Thread.sleep(settings.jmxDelay.isNegative() ? 10_000 : settings.jmxDelay.toMillis());
            LoadResult r = restore.get(settings.loadTimeout.plus(settings.probeTimeout).toMillis(), TimeUnit.MILLISECONDS);
            if (!settings.jmxDelay.isNegative()) {
                monitor.register();
            }
            FlightEvents.restored(r, restoreStarted, keyText(), settings.storeName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            // a restore that was cut, a runtime without jdk.jfr: nothing to publish
        }
    }

    /**
     * Polls the server's readiness URL after the restore; at its first 200, waits for the cache to be
     * quiet for a moment and saves once. Gives up with one line at B10_TRANSFER_READY_TIMEOUT_S.
     */
    private void saveAfterReady() {
        try {
            FutureTask<LoadResult> r = restore;
            if (r != null) {
                try {
                    r.get(settings.loadTimeout.plus(settings.probeTimeout).toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException
                         | TimeoutException e) {
                    // the restore's own line said what happened; the server's compile work is still worth saving
                }
            }
            long t0 = System.nanoTime();
            Readiness.Outcome o = Readiness.await(settings.saveAfterReadyUrl, settings.readyInterval, settings.readyTimeout,
                    () -> exiting);
            if (o == Readiness.Outcome.READY) {
                Log.get().debug("{} answered 200 after {} ms; saving once the cache is quiet", settings.saveAfterReadyUrl,
                        (System.nanoTime() - t0) / 1_000_000);
                Readiness.awaitQuiet(settings.localCacheDir);
                if (!exiting) {
                    saveNow("after the server became ready");
                }
            } else if (o == Readiness.Outcome.TIMED_OUT) {
                Log.get().info("no save after readiness: {} did not answer 200 within {} s (B10_TRANSFER_READY_TIMEOUT_S)",
                        settings.saveAfterReadyUrl, settings.readyTimeout.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            Log.get().debug("readiness watch stopped: {}", t.toString());
        }
    }

    /** The restore's error, so that a save failing for the same reason does not print a second error line. */
    private volatile String restoreError;
    /** Its cause's own message: a save's failure words its operation differently around the same cause. */
    private volatile String restoreErrorCause;

    /** @param mayRestore false where the application already runs (nothing was there to restore at its start) */
    private LoadResult restoreNow(boolean mayRestore) {
        // the key is computed by the load only when the store holds archives at all
        restoreStarted = System.currentTimeMillis();
        LoadResult r = mayRestore ? operations.loadUnbounded(false, restoreControl) : operations.loadWithoutRestoring(restoreControl);
        monitor.restored(r);
        NativeAccess.adviseIfNeeded(isolatedLibraryLoaded(), panamaLoaded());
        String where = r.status() == LoadStatus.SUCCESS ? r.message() + " in " + r.millis() + " ms" : r.message();
        if (r.status() == LoadStatus.ERROR) {
            restoreError = r.message();
            restoreErrorCause = r.error() == null ? null : r.error().getMessage();
            if (r.error() instanceof CacheOperations.KeyIncomplete) {
                // a configuration problem of this JVM: one warning, and its saves say nothing more
                Log.get().warn("the agent neither restores nor saves in this JVM: {}", r.message());
            } else {
                Log.get().error("restore failed, the application starts without the cache: {}", where);
            }
        } else if (r.status() == LoadStatus.SKIPPED && mayRestore) {
            // nothing done: a JVM that finds its cache in place (a server's helper JVM, say) prints nothing
            Log.get().debug("restore {}: {}", r.status(), where);
        } else {
            Log.get().info("restore {}: {}", r.status(), where);
        }
        return r;
    }

    private volatile long restoreStarted;

    /** A begun JFR save event, or null where the runtime has no jdk.jfr (its classes fail to link). */
    private static Object jfrBeginSave() {
        try {
            return FlightEvents.beginSave();
        } catch (Throwable t) {
            return null;
        }
    }

    private String keyText() {
        KeyResolver.Resolved e = env;
        return e == null ? "" : e.key().text();
    }

    /** Says once what the GPU probe found, when a step first computes the key. */
    private void environmentFound(KeyResolver.Resolved e) {
        env = e;
        monitor.key(e.key().text());
        if (e.gpu().ok()) {
            Log.get().debug("GPU {} via {} in {} ms", e.gpu().facts().toMap(), e.gpu().backend(), e.gpu().nanos() / 1_000_000);
        } else if ("none".equals(settings.gpuBackend)) {
            Log.get().debug("GPU facts not asked for, the key says cpu: {}", e.gpu().problem()); // the user's choice
        } else if (e.gpu().unknown()) {
            // the key is incomplete: the operation that needs it says so, once, as an error of this JVM
            Log.get().debug("GPU facts unavailable, the key is incomplete: {}", e.gpu().problem());
        } else {
            Log.get().info("GPU facts unavailable, the key says cpu: {}", e.gpu().problem());
        }
        Log.get().debug("environment key {}", e.key());
        if ("debug".equals(settings.logLevel)) {
            Log.get().debug("where the key's components came from: {}",
                    b10.transfer.Json.write(b10.transfer.key.KeySources.of(settings, e, System.getenv())));
        }
    }

    /** Whether this JVM loaded a library through the isolated loader: native zstd, JNA's or JCuda's driver binding. */
    private boolean isolatedLibraryLoaded() {
        KeyResolver.Resolved e = env;
        return (e != null && e.gpu().library() != null && !"panama".equals(e.gpu().backend())) || ZstdCodecs.nativeLoaded();
    }

    /** Whether the Panama probe, which runs in the jar's own loader, called the driver. */
    private boolean panamaLoaded() {
        KeyResolver.Resolved e = env;
        return e != null && e.gpu().library() != null && "panama".equals(e.gpu().backend());
    }

    /** Waits for the restore within the bound; past it, the restore is cancelled and the application goes on. */
    private void awaitRestore(Duration bound) {
        FutureTask<LoadResult> r = restore;
        if (r == null || r.isDone()) {
            return;
        }
        try {
            r.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            restoreControl.cancel("restore timed out");
            Log.get().error("restore timed out after {} s (B10_TRANSFER_LOAD_TIMEOUT_S); the application starts without the cache",
                    bound.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            Log.get().error("restore failed: {}", e.toString());
        }
    }

    void saveAtExit() {
        exiting = true;
        try {
            FutureTask<LoadResult> r = restore;
            if (r != null && !r.isDone()) {
                restoreControl.cancel("the JVM is exiting");
                return; // a cache that was never restored has nothing of this run worth saving over the store's
            }
            CacheWatcher w = watcher;
            if (w != null) {
                w.stop();
            }
            saveNow("at exit");
        } catch (Throwable t) {
            System.err.println("b10-transfer: save at exit failed: " + t);
        }
    }

    /** One save at a time; a trigger that finds a save running does nothing (the running one covers it). */
    void saveNow(String why) {
        if (!saving.compareAndSet(false, true)) {
            return;
        }
        try {
            Object event = jfrBeginSave();
            SaveResult s = operations.save(operations.newControl(), true);
            monitor.saved(s);
            try {
                FlightEvents.endSave(event, s, why, keyText(), settings.storeName());
            } catch (Throwable t) {
                // a runtime without jdk.jfr
            }
            NativeAccess.adviseIfNeeded(isolatedLibraryLoaded(), panamaLoaded());
            if (s.status() == SaveStatus.ERROR && (s.message().equals(restoreError)
                    || s.error() != null && s.error().getMessage() != null && s.error().getMessage().equals(restoreErrorCause))) {
                // a setting or a path that was wrong at start is wrong now: its one error line was printed
                Log.get().debug("save {} not done: {}", why, s.message());
            } else if (s.status() == SaveStatus.ERROR) {
                Log.get().error("save {} failed: {}", why, s.message());
            } else if (s.status() == SaveStatus.SKIPPED) {
                Log.get().debug("save {} {}: {}", why, s.status(), s.message());
            } else {
                Log.get().info("save {} {}: {}{}", why, s.status(), s.message(),
                        s.status() == SaveStatus.SUCCESS ? " in " + s.millis() + " ms" : "");
            }
        } catch (Throwable t) {
            Log.get().error("save {} failed: {}", why, t.toString());
        } finally {
            saving.set(false);
        }
    }
}
