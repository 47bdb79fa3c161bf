package b10.transfer.archive;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The restore's tar reader: ustar, GNU (long names and links) and PAX headers, every header's
 * checksum computed. What it does not extract (links, devices, sparse files, unknown types) it
 * reports as the entry's type, so that the extractor refuses the archive naming it.
 *
 * <p>Hand-written for the restore's speed: commons-compress's TarArchiveInputStream (1.27.1 and
 * 1.28.0 alike) allocates a fresh 8 KiB array twice per entry, to skip to the entry's end and over
 * its padding, through commons-io's skip. For a real cache of 9,789 files that was 213 MB of
 * garbage, and in a JFR profile of a restore on 2 cores 72% of the tar reader's samples; the tar
 * reader is the restore's critical path on a large machine. Listing an archive's entries reads
 * with it too; writing archives uses commons-compress.
 */
final class TarReader {
    static final int BLOCK = 512;
    /** A GNU long name or link, or a PAX header, larger than this is not one of a cache's. */
    private static final int MAX_META = 1 << 20;

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    /** What is skipped (padding, the rest of an entry not read), and data for a buffer from a stream that is not framed zstd, is read into this. */
    private final byte[] scratch = new byte[64 << 10];
    /** The current entry's data not yet read, and the padding after it. */
    private long remaining;
    private int padding;

    TarReader(InputStream in) {
        this.in = in;
    }

    /** One entry's header, with the names and size its GNU or PAX headers gave it. */
    static final class Entry {
        private final String name;
        private final long size;
        private final int mode;
        private final byte type;
        private final String linkName;
        private final boolean checksumOk;
        private final boolean sparse;

        Entry(String name, long size, int mode, byte type, String linkName, boolean checksumOk, boolean sparse) {
            this.name = name;
            this.size = size;
            this.mode = mode;
            this.type = type;
            this.linkName = linkName;
            this.checksumOk = checksumOk;
            this.sparse = sparse;
        }

        String getName() {
            return name;
        }

        long getSize() {
            return size;
        }

        int getMode() {
            return mode;
        }

        String getLinkName() {
            return linkName;
        }

        boolean isCheckSumOK() {
            return checksumOk;
        }

        /** The type flag as the header gives it ({@code '0'} for a file, NUL in old archives). */
        byte getLinkFlag() {
            return type;
        }

        private boolean plain() {
            return type == '0' || type == 0 || type == '7';
        }

        boolean isFile() {
            return plain() && !name.endsWith("/");
        }

        /** A directory entry, or a plain one whose name ends with '/' (tar's own reading of it). */
        boolean isDirectory() {
            return type == '5' || (plain() && name.endsWith("/"));
        }

        boolean isSymbolicLink() {
            return type == '2';
        }

        boolean isLink() {
            return type == '1';
        }

        boolean isCharacterDevice() {
            return type == '3';
        }

        boolean isBlockDevice() {
            return type == '4';
        }

        boolean isFIFO() {
            return type == '6';
        }

        boolean isSparse() {
            return sparse;
        }
    }

    /**
     * The next entry, past what is left of the current one; null at the archive's end (its first
     * zero block, or the stream's end between entries).
     *
     * @throws IOException where the stream ends inside a header or a header's fields are not tar's
     */
    Entry next() throws IOException {
        skip(remaining);
        skip(padding);
        remaining = 0;
        padding = 0;
        String longName = null;
        String longLink = null;
        String paxPath = null;
        String paxLink = null;
        long paxSize = -1;
        boolean sparse = false;
        while (true) {
            int n = in.readNBytes(header, 0, BLOCK);
            if (n == 0) {
                return null; // ends without the end-of-archive blocks: a manifest, or gzip's trailer, says whether that is whole
            }
            if (n < BLOCK) {
                throw new EOFException("the stream ends inside a tar header");
            }
            if (allZero(header)) {
                return null;
            }
            byte type = header[156];
            String name = text(header, 0, 100);
            if (!checksumOk(header)) {
                return new Entry(name, 0, 0, type, "", false, false);
            }
            long size = number(header, 124, 12, "size");
            if (size < 0) {
                throw new IOException("a header declares a negative size");
            }
            if (type == 'L' || type == 'K' || type == 'x' || type == 'X' || type == 'g') {
                byte[] meta = meta(size);
                if (type == 'L') {
                    longName = text(meta, 0, meta.length);
                } else if (type == 'K') {
                    longLink = text(meta, 0, meta.length);
                } else if (type != 'g') { // a global header sets nothing an entry of a cache may use: read and left
                    Pax pax = Pax.parse(meta);
                    paxPath = pax.path != null ? pax.path : paxPath;
                    paxLink = pax.linkPath != null ? pax.linkPath : paxLink;
                    paxSize = pax.size >= 0 ? pax.size : paxSize;
                    sparse |= pax.sparse;
                } else {
                    sparse |= Pax.parse(meta).sparse;
                }
                continue;
            }
            if (paxPath != null) {
                name = paxPath;
            } else if (longName != null) {
                name = longName;
            } else if (ustarPrefix(header)) {
                String prefix = text(header, 345, xstar(header) ? 131 : 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
            }
            String link = paxLink != null ? paxLink : longLink != null ? longLink : text(header, 157, 100);
            if (paxSize >= 0) {
                size = paxSize;
            }
            int mode = (int) number(header, 100, 8, "mode");
            remaining = size;
            padding = (int) ((BLOCK - size % BLOCK) % BLOCK);
            return new Entry(name, size, mode, type, link, true, sparse || type == 'S');
        }
    }

    /** Reads the current entry's data; -1 at its end. */
    int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            remaining = 0;
            padding = 0;
            return -1; // the caller counts what it got and says the entry is truncated
        }
        remaining -= n;
        return n;
    }

    /**
     * Reads up to {@code len} bytes of the current entry's data, fewer only at the entry's end (or
     * where the stream ends inside it): the count read.
     */
    int readNBytes(byte[] b, int off, int len) throws IOException {
        return readNBytes(java.nio.ByteBuffer.wrap(b, off, len));
    }

    /**
     * Reads up to {@code dst.remaining()} bytes of the current entry's data into {@code dst}, fewer
     * only at the entry's end (or where the stream ends inside it): the count read. Framed zstd
     * fills the buffer straight from its frames; any other stream reads into a heap buffer's array,
     * or through this reader's array into a direct buffer.
     */
    int readNBytes(java.nio.ByteBuffer dst) throws IOException {
        int n = 0;
        while (dst.hasRemaining() && remaining > 0) {
            int want = (int) Math.min(dst.remaining(), remaining);
            int r;
            if (in instanceof ZstdFrames.Input frames) {
                int limit = dst.limit();
                dst.limit(dst.position() + want);
                try {
                    r = frames.read(dst);
                } finally {
                    dst.limit(limit);
                }
            } else if (dst.hasArray()) {
                r = in.read(dst.array(), dst.arrayOffset() + dst.position(), want);
                if (r > 0) {
                    dst.position(dst.position() + r);
                }
            } else {
                r = in.read(scratch, 0, Math.min(want, scratch.length));
                if (r > 0) {
                    dst.put(scratch, 0, r);
                }
            }
            if (r < 0) {
                remaining = 0;
                padding = 0;
                break; // the caller counts what it got and says the entry is truncated
            }
            remaining -= r;
            n += r;
        }
        return n;
    }

    private byte[] meta(long size) throws IOException {
        if (size > MAX_META) {
            throw new IOException("a long-name or extended header of " + size + " bytes");
        }
        byte[] b = in.readNBytes((int) size);
        if (b.length != size) {
            throw new EOFException("the stream ends inside an extended header");
        }
        skip((BLOCK - size % BLOCK) % BLOCK);
        return b;
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            int r = in.read(scratch, 0, (int) Math.min(n, scratch.length));
            if (r < 0) {
                throw new EOFException("the stream ends inside an entry");
            }
            n -= r;
        }
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** The header's checksum field against the sum of its bytes, the field counted as spaces (unsigned, or signed as old tars summed). */
    private static boolean checksumOk(byte[] h) {
        long stored;
        try {
            stored = octal(h, 148, 8);
        } catch (IOException e) {
            return false;
        }
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = i >= 148 && i < 156 ? (byte) ' ' : h[i];
            unsigned += b & 0xff;
            signed += b;
        }
        return stored == unsigned || stored == signed;
    }

    /** An octal field, or a base-256 one (GNU, for sizes past 8 GiB): its first byte's high bit set. */
    private static long number(byte[] h, int off, int len, String what) throws IOException {
        if ((h[off] & 0x80) == 0) {
            return octal(h, off, len);
        }
        if (h[off] == (byte) 0xff) {
            throw new IOException("a header's " + what + " is negative");
        }
        long v = h[off] & 0x7f;
        for (int i = off + 1; i < off + len; i++) {
            if (v > (Long.MAX_VALUE >>> 8)) {
                throw new IOException("a header's " + what + " is too large");
            }
            v = v << 8 | (h[i] & 0xff);
        }
        return v;
    }

    /** Octal digits, with leading spaces and trailing spaces or NULs, as tars write them. */
    private static long octal(byte[] h, int off, int len) throws IOException {
        int end = off + len;
        int i = off;
        while (i < end && h[i] == ' ') {
            i++;
        }
        long v = 0;
        for (; i < end && h[i] != 0 && h[i] != ' '; i++) {
            int d = h[i] - '0';
            if (d < 0 || d > 7 || v > (Long.MAX_VALUE >>> 3)) {
                throw new IOException("a header field holds '" + (char) (h[i] & 0xff) + "' where octal digits belong");
            }
            v = v << 3 | d;
        }
        for (; i < end; i++) {
            if (h[i] != 0 && h[i] != ' ') {
                throw new IOException("a header field holds bytes after its number");
            }
        }
        return v;
    }

    /** A NUL-terminated field, as UTF-8. */
    private static String text(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    /** POSIX ustar (magic "ustar" and a NUL; GNU's is "ustar  "): its prefix field extends the name. */
    private static boolean ustarPrefix(byte[] h) {
        return h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r' && h[262] == 0;
    }

    /** Star's variant of ustar ("tar" and a NUL at its end): a shorter prefix. */
    private static boolean xstar(byte[] h) {
        return h[508] == 't' && h[509] == 'a' && h[510] == 'r' && h[511] == 0;
    }

    /** The keys of a PAX extended header that an entry of a cache may carry. */
    private static final class Pax {
        String path;
        String linkPath;
        long size = -1;
        boolean sparse;

        /** Records "LENGTH KEY=VALUE\n", LENGTH counting the whole record. */
        static Pax parse(byte[] b) throws IOException {
            Pax p = new Pax();
            int at = 0;
            while (at < b.length) {
                if (b[at] == 0) {
                    break; // some writers pad the header's data with NULs
                }
                int sp = at;
                int length = 0;
                while (sp < b.length && b[sp] >= '0' && b[sp] <= '9' && length < MAX_META) {
                    length = length * 10 + (b[sp] - '0');
                    sp++;
                }
                if (sp == at || sp >= b.length || b[sp] != ' ' || length <= sp - at + 1 || at + length > b.length
                        || b[at + length - 1] != '\n') {
                    throw new IOException("a PAX extended header's record is malformed");
                }
                int eq = sp + 1;
                while (eq < at + length - 1 && b[eq] != '=') {
                    eq++;
                }
                if (eq >= at + length - 1) {
                    throw new IOException("a PAX extended header's record has no '='");
                }
                String key = new String(b, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
                String value = new String(b, eq + 1, at + length - 1 - eq - 1, StandardCharsets.UTF_8);
                if (key.startsWith("GNU.sparse.")) {
                    p.sparse = true;
                } else if (!value.isEmpty()) { // an empty value unsets the key
                    switch (key) {
                        case "path" -> p.path = value;
                        case "linkpath" -> p.linkPath = value;
                        case "size" -> p.size = paxSize(value);
                        default -> {
                        }
                    }
                }
                at += length;
            }
            return p;
        }

        private static long paxSize(String value) throws IOException {
            try {
                long v = Long.parseLong(value);
                if (v < 0) {
                    throw new IOException("a PAX size of " + value);
                }
                return v;
            } catch (NumberFormatException e) {
                throw new IOException("a PAX size of '" + value + "'");
            }
        }
    }
}
