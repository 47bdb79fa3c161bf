package b10.transfer.archive;

import b10.transfer.CacheValidationError;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

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
        TarReader tar = new TarReader(ArchiveStreams.open(raw).body());
        TarReader.Entry e;
        long entries = 0;
        while ((e = tar.next()) != null) {
            control.checkpoint();
            if (!e.isCheckSumOK()) {
                throw new IOException("entry '" + EntryGuard.printable(e.getName()) + "' has a header whose checksum does not match");
            }
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
        try (InputStream body = ArchiveStreams.open(raw).body()) {
            TarReader tar = new TarReader(body);
            TarReader.Entry e = tar.next();
            if (e != null && !e.isCheckSumOK()) {
                // not read as "no header": that is what an archive of the Python package says
                throw new IOException("the archive's first header has a checksum that does not match");
            }
            if (e != null && EntryGuard.normalizeName(e.getName()).equals(ArchiveMetadata.HEADER) && e.getSize() <= 1 << 16) {
                byte[] b = new byte[(int) e.getSize()];
                if (tar.readNBytes(b, 0, b.length) != b.length) {
                    throw new IOException("the archive ends inside its header entry");
                }
                return ArchiveMetadata.decode(b);
            }
            return Map.of();
        }
    }
}
