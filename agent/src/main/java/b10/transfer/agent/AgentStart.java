package b10.transfer.agent;

import b10.transfer.CacheValidationError;
import b10.transfer.Log;
import b10.transfer.config.Settings;
import b10.transfer.config.StartSettings;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The enabled agent's first decisions, before the application's main: whether this JVM is one the
 * agent acts in, and whether the store holds anything to restore. Where it stands aside, or the
 * store holds nothing, main goes on having paid only for {@link StartSettings} and one bounded look:
 * the full settings and {@link AgentRuntime} (large classes, several milliseconds when first run
 * interpreted) are built beside main on {@code b10-transfer-start}. Anything unusual in those few
 * settings takes the usual path, where the full settings judge it before main, as always.
 */
public final class AgentStart {
    /** The exit save's wait for a start whose settings are not built yet: the save timeout's default. */
    private static final long DEFAULT_START_WAIT_MILLIS = 25_000;
    /** Without an exit save, how long the exit waits for the start to say what it has to (its settings are read first). */
    private static final long MESSAGES_WAIT_MILLIS = 1_000;
    /**
     * How long a start beside main lets the application go first. Nothing in it is urgent (the store
     * held nothing, so there is nothing to restore; the exit save waits for it anyway), while the
     * JVM's first moments are its busiest: main's class loading and the JIT compilers. On 2 cores the
     * start's own work (its settings, classes, the key) took about a third of what the agent added
     * before main. An exit during the pause ends it at once.
     */
    private static final long HEAD_START_MILLIS = 300;

    private AgentStart() {
    }

    /**
     * Where AgentMain hands over, through the implementation's loader (CoreLoader), for an agent that
     * is not disabled. A reflective call, in premain's own shape: the JDK has spun the method handles
     * of such a call to run premain, and a call of another shape would spin its own (about 9 ms of the
     * host's start).
     */
    public static void premain(String args, Instrumentation inst) {
        List<String> problems = new ArrayList<>();
        start(AgentOptions.parse(args, problems), problems, inst);
    }

    /** @param problems the agent options' problems so far */
    static void start(Map<String, String> options, List<String> problems, Instrumentation inst) {
        StartSettings early = StartSettings.read(System.getenv(), System.getProperties(), options);
        if (early != null) {
            String aside = JvmSelection.standAside(System.getProperty("sun.java.command"), early.onlyIn);
            if (aside != null && !early.logLevelSet) {
                return; // a JVM the agent is not meant for (the JDK's tools, a server's helper JVMs): nothing is owed to it
            }
            if (aside == null && early.storeDir != null && !early.saveAfterMethod
                    && NothingToRestore.atStart(early.storeDir, early.localCacheDir)) {
                Deferred.begin(early.saveOnExit, options, inst, problems);
                return;
            }
        }
        Settings settings = settings(options);
        if (settings == null || !settings.enabled) {
            return;
        }
        String aside = JvmSelection.standAside(System.getProperty("sun.java.command"), settings.onlyIn);
        if (aside != null) {
            if ("debug".equals(settings.logLevel)) {
                Log.level(settings.logLevel);
                Log.get().debug("the agent stands aside: {}", aside);
            }
            return;
        }
        problems.addAll(settings.warnings);
        new AgentRuntime(settings, inst).run(problems, false);
    }

    /** This JVM's settings, or null after one line on standard error naming what is wrong. */
    private static Settings settings(Map<String, String> options) {
        try {
            return Settings.from(System.getenv(), Settings.systemProperties(), options);
        } catch (CacheValidationError e) {
            System.err.println("b10-transfer: configuration error, the agent is off for this JVM: " + e.getMessage());
            return null;
        }
    }

    /**
     * The agent's start on a thread of its own, beside the application's main, where the store held
     * nothing to restore at the JVM's start: main does not wait for the settings, the logger, the
     * load's checks or the watcher, and they begin after the application's head start. The exit
     * hook is registered at once: it waits (bounded) for that start, so that what the start has to
     * say (a configuration error above all) is said even by a JVM that exits at once, and then saves
     * where exit saves are on. A JVM that exits during the head start with nothing in its local
     * cache has nothing to save: its start reads the settings, says what is wrong with them, and ends.
     */
    private static final class Deferred implements Runnable {
        private final Map<String, String> options;
        private final Instrumentation inst;
        private final List<String> problems;
        private final Thread thread;
        private final boolean saveOnExit;
        private volatile Settings settings;
        private volatile AgentRuntime runtime;
        /** Set at exit: the head start ends there. Guarded by this. */
        private boolean exiting;

        private Deferred(boolean saveOnExit, Map<String, String> options, Instrumentation inst, List<String> problems) {
            this.saveOnExit = saveOnExit;
            this.options = options;
            this.inst = inst;
            this.problems = problems;
            this.thread = new Thread(this, "b10-transfer-start");
            thread.setDaemon(true);
        }

        static void begin(boolean saveOnExit, Map<String, String> options, Instrumentation inst, List<String> problems) {
            Deferred d = new Deferred(saveOnExit, options, inst, problems);
            Runtime.getRuntime().addShutdownHook(new Thread(new AtExit(d), "b10-transfer-shutdown-save"));
            d.thread.start();
        }

        @Override
        public void run() {
            try {
                boolean exitedFirst = headStart();
                Settings s = settings(options);
                if (s == null || !s.enabled) {
                    return;
                }
                settings = s;
                problems.addAll(s.warnings);
                if (exitedFirst && (!s.saveOnExit || NothingToRestore.emptyCache(s.localCacheDir))) {
                    // the JVM ended during the head start with nothing to save: only what is wrong is said
                    if (!problems.isEmpty()) {
                        Log.level(s.logLevel);
                        for (String p : problems) {
                            Log.get().warn(p);
                        }
                    }
                    return;
                }
                AgentRuntime r = new AgentRuntime(s, inst);
                runtime = r;
                r.run(problems, true);
            } catch (Throwable t) {
                System.err.println("b10-transfer: agent failed to start, the application runs without it: " + t);
            }
        }

        /** Waits out the application's head start, or until the JVM exits; true where it exited first. */
        private synchronized boolean headStart() throws InterruptedException {
            long end = System.nanoTime() + HEAD_START_MILLIS * 1_000_000;
            for (long left = HEAD_START_MILLIS; !exiting && left > 0; left = (end - System.nanoTime()) / 1_000_000) {
                wait(left);
            }
            return exiting;
        }

        private synchronized void exiting() {
            exiting = true;
            notifyAll();
        }

        /** At exit: the start (its load's checks included) finished, within the save's bound; then the usual exit save, if on. */
        void atExit() {
            exiting();
            try {
                Settings s = settings;
                long bound = s == null ? DEFAULT_START_WAIT_MILLIS
                        : Math.min(s.loadTimeout.plus(s.probeTimeout).toMillis(), s.saveTimeout.toMillis());
                // without a save to make, only the start's lines are awaited: a stuck mount must not hold the exit
                thread.join(saveOnExit ? bound : Math.min(bound, MESSAGES_WAIT_MILLIS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            AgentRuntime r = runtime;
            if (r != null && saveOnExit) {
                r.saveAtExit();
            }
        }
    }

    /** A named class, not a lambda: registered on the host's start-up path. */
    private static final class AtExit implements Runnable {
        private final Deferred deferred;

        AtExit(Deferred deferred) {
            this.deferred = deferred;
        }

        @Override
        public void run() {
            deferred.atExit();
        }
    }
}
