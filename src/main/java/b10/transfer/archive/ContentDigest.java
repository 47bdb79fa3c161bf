package b10.transfer.archive;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The content digest of an archive: SHA-256 over one line per file (path, size, CRC32C of the
 * bytes), in archive order. CRC32C is computed with the CPU's instruction at many GB/s, so the
 * digest costs little on the restore's critical path, and it still changes with any flipped bit,
 * lost file or reordering.
 */
public final class ContentDigest {
    private final MessageDigest sha;
    private long files;
    private long bytes;

    public ContentDigest() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public synchronized void add(String path, long size, int crc32c) {
        sha.update((path + '\0' + size + '\0' + Integer.toHexString(crc32c) + '\n').getBytes(StandardCharsets.UTF_8));
        files++;
        bytes += size;
    }

    public synchronized long files() {
        return files;
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized String finish() {
        return HexFormat.of().formatHex(sha.digest());
    }
}
