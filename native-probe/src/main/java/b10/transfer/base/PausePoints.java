package b10.transfer.base;

/**
 * Named instants of a save or a load where a crash test can hold the operation and kill the
 * process there with SIGKILL. Off unless the JVM is started with
 * {@code -Db10.transfer.pauseAt=NAME[,NAME...]}: then, on reaching a named point, the thread prints
 * {@code b10-transfer: paused at NAME} to stderr and sleeps until the process is killed.
 * <p>Save: temp-created, mid-transfer, after-fsync, before-rename, after-rename; on S3 also
 * before-pointer (the archive uploaded, the pointer not yet replaced) and after-pointer. A save's
 * compaction (its layer already published): compaction-started, before-compaction-rename
 * (directory store), compaction-published.
 * Load: staging-created, mid-transfer, before-swap, between-swap-renames, after-swap.
 */
public final class PausePoints {
    private static final String ARMED = armedPoints();

    private PausePoints() {
    }

    /** A host's security manager may refuse property reads: then nothing is armed, and saves and loads go on. */
    private static String armedPoints() {
        try {
            return System.getProperty("b10.transfer.pauseAt");
        } catch (RuntimeException e) {
            return null;
        }
    }

    public static boolean armed() {
        return ARMED != null;
    }

    public static void reach(String name) {
        if (ARMED == null || !(',' + ARMED + ',').contains(',' + name + ',')) {
            return;
        }
        System.err.println("b10-transfer: paused at " + name);
        System.err.flush();
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // held until killed: a crash test is waiting to send SIGKILL
            }
        }
    }
}
