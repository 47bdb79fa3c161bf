package b10.transfer.agent;

/**
 * The only class of ours that instrumented code calls, by reflection through the system class
 * loader (which holds the agent jar): code in every class loader, ProcessBuilder in the JDK itself
 * and application classes in a server's own loaders, reaches it that way without our appending
 * anything to the bootstrap class path (after which HotSpot stops sharing archived classes of
 * other loaders, and says so on the host's output).
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
