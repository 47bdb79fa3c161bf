package b10.transfer.archive;

import java.nio.file.Path;

/**
 * What, at the top of a local cache directory, is not the cache: the directory where b10-transfer
 * keeps its own work when it cannot work beside the cache (a cache directory that is a mount
 * point, or whose parent it cannot write), and the {@code lost+found} an ext4 volume mounted there
 * brings. Every walk of a cache (saves, listings, fingerprints, "is it empty") leaves both out.
 */
public final class CacheTree {
    /** b10-transfer's own directory inside the cache, where it works in place. */
    public static final String HOME = ".b10-transfer";
    public static final String LOST_FOUND = "lost+found";

    private CacheTree() {
    }

    /** Whether {@code p}, found while walking the cache at {@code root}, is one of the two. */
    public static boolean notTheCaches(Path root, Path p) {
        // by name count, not getParent(): the watcher walks the whole tree at every poll
        return p.getNameCount() == root.getNameCount() + 1 && p.startsWith(root)
                && notTheCaches(p.getFileName().toString());
    }

    /** Whether a name at the top of the cache is one of the two. */
    public static boolean notTheCaches(String name) {
        return name.equals(HOME) || name.equals(LOST_FOUND);
    }
}
