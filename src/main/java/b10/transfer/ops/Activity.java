package b10.transfer.ops;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this JVM did to each local cache directory: the last restore and the last save, and the
 * listing after each, so that a save can tell whether anything changed and {@code info} can report it.
 */
public final class Activity {
    private static final Map<Path, Activity> BY_DIR = new ConcurrentHashMap<>();

    private volatile LoadResult restored;
    private volatile SaveResult saved;
    private volatile TreeFingerprint afterRestore;
    private volatile TreeFingerprint lastKnown;
    private volatile int newFilesSinceRestore;

    public static Activity of(Path localCacheDir) {
        return BY_DIR.computeIfAbsent(localCacheDir.toAbsolutePath().normalize(), k -> new Activity());
    }

    void restored(LoadResult r, TreeFingerprint after) {
        restored = r;
        afterRestore = after;
        lastKnown = after;
    }

    void saved(SaveResult r, TreeFingerprint before) {
        saved = r;
        lastKnown = before;
    }

    /** Set by the agent's watcher: files written after the restore, to tell a used cache from an unused one. */
    public void newFilesSinceRestore(int n) {
        newFilesSinceRestore = n;
    }

    public TreeFingerprint lastKnown() {
        return lastKnown;
    }

    public TreeFingerprint afterRestore() {
        return afterRestore;
    }

    public LoadResult restored() {
        return restored;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        LoadResult r = restored;
        SaveResult s = saved;
        m.put("restored", r == null ? null : r.toMap());
        m.put("saved", s == null ? null : s.toMap());
        m.put("restored_files", r == null ? 0 : r.files());
        m.put("new_files_since_restore", newFilesSinceRestore);
        return m;
    }
}
