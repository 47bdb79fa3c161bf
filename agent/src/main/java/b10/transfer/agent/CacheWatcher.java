package b10.transfer.agent;

import b10.transfer.LoadStatus;
import b10.transfer.Log;
import b10.transfer.config.Settings;
import b10.transfer.ops.Activity;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.TreeFingerprint;
import b10.transfer.base.Workers;
import java.nio.file.Path;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Watches the local cache after the restore, by polling a cheap listing signature (count, bytes,
 * newest mtime) every two seconds: saves once the directory has been quiet for the configured time
 * after a change, and says once when a restored cache appears unused (many new files soon after a
 * successful restore: a wrong key, a changed model, a different GPU).
 */
final class CacheWatcher {
    static final long POLL_MILLIS = 2000;
    static final long UNUSED_WINDOW_MILLIS = 30 * 60 * 1000L;

    private final Settings settings;
    private final Runnable save;
    private final java.util.function.LongBinaryOperator onUnused;
    private volatile boolean running = true;
    private Thread thread;

    /** @param onUnused told (restored files, new files) when the restored cache appears unused */
    CacheWatcher(Settings settings, Runnable save, java.util.function.LongBinaryOperator onUnused) {
        this.settings = settings;
        this.save = save;
        this.onUnused = onUnused;
    }

    void startAfter(Future<LoadResult> restore) {
        if (settings.saveAfterQuiet.isZero() && settings.unusedCacheThreshold == 0) {
            return;
        }
        thread = Workers.daemon("watch", () -> {
            try {
                LoadResult r = restore.get();
                watch(r);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                Log.get().debug("cache watcher stopped: {}", t.toString());
            }
        });
        thread.start();
    }

    void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void watch(LoadResult restore) throws InterruptedException {
        Path dir = settings.localCacheDir;
        boolean restored = restore != null && restore.status() == LoadStatus.SUCCESS;
        long restoredFiles = restored ? restore.files() : 0;
        long started = System.currentTimeMillis();
        boolean unusedChecked = !restored || settings.unusedCacheThreshold == 0;
        long quiet = settings.saveAfterQuiet.toMillis();
        long signature = TreeFingerprint.signature(dir);
        long lastChange = 0;
        boolean pending = false;
        while (running) {
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            long now = System.currentTimeMillis();
            long s = TreeFingerprint.signature(dir);
            if (s != signature) {
                signature = s;
                lastChange = now;
                pending = true;
                if (!unusedChecked) {
                    unusedChecked = checkUnused(dir, restoredFiles, now - started);
                }
            }
            if (quiet > 0 && pending && now - lastChange >= quiet) {
                pending = false;
                save.run();
            }
            if (quiet == 0 && (unusedChecked || now - started > UNUSED_WINDOW_MILLIS)) {
                return;
            }
        }
    }

    /** @return true once the question is settled (reported, or the window has passed) */
    private boolean checkUnused(Path dir, long restoredFiles, long sinceRestore) {
        Activity activity = Activity.of(dir);
        TreeFingerprint before = activity.afterRestore();
        if (before == null) {
            return true;
        }
        int fresh = TreeFingerprint.of(dir).newFilesSince(before);
        activity.newFilesSinceRestore(fresh);
        if (fresh >= settings.unusedCacheThreshold && fresh * 2L >= restoredFiles) {
            Log.get().warn("the restored cache appears unused: {} new files written {} s after restoring {} files;"
                            + " the key may be wrong, or the model, shapes or GPU changed (B10_TRANSFER_UNUSED_CACHE_FILES)",
                    fresh, sinceRestore / 1000, restoredFiles);
            onUnused.applyAsLong(restoredFiles, fresh);
            return true;
        }
        return sinceRestore > UNUSED_WINDOW_MILLIS;
    }
}
