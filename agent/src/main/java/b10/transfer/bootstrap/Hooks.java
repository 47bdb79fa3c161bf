package b10.transfer.bootstrap;

/**
 * The only class of ours that instrumented code calls. It is appended to the bootstrap class
 * path before any instrumentation, so that code in every class loader (ProcessBuilder in the
 * JDK itself, application classes in a server's own loaders) can see it. JDK types only.
 */
public final class Hooks {
    /** Blocks until the restore is done, bounded by the agent; null when nothing is to be awaited. */
    public static volatile Runnable beforeProcessStart;
    /** Runs after a configured method returns. */
    public static volatile Runnable afterMethod;

    private Hooks() {
    }

    public static void beforeProcessStart() {
        Runnable r = beforeProcessStart;
        if (r != null) {
            try {
                r.run();
            } catch (Throwable ignored) {
                // never let the agent break the application's process start
            }
        }
    }

    public static void afterMethod() {
        Runnable r = afterMethod;
        if (r != null) {
            try {
                r.run();
            } catch (Throwable ignored) {
                // the application's method has returned; its result must stand
            }
        }
    }
}
