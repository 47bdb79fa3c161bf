package b10.transfer.ops;

import b10.transfer.archive.CacheTree;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * The cache directory's listing (relative path to size and modification time), taken after a
 * restore or a save; a later save whose listing is equal has nothing new to publish. It is a
 * metadata walk, no file is read.
 */
public record TreeFingerprint(Map<String, Long> sizes, Map<String, Long> mtimes) {

    public static TreeFingerprint of(Path root) {
        Map<String, Long> sizes = new HashMap<>();
        Map<String, Long> mtimes = new HashMap<>();
        if (Files.isDirectory(root)) {
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                        return CacheTree.notTheCaches(root, d) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                        if (CacheTree.notTheCaches(root, file)) {
                            return FileVisitResult.CONTINUE;
                        }
                        String k = root.relativize(file).toString();
                        sizes.put(k, a.size());
                        mtimes.put(k, a.lastModifiedTime().toMillis());
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException exc) {
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                // partial listing: it will differ, and a save will happen, which is the safe side
            }
        }
        return new TreeFingerprint(sizes, mtimes);
    }

    /** Files present now that were not in {@code before}. */
    public int newFilesSince(TreeFingerprint before) {
        int n = 0;
        for (String k : sizes.keySet()) {
            if (!before.sizes.containsKey(k)) {
                n++;
            }
        }
        return n;
    }

    /**
     * A cheap signature of the tree (count, bytes, newest mtime), compared between polls to see
     * whether anything is being written: -1 when there is no directory, -2 when it cannot be walked.
     */
    public static long signature(Path dir) {
        long[] acc = {0, 0, 0};
        if (!Files.isDirectory(dir)) {
            return -1;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                    return CacheTree.notTheCaches(dir, d) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                    if (CacheTree.notTheCaches(dir, file)) {
                        return FileVisitResult.CONTINUE;
                    }
                    acc[0]++;
                    acc[1] += a.size();
                    acc[2] = Math.max(acc[2], a.lastModifiedTime().toMillis());
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            return -2;
        }
        return acc[0] * 1_000_003L ^ acc[1] * 31 ^ acc[2];
    }
}
