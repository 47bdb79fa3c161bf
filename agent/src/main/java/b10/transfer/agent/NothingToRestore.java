package b10.transfer.agent;

import b10.transfer.config.Settings;
import b10.transfer.config.StoreLocation;
import b10.transfer.store.LocalCache;
import b10.transfer.store.StoreNames;
import java.io.File;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

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

    static boolean atStart(Settings settings) {
        if (!(settings.store instanceof StoreLocation.Directory) || settings.saveAfterMethod != null) {
            return false; // a method trigger is installed before main, so that no call of the method is missed
        }
        FutureTask<Boolean> look = new FutureTask<>(new Look(settings));
        Thread t = new Thread(look, "b10-transfer-look");
        t.setDaemon(true);
        t.start();
        try {
            return look.get(BOUND_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false; // slow or failed: the usual path says why, within its bound
        }
    }

    /** A named class, not a lambda: no invokedynamic bootstrap on the host's start-up path. */
    private static final class Look implements java.util.concurrent.Callable<Boolean> {
        private final Settings settings;

        Look(Settings settings) {
            this.settings = settings;
        }

        @Override
        public Boolean call() {
            File store = ((StoreLocation.Directory) settings.store).dir().toFile();
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
            File local = settings.localCacheDir.toFile();
            if (local.exists()) {
                String[] held = local.list();
                if (held == null || held.length > 0) {
                    return false; // a file, unreadable, or a cache in place: the usual path says which, as before
                }
            }
            return !LocalCache.mayNeedRecovery(settings.localCacheDir);
        }
    }
}
