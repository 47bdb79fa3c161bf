package b10.transfer.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written SHA-256 against FIPS 180-4's vectors and the JDK's MessageDigest. */
class Sha256Test {
    private static String hex(byte[] d) {
        return HexFormat.of().formatHex(d);
    }

    @Test
    void standardVectors() {
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hex(Sha256.of(new byte[0])));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                hex(Sha256.of("abc".getBytes(StandardCharsets.US_ASCII))));
        assertEquals("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                hex(Sha256.of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".getBytes(StandardCharsets.US_ASCII))));
        Sha256 million = new Sha256();
        byte[] a = new byte[1000];
        java.util.Arrays.fill(a, (byte) 'a');
        for (int i = 0; i < 1000; i++) {
            million.update(a, 0, a.length);
        }
        assertEquals("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", hex(million.digest()));
    }

    /** Every length from 0 to 300 (each side of the 55/56/64-byte padding edges, several blocks), fed in random pieces. */
    @Test
    void agreesWithTheJdk_onEveryLengthAndAnySplitOfTheInput() throws Exception {
        Random r = new Random(7);
        MessageDigest jdk = MessageDigest.getInstance("SHA-256");
        Sha256 ours = new Sha256(); // reused: a digest starts it over
        for (int round = 0; round < 20; round++) {
            for (int len = 0; len <= 300; len++) {
                byte[] data = new byte[len + 10];
                r.nextBytes(data);
                int off = r.nextInt(10);
                jdk.update(data, off, len);
                for (int at = 0; at < len; ) {
                    int n = Math.min(len - at, r.nextInt(3) == 0 ? r.nextInt(130) : r.nextInt(8));
                    ours.update(data, off + at, n);
                    at += n;
                }
                assertArrayEquals(jdk.digest(), ours.digest(), "length " + len + ", round " + round);
            }
        }
        byte[] big = new byte[3_000_017];
        r.nextBytes(big);
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(big), Sha256.of(big));
    }
}
