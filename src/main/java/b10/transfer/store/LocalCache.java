package b10.transfer.store;

import b10.transfer.archive.CacheTree;
import b10.transfer.base.OsError;
import b10.transfer.base.PausePoints;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * The local cache directory and its siblings: archives are extracted into a staging directory
 * beside it and renamed into place, so the cache is either as before or fully new. Replacing a
 * cache that exists takes two renames (cache to ".old", staging to cache); a crash between them
 * leaves the ".old" directory, which {@link #recover()} moves back before the next operation.
 *
 * <p>Where the cache directory cannot be renamed or its parent cannot be written (a volume
 * mounted there, as a Kubernetes emptyDir or a PVC is; a parent owned by another user or on a
 * read-only root filesystem), the work happens inside it instead: staging, listing and set-aside
 * directories live in {@link CacheTree#HOME}, and a swap moves the top-level entries out and
 * in under a marker that names its phase, which {@link #recover} completes after a crash.
 */
public final class LocalCache {
    private final Path dir;
    private final String base;
    /** Whether the work happens inside the cache (decided once, at first need). */
    private volatile Boolean inPlace;

    /** The setting that chose the directory, for messages. */
    private final String setting;

    public LocalCache(Path dir) {
        this(dir, "TORCH_CACHE_DIR");
    }

    public LocalCache(Path dir, String setting) {
        this.dir = dir.toAbsolutePath().normalize();
        this.base = "." + this.dir.getFileName() + ".b10-";
        this.setting = setting;
    }

    /** Why the cache's path cannot be used as its directory (a file, a link to nothing), or null where it can. */
    public String notADirectory() {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        if (Files.isSymbolicLink(dir)) {
            String to;
            try {
                to = Files.readSymbolicLink(dir).toString();
            } catch (IOException e) {
                to = "a target that cannot be read";
            }
            return "local cache " + dir + " (" + setting + ") is a symbolic link to " + to + ", which is not a directory:"
                    + " create that directory, or point " + setting + " at one";
        }
        return "local cache " + dir + " (" + setting + ") is not a directory";
    }

    public Path dir() {
        return dir;
    }

    /** True when the cache directory exists and holds at least one entry of the cache's (see {@link CacheTree}). */
    public boolean hasFiles() {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> !CacheTree.notTheCaches(p.getFileName().toString()));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether the work happens inside the cache directory: it exists, and it is a mount point (it
     * cannot be renamed) or its parent cannot be written. A directory that does not exist yet is
     * created, beside which the work then happens.
     */
    public boolean inPlace() {
        Boolean b = inPlace;
        if (b == null) {
            b = Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                    && (dir.getParent() == null || MountPoints.isMountPoint(dir) || !Files.isWritable(dir.getParent()));
            inPlace = b;
        }
        return b;
    }

    /** b10-transfer's own directory inside the cache, created on first use. */
    private Path home() throws IOException {
        try {
            return Files.createDirectories(dir.resolve(CacheTree.HOME));
        } catch (java.nio.file.FileSystemException e) {
            throw unwritable(e, dir, "where b10-transfer works inside a cache directory it cannot rename");
        }
    }

    /**
     * Throws a permission or read-only failure where our own work goes as a CacheError naming the
     * user's setting; returns any other failure as it is, for the caller to throw.
     */
    private IOException unwritable(java.nio.file.FileSystemException e, Path where, String role) {
        OsError kind = OsError.of(e);
        if (kind != OsError.PERMISSION && kind != OsError.READ_ONLY) {
            return e;
        }
        String why = kind == OsError.READ_ONLY ? "read-only filesystem" : "permission denied";
        throw new b10.transfer.CacheError("cannot write the local cache " + dir + " (" + setting + "): " + why
                + " in " + where + ", " + role + "; make it writable for user " + System.getProperty("user.name")
                + " or point " + setting + " elsewhere", e);
    }

    /** Undoes an interrupted swap and removes staging directories last changed before the cutoff. */
    public void recover(Instant before) {
        InPlaceSwap.recover(dir, FileTime.from(before));
        Path parent = dir.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        FileTime cutoff = FileTime.from(before);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, base + "*")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith(base + "old-") && !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Files.move(p, dir, StandardCopyOption.ATOMIC_MOVE);
                        continue;
                    } catch (IOException e) {
                        // another process restored it first
                    }
                }
                boolean ours = n.startsWith(base + "old-") || n.startsWith(base + "staging-");
                if (ours && (n.startsWith(base + "old-") || Files.getLastModifiedTime(p).compareTo(cutoff) < 0)) {
                    deleteTree(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort: nothing here is needed for correctness of the next operation
        }
    }

    /** Where the listing of the cache as the last restore or save left it is kept: beside the cache, or in its own directory inside. */
    public Path listingRecord() {
        return inPlace() ? dir.resolve(CacheTree.HOME).resolve("listing") : dir.resolveSibling(base + "listing");
    }

    /** A fresh name for a file being written beside the cache; removed by {@link #recover} if a crash leaves it. */
    public Path newStagingFile() throws IOException {
        String name = "staging-" + unique();
        return inPlace() ? home().resolve(name) : dir.resolveSibling(base + name);
    }

    public Path newStaging() throws IOException {
        if (inPlace()) {
            Path staging = Files.createDirectory(home().resolve("staging-" + unique()));
            PausePoints.reach("staging-created");
            return staging;
        }
        Path staging = dir.resolveSibling(base + "staging-" + unique());
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(staging);
        } catch (java.nio.file.FileSystemException e) {
            // the staging directory is ours: name what the user chose, and where it has to be writable
            throw unwritable(e, dir.getParent(), "where the cache directory is created");
        }
        PausePoints.reach("staging-created");
        return staging;
    }

    /**
     * Puts the staging directory in the cache's place.
     * @return false when the cache was filled by someone else meanwhile and {@code replace} is false
     */
    public boolean swapIn(Path staging, boolean replace) throws IOException {
        if (inPlace()) {
            return InPlaceSwap.swap(dir, staging, replace, this::hasFiles);
        }
        PausePoints.reach("before-swap");
        try {
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
            PausePoints.reach("after-swap");
            return true;
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + staging + " to " + dir + " atomically: " + e.getMessage(), e);
        } catch (IOException e) {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
            // the cache directory exists (empty, or filled meanwhile): rename(2) says ENOTEMPTY; swap instead
        }
        if (!replace && hasFiles()) {
            return false;
        }
        Path old = dir.resolveSibling(base + "old-" + unique());
        Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        PausePoints.reach("between-swap-renames");
        try {
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.move(old, dir, StandardCopyOption.ATOMIC_MOVE);
            throw e;
        }
        PausePoints.reach("after-swap");
        deleteTree(old);
        return true;
    }

    /** Empties the cache by moving it aside first, so a reader never sees it half deleted. */
    public boolean clear() throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        if (inPlace()) {
            InPlaceSwap.clear(dir);
            return true;
        }
        Path old = dir.resolveSibling(base + "old-" + unique());
        Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
        return true;
    }

    /** Deletes a tree without following links; errors are left for the next recovery. */
    public static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | RuntimeException e) {
            // left for recover()
        }
    }

    /**
     * A name part no other process or call picks: the clock's nanoseconds and 64 random bits (a
     * clash would fail the create, never share a directory). Not UUID.randomUUID, whose
     * SecureRandom loads the security providers (30-40 ms of a 2-core start), nor the process id,
     * whose first read starts ProcessHandle's executor.
     */
    static String unique() {
        return Long.toHexString(System.nanoTime()) + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }
}
