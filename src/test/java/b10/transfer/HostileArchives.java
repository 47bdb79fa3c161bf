package b10.transfer;

import b10.transfer.archive.ArchiveMetadata;
import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds hostile and broken archives, as bytes, for the extraction tests. */
final class HostileArchives {
    private HostileArchives() {
    }

    interface Body {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    static byte[] zstdTar(Body body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream z = new ZstdOutputStream(bytes); TarArchiveOutputStream tar = new TarArchiveOutputStream(z)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            body.write(tar);
        }
        return bytes.toByteArray();
    }

    /** Raw tar bytes, zstd-compressed as an archive would be. */
    static byte[] zstd(byte[] rawTar) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream z = new ZstdOutputStream(bytes)) {
            z.write(rawTar);
        }
        return bytes.toByteArray();
    }

    static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
    }

    static void special(TarArchiveOutputStream tar, String name, byte type, String link) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        if (link != null) {
            e.setLinkName(link);
        }
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    /** A header claiming a small archive, then one entry of {@code size} zero bytes: a few MB compressed. */
    static byte[] bomb(long size) throws IOException {
        return zstdTar(tar -> {
            byte[] h = ArchiveMetadata.encode(Map.of("format", ArchiveMetadata.FORMAT, "expected_bytes", "10"));
            TarArchiveEntry he = new TarArchiveEntry(ArchiveMetadata.HEADER, true);
            he.setSize(h.length);
            tar.putArchiveEntry(he);
            tar.write(h);
            tar.closeArchiveEntry();
            TarArchiveEntry e = new TarArchiveEntry("bomb.bin", true);
            e.setSize(size);
            tar.putArchiveEntry(e);
            byte[] zeros = new byte[1 << 20];
            for (long left = size; left > 0; left -= zeros.length) {
                tar.write(zeros, 0, (int) Math.min(zeros.length, left));
            }
            tar.closeArchiveEntry();
        });
    }

    /** Many honest entries of zeros that together pass any size limit: refused when the running total does. */
    static byte[] splitBomb(int entries, int entryBytes) throws IOException {
        return zstdTar(tar -> {
            byte[] zeros = new byte[entryBytes];
            for (int i = 0; i < entries; i++) {
                TarArchiveEntry e = new TarArchiveEntry("part" + i + ".bin", true);
                e.setSize(entryBytes);
                tar.putArchiveEntry(e);
                tar.write(zeros);
                tar.closeArchiveEntry();
            }
        });
    }

    /** A ustar entry whose header checksum does not match its header. */
    static byte[] badChecksum() throws IOException {
        return zstd(badChecksumTar());
    }

    /** Raw tar bytes, gzip-compressed as the Python package's archives are (no manifest to check them against). */
    static byte[] gzip(byte[] rawTar) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream z = new java.util.zip.GZIPOutputStream(bytes)) {
            z.write(rawTar);
        }
        return bytes.toByteArray();
    }

    /** An uncompressed tar: one entry with a bad header checksum (tar itself refuses it). */
    static byte[] badChecksumTar() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] h = header("victim.txt", 4, TarConstants.LF_NORMAL);
        h[148] = '7';
        h[149] = '7';
        out.write(h);
        out.write(pad("data".getBytes(StandardCharsets.US_ASCII)));
        out.write(new byte[1024]);
        return out.toByteArray();
    }

    /**
     * A regular file whose name ends with '/' and whose data is a whole tar header: read as a
     * directory (no data), that data would become an entry tar itself never shows.
     */
    static byte[] smuggledHeader() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header("looks-like-a-dir/", 512, TarConstants.LF_NORMAL));
        out.write(header("smuggled.py", 0, TarConstants.LF_NORMAL));
        out.write(new byte[1024]);
        return out.toByteArray();
    }

    /** A regular file named '.' (the cache directory itself). */
    static byte[] fileNamedDot() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header("./", 0, TarConstants.LF_DIR));
        out.write(header(".", 4, TarConstants.LF_NORMAL));
        out.write(pad("data".getBytes(StandardCharsets.US_ASCII)));
        out.write(new byte[1024]);
        return out.toByteArray();
    }

    /** A raw ustar header block with a PAX extended header giving the next entry a chosen size. */
    static byte[] paxSize(String size) throws IOException {
        return pax("size", size);
    }

    /** A PAX extended header with one record, over a 4-byte file named victim.txt. */
    static byte[] pax(String key, String value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String record = " " + key + "=" + value + "\n";
        int len = record.length() + 2;
        record = len + record;
        if (record.length() != len) {
            record = (len + 1) + record.substring(record.indexOf(' '));
        }
        byte[] pax = record.getBytes(StandardCharsets.US_ASCII);
        out.write(header("PaxHeaders/x", pax.length, TarConstants.LF_PAX_EXTENDED_HEADER_LC));
        out.write(pad(pax));
        out.write(header("victim.txt", 4, TarConstants.LF_NORMAL));
        out.write(pad("data".getBytes(StandardCharsets.US_ASCII)));
        out.write(new byte[1024]);
        return zstd(out.toByteArray());
    }

    private static byte[] header(String name, long size, byte type) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setSize(size);
        byte[] block = new byte[512];
        e.writeEntryHeader(block);
        return block;
    }

    private static byte[] pad(byte[] b) {
        byte[] out = new byte[(b.length + 511) / 512 * 512];
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }
}
