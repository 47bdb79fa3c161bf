package b10.transfer.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;

/** The restore's tar reader against archives commons-compress writes, and headers made by hand. */
class TarReaderTest {
    private static final String LONG = "triton/" + "0123456789abcdef".repeat(4) + "/triton_poi_fused_add_mul_0.llir";

    private static byte[] commonsTar(int longFileMode, Random random, byte[][] contents) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(longFileMode);
            TarArchiveEntry dir = new TarArchiveEntry("triton/");
            tar.putArchiveEntry(dir);
            tar.closeArchiveEntry();
            for (int i = 0; i < contents.length; i++) {
                TarArchiveEntry e = new TarArchiveEntry(i == 0 ? LONG : "fx/g" + i + "/entry-\u00e9" + i);
                e.setSize(contents[i].length);
                e.setMode(i % 2 == 0 ? 0100644 : 0100755);
                tar.putArchiveEntry(e);
                tar.write(contents[i]);
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    @Test
    void gnuAndPaxArchivesOfCommonsCompress_readBackExactly() throws Exception {
        Random random = new Random(3);
        byte[][] contents = new byte[6][];
        for (int i = 0; i < contents.length; i++) {
            contents[i] = new byte[new int[] {0, 1, 511, 512, 513, 70_000}[i]];
            random.nextBytes(contents[i]);
        }
        for (int mode : new int[] {TarArchiveOutputStream.LONGFILE_GNU, TarArchiveOutputStream.LONGFILE_POSIX}) {
            TarReader r = new TarReader(new ByteArrayInputStream(commonsTar(mode, random, contents)));
            TarReader.Entry d = r.next();
            assertEquals("triton/", d.getName());
            assertTrue(d.isDirectory() && !d.isFile());
            for (int i = 0; i < contents.length; i++) {
                TarReader.Entry e = r.next();
                assertEquals(i == 0 ? LONG : "fx/g" + i + "/entry-\u00e9" + i, e.getName(), "mode " + mode);
                assertTrue(e.isFile() && e.isCheckSumOK() && !e.isSparse());
                assertEquals(contents[i].length, e.getSize());
                assertEquals(i % 2 == 0 ? 0644 : 0755, e.getMode() & 0777);
                byte[] got = new byte[contents[i].length];
                int n = 0;
                // read in uneven pieces, and once past the end
                while (n < got.length) {
                    int r1 = r.read(got, n, Math.min(997, got.length - n));
                    assertTrue(r1 > 0);
                    n += r1;
                }
                assertEquals(-1, r.read(new byte[10], 0, 10));
                assertArrayEquals(contents[i], got);
            }
            assertNull(r.next(), "the end-of-archive blocks");
        }
    }

    /**
     * An entry's data read into a buffer, as the restore reads small files into its slabs: from
     * framed zstd straight out of the frames (entries crossing a frame's end included), from any
     * other stream through the reader's array; direct and heap buffers alike; short at a cut.
     */
    @Test
    void entriesReadIntoBuffers_fromFramedZstdAndFromPlainStreams() throws Exception {
        Random random = new Random(5);
        byte[][] contents = new byte[9][];
        for (int i = 0; i < contents.length; i++) {
            contents[i] = new byte[new int[] {0, 1, 700_000, 3_000_000, 2_500_000, 513, 4_000_000, 100_000, 3}[i]];
            random.nextBytes(contents[i]);
        }
        byte[] tar = commonsTar(TarArchiveOutputStream.LONGFILE_POSIX, random, contents);
        byte[] framed = ZstdFramesTest.framed(new b10.transfer.archive.zstd.NativeZstd(), tar, 2);
        for (boolean direct : new boolean[] {true, false}) {
            for (int source = 0; source < 2; source++) {
                java.io.InputStream in = source == 0
                        ? new ZstdFrames.Input(new ByteArrayInputStream(framed), new b10.transfer.archive.zstd.NativeZstd(), 2)
                        : new ByteArrayInputStream(tar);
                TarReader r = new TarReader(in);
                r.next();
                for (byte[] content : contents) {
                    TarReader.Entry e = r.next();
                    java.nio.ByteBuffer b = direct ? java.nio.ByteBuffer.allocateDirect(content.length + 10)
                            : java.nio.ByteBuffer.allocate(content.length + 10);
                    b.position(3).limit(3 + content.length);
                    assertEquals(content.length, r.readNBytes(b), e.getName());
                    assertEquals(3 + content.length, b.position());
                    byte[] got = new byte[content.length];
                    b.position(3);
                    b.get(got);
                    assertArrayEquals(content, got, e.getName() + (direct ? " direct" : " heap") + " source " + source);
                }
                assertNull(r.next());
            }
        }
        // cut inside the 3 MB entry: the count read is short
        int cut = 512 * 6 + 700_000 + 1_000_000;
        TarReader r = new TarReader(new ByteArrayInputStream(java.util.Arrays.copyOf(tar, cut)));
        for (int i = 0; i < 4; i++) { // the directory, then the entries of 0, 1 and 700,000 bytes
            r.next();
        }
        assertEquals(700_000, r.readNBytes(java.nio.ByteBuffer.allocate(700_000)));
        assertEquals(3_000_000, r.next().getSize());
        int got = r.readNBytes(java.nio.ByteBuffer.allocateDirect(3_000_000));
        assertTrue(got > 0 && got < 3_000_000, "short: " + got);
    }

    @Test
    void entriesLeftUnread_areSkippedWithTheirPadding() throws Exception {
        byte[][] contents = {new byte[1000], "second".getBytes(StandardCharsets.UTF_8)};
        TarReader r = new TarReader(new ByteArrayInputStream(commonsTar(TarArchiveOutputStream.LONGFILE_POSIX, new Random(1), contents)));
        r.next();
        r.next();
        r.read(new byte[10], 0, 10); // 990 bytes and the padding left
        TarReader.Entry second = r.next();
        byte[] b = new byte[6];
        assertEquals(6, r.read(b, 0, 6));
        assertEquals("second", new String(b, StandardCharsets.UTF_8));
        assertEquals(2, second.getName().split("/").length - 1);
    }

    /** A header made by hand: name, type, size field bytes, magic, prefix; its checksum computed unless told otherwise. */
    private static byte[] header(String name, byte type, byte[] sizeField, String magic, String prefix, boolean signedSum) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, h, 0, n.length);
        System.arraycopy("0000644\0".getBytes(StandardCharsets.US_ASCII), 0, h, 100, 8);
        System.arraycopy(sizeField, 0, h, 124, 12);
        System.arraycopy("00000000000\0".getBytes(StandardCharsets.US_ASCII), 0, h, 136, 12);
        h[156] = type;
        byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(m, 0, h, 257, m.length);
        byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(p, 0, h, 345, p.length);
        h[400] = (byte) 0xe9; // a byte of the prefix field's end, summed differently signed and unsigned
        if (prefix.isEmpty()) {
            h[400] = 0;
        }
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += signedSum ? b : b & 0xff;
        }
        byte[] c = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(c, 0, h, 148, 8);
        return h;
    }

    private static byte[] octalSize(long size) {
        return String.format("%011o\0", size).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] archive(byte[]... blocks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] b : blocks) {
            out.writeBytes(b);
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    private static byte[] data(String s) {
        byte[] b = new byte[512];
        byte[] d = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(d, 0, b, 0, d.length);
        return b;
    }

    @Test
    void ustarPrefix_base256Size_andOldSignedChecksums_areTars() throws Exception {
        byte[] base256 = new byte[12];
        base256[0] = (byte) 0x80;
        base256[10] = 0x01;
        base256[11] = 0x00; // 256
        TarReader r = new TarReader(new ByteArrayInputStream(archive(
                header("b.py", (byte) '0', octalSize(3), "ustar\u000000", "a/deep", true), data("abc"),
                header("big.bin", (byte) '0', base256, "ustar  \0", "", false), new byte[512],
                header("c.py", (byte) 0, octalSize(0), "", "", false))));
        TarReader.Entry prefixed = r.next();
        assertEquals("a/deep/b.py", prefixed.getName());
        assertTrue(prefixed.isCheckSumOK(), "a checksum summed over signed bytes");
        TarReader.Entry big = r.next();
        assertEquals("big.bin", big.getName(), "GNU magic: no prefix");
        assertEquals(256, big.getSize());
        TarReader.Entry old = r.next();
        assertTrue(old.isFile(), "a NUL type flag is a file (pre-POSIX tars)");
        assertNull(r.next());
    }

    @Test
    void badHeaders_areReportedOrRefused_neverReadAsData() throws Exception {
        byte[] bad = header("a.py", (byte) '0', octalSize(3), "ustar\u000000", "", false);
        bad[0] = 'b'; // altered after its checksum
        assertFalse(new TarReader(new ByteArrayInputStream(archive(bad, data("abc")))).next().isCheckSumOK());

        byte[] negative = new byte[12];
        Arrays.fill(negative, (byte) 0xff);
        IOException neg = assertThrows(IOException.class, () -> new TarReader(new ByteArrayInputStream(archive(
                header("n", (byte) '0', negative, "ustar  \0", "", false)))).next());
        assertTrue(neg.getMessage().contains("negative"), neg.getMessage());

        IOException digits = assertThrows(IOException.class, () -> new TarReader(new ByteArrayInputStream(archive(
                header("n", (byte) '0', "0000000009x\0".getBytes(StandardCharsets.US_ASCII), "ustar  \0", "", false)))).next());
        assertTrue(digits.getMessage().contains("octal"), digits.getMessage());

        byte[] cut = Arrays.copyOf(archive(header("a", (byte) '0', octalSize(0), "ustar  \0", "", false)), 300);
        assertThrows(java.io.EOFException.class, () -> new TarReader(new ByteArrayInputStream(cut)).next());

        byte[] malformed = "12 path\n".getBytes(StandardCharsets.UTF_8);
        IOException pax = assertThrows(IOException.class, () -> new TarReader(new ByteArrayInputStream(archive(
                header("pax", (byte) 'x', octalSize(malformed.length), "ustar\u000000", "", false), data("12 path\n"),
                header("a", (byte) '0', octalSize(0), "ustar\u000000", "", false)))).next());
        assertTrue(pax.getMessage().contains("PAX"), pax.getMessage());

        IOException huge = assertThrows(IOException.class, () -> new TarReader(new ByteArrayInputStream(archive(
                header("././@LongLink", (byte) 'L', octalSize(64L << 20), "ustar  \0", "", false)))).next());
        assertTrue(huge.getMessage().contains("bytes"), huge.getMessage());
    }

    @Test
    void paxKeys_nameSizeLinkAndSparse_applyToTheNextEntryOnly() throws Exception {
        String records = rec("path=long/\u00fc/name.py") + rec("linkpath=target") + rec("size=5") + rec("mtime=1.5");
        String sparse = rec("GNU.sparse.map=0,1");
        TarReader r = new TarReader(new ByteArrayInputStream(archive(
                header("pax", (byte) 'x', octalSize(records.getBytes(StandardCharsets.UTF_8).length), "ustar\u000000", "", false),
                data(records),
                header("short", (byte) '2', octalSize(0), "ustar\u000000", "", false), data("hello"),
                header("plain", (byte) '0', octalSize(0), "ustar\u000000", "", false),
                header("pax", (byte) 'x', octalSize(sparse.length()), "ustar\u000000", "", false), data(sparse),
                header("sp", (byte) '0', octalSize(0), "ustar\u000000", "", false))));
        TarReader.Entry linked = r.next();
        assertEquals("long/\u00fc/name.py", linked.getName());
        assertEquals("target", linked.getLinkName());
        assertEquals(5, linked.getSize());
        assertTrue(linked.isSymbolicLink() && !linked.isFile());
        TarReader.Entry plain = r.next();
        assertEquals("plain", plain.getName());
        assertEquals(0, plain.getSize());
        assertTrue(r.next().isSparse());
        assertEquals(TarConstants.LF_NORMAL, plain.getLinkFlag());
    }

    @Test
    void mutatedArchives_areReadOrRefusedWithAnIOException_neverAnythingElse() throws Exception {
        Random random = new Random(11);
        byte[][] contents = new byte[8][];
        for (int i = 0; i < contents.length; i++) {
            contents[i] = new byte[random.nextInt(3000)];
            random.nextBytes(contents[i]);
        }
        byte[] good = commonsTar(TarArchiveOutputStream.LONGFILE_POSIX, random, contents);
        byte[] gnu = commonsTar(TarArchiveOutputStream.LONGFILE_GNU, random, contents);
        int refused = 0;
        for (int round = 0; round < 600; round++) {
            byte[] b = (round % 2 == 0 ? good : gnu).clone();
            for (int k = 1 + random.nextInt(8); k > 0; k--) {
                int at = random.nextInt(Math.min(b.length, 4096));
                b[at] = (byte) (round % 3 == 0 ? random.nextInt(256) : "0123456789 \0x-L/".charAt(random.nextInt(16)));
            }
            TarReader r = new TarReader(new ByteArrayInputStream(b));
            byte[] sink = new byte[4096];
            try {
                for (int entries = 0; entries < 100; entries++) {
                    TarReader.Entry e = r.next();
                    if (e == null || !e.isCheckSumOK()) {
                        break;
                    }
                    assertTrue(e.getSize() >= 0);
                    while (r.read(sink, 0, sink.length) > 0) {
                        // drained
                    }
                }
            } catch (IOException expected) {
                refused++;
            }
        }
        assertTrue(refused > 0, "some of the mutations are refused as not tar");
    }

    /** A PAX record: its length counts itself. */
    private static String rec(String kv) {
        int body = kv.getBytes(StandardCharsets.UTF_8).length + 2;
        int len = body + Integer.toString(body).length();
        if (Integer.toString(len).length() != Integer.toString(body).length()) {
            len++;
        }
        return len + " " + kv + "\n";
    }
}
