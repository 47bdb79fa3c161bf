package b10.transfer.archive;

import b10.transfer.CacheValidationError;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The files an archive holds (relative path to size), read from its entry headers without writing
 * anything: what a save compares the local cache with, to publish only when the local cache holds
 * something the store's archive lacks.
 */
public final class ArchiveListing {
    private ArchiveListing() {
    }

    public static Map<String, Long> read(InputStream raw, long maxEntries, TransferControl control) throws IOException {
        Map<String, Long> files = new HashMap<>();
        TarArchiveInputStream tar = new TarArchiveInputStream(ArchiveStreams.open(raw).body(), 1 << 16);
        TarArchiveEntry e;
        long entries = 0;
        while ((e = tar.getNextEntry()) != null) {
            control.checkpoint();
            if (++entries > maxEntries) {
                throw new CacheValidationError("archive has more than " + maxEntries + " entries (B10_TRANSFER_MAX_ENTRIES)");
            }
            String name = EntryGuard.normalizeName(e.getName());
            if (e.isFile() && !name.startsWith(ArchiveMetadata.DIR)) {
                files.put(name, e.getSize());
            }
        }
        return files;
    }

    /** The archive's header (its first entry), or an empty map for an archive without one: read without the rest. */
    public static Map<String, String> header(InputStream raw) throws IOException {
        // closed here: a framed archive's decompression threads stop at once (the caller's close of raw is then a no-op)
        try (TarArchiveInputStream tar = new TarArchiveInputStream(ArchiveStreams.open(raw).body(), 1 << 16)) {
            TarArchiveEntry e = tar.getNextEntry();
            if (e != null && EntryGuard.normalizeName(e.getName()).equals(ArchiveMetadata.HEADER) && e.getSize() <= 1 << 16) {
                return ArchiveMetadata.decode(tar.readAllBytes());
            }
            return Map.of();
        }
    }
}
