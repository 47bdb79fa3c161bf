package b10.transfer.store;

import b10.transfer.archive.CacheTree;
import b10.transfer.base.PausePoints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The swap inside a cache directory that cannot itself be renamed (a mount point) or whose parent
 * cannot be written. Replacing a cache, its top-level entries are moved into a set-aside directory
 * (phase 1); then the staging directory's entries are moved in (phase 2): renames within one
 * filesystem. A marker in {@link CacheTree#HOME} names the staging and set-aside directories, the
 * phase and the process doing it. The staging directory is whole before the marker is written, so
 * a crash at any instant is completed by the next operation's {@link #recover}: the cache ends
 * fully new. Where something appears in the cache while phase 2 runs (an application writing its
 * own entries beside a background restore), the two are merged: a directory on both sides gets
 * the restored entries it lacks, and an entry on both sides stays the writer's.
 */
final class InPlaceSwap {
    static final String MARKER = "swap";

    private InPlaceSwap() {
    }

    /** @return false where the cache holds files and {@code replace} is false, or another process is swapping now */
    static boolean swap(Path dir, Path staging, boolean replace, BooleanSupplier hasFiles) throws IOException {
        Path home = dir.resolve(CacheTree.HOME);
        PausePoints.reach("before-swap");
        if (!replace && hasFiles.getAsBoolean()) {
            return false;
        }
        Path old = Files.createDirectory(home.resolve("old-" + LocalCache.unique()));
        Path marker = home.resolve(MARKER);
        try {
            // a swap that replaces nothing begins at phase 2: nothing of the cache's is ever set aside
            Files.writeString(marker, content(staging, old, replace ? 1 : 2), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            Files.delete(old);
            return false;
        }
        if (replace) {
            moveEntries(dir, old);
            rewrite(home, marker, content(staging, old, 2));
        }
        PausePoints.reach("between-swap-renames");
        merge(staging, dir);
        Files.delete(marker);
        PausePoints.reach("after-swap");
        LocalCache.deleteTree(old);
        LocalCache.deleteTree(staging);
        return true;
    }

    /** Empties the cache: a swap with an empty staging directory, so a crash midway is completed too. */
    static void clear(Path dir) throws IOException {
        Path home = Files.createDirectories(dir.resolve(CacheTree.HOME));
        Path empty = Files.createDirectory(home.resolve("staging-" + LocalCache.unique()));
        if (!swap(dir, empty, true, () -> true)) {
            LocalCache.deleteTree(empty);
            throw new IOException("another process is replacing the local cache " + dir + " now");
        }
    }

    /**
     * Completes a swap whose process died (its marker left), and removes set-aside directories and
     * staging directories last changed before the cutoff. Best effort: a failure leaves them for the
     * next operation.
     */
    static void recover(Path dir, FileTime cutoff) {
        Path home = dir.resolve(CacheTree.HOME);
        if (!Files.isDirectory(home, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Path marker = home.resolve(MARKER);
            Map<String, String> pending = Files.exists(marker, LinkOption.NOFOLLOW_LINKS) ? read(marker) : null;
            if (pending != null && !alive(pending)) {
                complete(dir, home, marker, pending);
                pending = null;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(home)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    boolean named = pending != null && (n.equals(pending.get("staging")) || n.equals(pending.get("old")));
                    boolean work = n.startsWith("old-") || n.startsWith("staging-") || n.startsWith(MARKER + ".");
                    if (work && !named && (n.startsWith("old-") && pending == null
                            || Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).compareTo(cutoff) < 0)) {
                        LocalCache.deleteTree(p);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // left for the next operation
        }
    }

    private static void complete(Path dir, Path home, Path marker, Map<String, String> m) throws IOException {
        String phase = m.get("phase");
        Path staging = named(home, m.get("staging"), "staging-");
        Path old = named(home, m.get("old"), "old-");
        if (phase == null || staging == null || old == null) {
            Files.delete(marker); // written in part: nothing was moved yet
            return;
        }
        if (!Files.isDirectory(staging, LinkOption.NOFOLLOW_LINKS)) {
            // nothing to roll forward with: put back what phase 1 set aside
            if (phase.equals("1") && Files.isDirectory(old, LinkOption.NOFOLLOW_LINKS)) {
                moveEntries(old, dir);
            }
            Files.delete(marker);
            LocalCache.deleteTree(old);
            return;
        }
        Files.createDirectories(old);
        if (phase.equals("1")) {
            moveEntries(dir, old);
            rewrite(home, marker, content(staging, old, 2));
        }
        merge(staging, dir);
        Files.delete(marker);
        LocalCache.deleteTree(old);
        LocalCache.deleteTree(staging);
    }

    /** A directory of ours that the marker names: a plain name with the expected prefix, else null. */
    private static Path named(Path home, String name, String prefix) {
        if (name == null || !name.startsWith(prefix) || name.contains("/") || name.contains("\0")) {
            return null;
        }
        return home.resolve(name);
    }

    /** Moves every top-level entry of {@code from} (b10-transfer's own directory and a lost+found excepted) into {@code to}. */
    private static void moveEntries(Path from, Path to) throws IOException {
        for (Path p : entries(from)) {
            Files.move(p, to.resolve(p.getFileName().toString()), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /**
     * Moves {@code from}'s entries into {@code to}: a name {@code to} lacks is renamed over whole; a
     * directory on both sides is merged into; anything else on both sides stays as {@code to} has it.
     */
    private static void merge(Path from, Path to) throws IOException {
        for (Path p : entries(from)) {
            Path target = to.resolve(p.getFileName().toString());
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
                    continue;
                } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                    // written there meanwhile: merged below
                }
            }
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                merge(p, target);
            }
        }
    }

    private static List<Path> entries(Path dir) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (!CacheTree.notTheCaches(p.getFileName().toString())) {
                    entries.add(p);
                }
            }
        }
        return entries;
    }

    private static String content(Path staging, Path old, int phase) {
        long started = ProcessHandle.current().info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L);
        return "pid=" + ProcessHandle.current().pid() + "\nstarted=" + started + "\nstaging=" + staging.getFileName()
                + "\nold=" + old.getFileName() + "\nphase=" + phase + "\n";
    }

    /** Replaces the marker whole: written beside it, then renamed over it. */
    private static void rewrite(Path home, Path marker, String content) throws IOException {
        Path temp = home.resolve(MARKER + "." + LocalCache.unique());
        Files.writeString(temp, content, StandardCharsets.UTF_8);
        Files.move(temp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static Map<String, String> read(Path marker) throws IOException {
        Map<String, String> m = new HashMap<>();
        for (String line : Files.readAllLines(marker, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return m;
    }

    /** Whether the process that wrote the marker still runs (the same pid and start time). */
    private static boolean alive(Map<String, String> m) {
        try {
            long pid = Long.parseLong(m.getOrDefault("pid", "-1"));
            long started = Long.parseLong(m.getOrDefault("started", "0"));
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .map(h -> h.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L) == started)
                    .orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
