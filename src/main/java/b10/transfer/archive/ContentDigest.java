package b10.transfer.archive;

import b10.transfer.base.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The content digest of an archive: SHA-256 over one line per file (path, size, CRC32C of the
 * bytes), in archive order. CRC32C is computed with the CPU's instruction at many GB/s, so the
 * digest costs little on the restore's critical path, and it still changes with any flipped bit,
 * lost file or reordering.
 */
public final class ContentDigest {
    private final Sha256 sha = new Sha256();
    private long files;
    private long bytes;

    /** The line's bytes, reused: a restore adds one line per file on its critical path. */
    private byte[] line = new byte[256];

    public synchronized void add(String path, long size, int crc32c) {
        int n = path.length();
        if (line.length < 3 * n + 32) {
            line = new byte[3 * n + 32];
        }
        int at = 0;
        for (int i = 0; i < n; i++) {
            char c = path.charAt(i);
            if (c >= 0x80) {
                at = -1;
                break;
            }
            line[at++] = (byte) c;
        }
        if (at < 0) { // not ASCII: the encoder's bytes (a surrogate pair is 4 bytes for 2 chars, so 3n still bounds them)
            byte[] utf8 = path.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(utf8, 0, line, 0, utf8.length);
            at = utf8.length;
        }
        line[at++] = 0;
        at = decimal(size, line, at);
        line[at++] = 0;
        at = hex(crc32c, line, at);
        line[at++] = '\n';
        sha.update(line, 0, at);
        files++;
        bytes += size;
    }

    /** {@code Long.toString(v)}'s ASCII digits written at {@code at}; returns the end. */
    private static int decimal(long v, byte[] b, int at) {
        if (v < 0) {
            b[at++] = '-';
            v = -v; // sizes are never Long.MIN_VALUE
        }
        int start = at;
        do {
            b[at++] = (byte) ('0' + v % 10);
            v /= 10;
        } while (v != 0);
        reverse(b, start, at);
        return at;
    }

    /** {@code Integer.toHexString(v)}'s digits written at {@code at}; returns the end. */
    private static int hex(int v, byte[] b, int at) {
        int start = at;
        do {
            b[at++] = (byte) Character.forDigit(v & 0xf, 16);
            v >>>= 4;
        } while (v != 0);
        reverse(b, start, at);
        return at;
    }

    private static void reverse(byte[] b, int from, int to) {
        for (int i = from, j = to - 1; i < j; i++, j--) {
            byte t = b[i];
            b[i] = b[j];
            b[j] = t;
        }
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
