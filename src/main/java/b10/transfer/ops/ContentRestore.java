package b10.transfer.ops;

import b10.transfer.archive.ArchiveSignature;
import b10.transfer.archive.ExtractionLimits;
import b10.transfer.archive.SafeExtractor;
import b10.transfer.archive.TransferControl;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.store.ArchiveStore;
import b10.transfer.store.LocalCache;
import b10.transfer.trust.TrustedKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * A key's content made into one directory: the base extracted, then each layer extracted beside
 * it and moved over it, so that a file of a later layer replaces the same path of an earlier one
 * (the newest wins). Every archive's manifest (and signature, where keys are trusted) is verified
 * as it is extracted, all before the caller swaps the directory in: the local cache changes only
 * when every archive was whole.
 */
final class ContentRestore {

    /**
     * What the directory holds now, and what the archives said.
     *
     * @param listing the directory's listing as the extraction wrote it, or null where layers were
     *                moved over the base (the caller then walks the directory)
     */
    record Restored(long files, long bytes, int archives, boolean verified, String signer, TreeFingerprint listing) {
    }

    private ContentRestore() {
    }

    static Restored into(ArchiveStore.Content content, Path staging, LocalCache local, Settings settings, EnvironmentKey key,
                         ExecutorService writers, TransferControl control) throws IOException {
        ArchiveSignature.Checker checker = settings.trustedKeys == null ? null
                : TrustedKeys.load(settings.trustedKeys).checkerFor(key);
        boolean verified = true;
        String signer = null;
        long files = 0;
        long bytes = 0;
        boolean first = true;
        boolean listed = content.archives().size() == 1;
        Map<String, Long> sizes = new HashMap<>();
        Map<String, Long> mtimes = new HashMap<>();
        for (ArchiveStore.Stored archive : content.archives()) {
            Path into = first ? staging : local.newStaging();
            try {
                SafeExtractor extractor = new SafeExtractor(ExtractionLimits.of(settings), writers);
                if (checker != null) {
                    extractor.checkedBy(checker);
                }
                if (listed) {
                    extractor.listingInto(sizes, mtimes);
                }
                SafeExtractor.Result r;
                try (InputStream in = archive.open(control)) {
                    r = extractor.extract(in, into, control, archive.sideManifest());
                }
                verified &= r.verified();
                signer = r.signer() != null ? r.signer() : signer;
                if (first) {
                    files = r.files();
                    bytes = r.bytes();
                } else {
                    long[] added = moveOver(into, staging);
                    files += added[0];
                    bytes += added[1];
                }
            } finally {
                if (!first) {
                    LocalCache.deleteTree(into);
                }
            }
            first = false;
        }
        return new Restored(files, bytes, content.archives().size(), verified, signer,
                listed ? new TreeFingerprint(sizes, mtimes) : null);
    }

    /**
     * Moves every file of {@code layer} to the same path under {@code target}, replacing what is
     * there (a directory where the layer has a file, or a file where it has a directory, too).
     *
     * @return the files and bytes the target gained (a replaced file counts its size difference)
     */
    static long[] moveOver(Path layer, Path target) throws IOException {
        long[] added = {0, 0};
        Files.walkFileTree(layer, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path to = target.resolve(layer.relativize(dir).toString());
                if (Files.exists(to, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(to, LinkOption.NOFOLLOW_LINKS)) {
                    added[0]--;
                    added[1] -= Files.size(to);
                    Files.delete(to);
                }
                Files.createDirectories(to);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path to = target.resolve(layer.relativize(file).toString());
                if (Files.isDirectory(to, LinkOption.NOFOLLOW_LINKS)) {
                    long[] gone = sizeOf(to);
                    added[0] -= gone[0];
                    added[1] -= gone[1];
                    LocalCache.deleteTree(to);
                } else if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
                    added[0]--;
                    added[1] -= Files.size(to);
                }
                Files.move(file, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                added[0]++;
                added[1] += attrs.size();
                return FileVisitResult.CONTINUE;
            }
        });
        return added;
    }

    private static long[] sizeOf(Path dir) throws IOException {
        TreeFingerprint t = TreeFingerprint.of(dir);
        long bytes = 0;
        for (long s : t.sizes().values()) {
            bytes += s;
        }
        return new long[] {t.sizes().size(), bytes};
    }
}
