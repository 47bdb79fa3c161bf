package b10.transfer.agent;

import b10.transfer.store.StoreNames;
import b10.transfer.store.SwapLeftovers;
import java.io.File;
import java.nio.file.Path;

/**
 * Whether, at the JVM's start, a restore certainly has nothing to do: the store is a directory
 * that is absent or holds no archive, the local cache is absent or empty, and nothing beside it
 * waits for a recovery. Then the application's main need not wait for the agent: its own start (the
 * logger, the load's checks, the watcher) runs beside main. An S3 store, a method trigger, or any
 * doubt takes the usual path. java.io and names only, and bounded: a stuck mount must not hold main here.
 */
final class NothingToRestore {
    /** Longer than a healthy listing of a store directory; past it the usual path, bounded by the load timeout, takes over. */
    static final long BOUND_MILLIS = 200;

    private NothingToRestore() {
    }

    /**
     * The caller asks only for a directory store and without a method trigger (one is installed before
     * main, so that no call of the method is missed).
     */
    static boolean atStart(Path storeDir, Path localCacheDir) {
        Look look = new Look(storeDir, localCacheDir);
        look.setDaemon(true);
        look.start();
        try {
            look.join(BOUND_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return look.nothing; // false while it still looks (a slow mount): the usual path says why, within its bound
    }

    /**
     * A thread of its own, joined with a bound: a plain thread, not a future and not a lambda, so
     * that nothing more than this class is loaded on the host's start-up path.
     */
    private static final class Look extends Thread {
        private final Path storeDir;
        private final Path localCacheDir;
        private volatile boolean nothing;

        Look(Path storeDir, Path localCacheDir) {
            super("b10-transfer-look");
            this.storeDir = storeDir;
            this.localCacheDir = localCacheDir;
        }

        @Override
        public void run() {
            try {
                nothing = nothingThere();
            } catch (RuntimeException | Error e) {
                nothing = false; // any doubt: the usual path
            }
        }

        private boolean nothingThere() {
            File store = storeDir.toFile();
            String[] names = store.list();
            if (names == null && store.exists()) {
                return false; // a file, or unreadable: the load's error names it
            }
            if (names != null) {
                for (String n : names) {
                    if (StoreNames.isArchive(n) || StoreNames.isLayer(n)) {
                        return false;
                    }
                }
            }
            if (!emptyCache(localCacheDir)) {
                return false; // a file, unreadable, or a cache in place: the usual path says which, as before
            }
            return !SwapLeftovers.mayBeBeside(localCacheDir);
        }
    }

    /**
     * Whether the local cache is absent or holds nothing (a volume's lost+found aside; b10-transfer's
     * own directory counts, since it may hold a swap to complete). False where it cannot be listed.
     */
    static boolean emptyCache(Path localCacheDir) {
        File local = localCacheDir.toFile();
        if (!local.exists()) {
            return true;
        }
        String[] held = local.list();
        // a constant: CacheTree is not loaded
        return held != null && held.length <= (java.util.Arrays.asList(held).contains(b10.transfer.archive.CacheTree.LOST_FOUND) ? 1 : 0);
    }
}
