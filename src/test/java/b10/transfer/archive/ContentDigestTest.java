package b10.transfer.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The digest's lines are written into a reused array; published archives' manifests carry the
 * digest, so its bytes must stay exactly those of the line as text: path, NUL, decimal size, NUL,
 * CRC32C in lower-case hex without leading zeros, newline, in UTF-8.
 */
class ContentDigestTest {
    @Test
    void linesAreTheTextLinesBytes_forAsciiAndNonAsciiPathsAndEverySizeAndCrc() throws Exception {
        String[] paths = {"a", "triton/abc/k.cubin", "é/ü.py", "\uD83D\uDE00/x", "lone\uD800", "x".repeat(700), ""};
        long[] sizes = {0, 1, 9, 10, 4095, 1L << 40, Long.MAX_VALUE};
        int[] crcs = {0, 1, 0xf, 0x10, 0x7fffffff, -1, Integer.MIN_VALUE};
        Random random = new Random(7);
        ContentDigest digest = new ContentDigest();
        MessageDigest reference = MessageDigest.getInstance("SHA-256");
        long bytes = 0;
        for (int n = 0; n < 500; n++) {
            String path = paths[random.nextInt(paths.length)];
            long size = n < sizes.length ? sizes[n] : random.nextLong() & Long.MAX_VALUE;
            int crc = n < crcs.length ? crcs[n] : random.nextInt();
            digest.add(path, size, crc);
            reference.update((path + '\0' + size + '\0' + Integer.toHexString(crc) + '\n').getBytes(StandardCharsets.UTF_8));
            bytes += size;
        }
        assertEquals(HexFormat.of().formatHex(reference.digest()), digest.finish());
        assertEquals(500, digest.files());
        assertEquals(bytes, digest.bytes());
    }

    @Test
    void aFlippedCrcBit_changesTheDigest() {
        ContentDigest a = new ContentDigest();
        ContentDigest b = new ContentDigest();
        a.add("f", 3, 0x1234);
        b.add("f", 3, 0x1235);
        assertNotEquals(a.finish(), b.finish());
    }
}
