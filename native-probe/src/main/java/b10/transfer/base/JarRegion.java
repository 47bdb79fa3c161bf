package b10.transfer.base;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A zip read through its own central directory: the whole of it in an array, or a region of an
 * open file (a stored jar nested in the agent jar, read where it lies: no copy, no array of its
 * size). Only what our build writes is read (no zip64, no encryption); anything else is refused as
 * corrupt rather than read wrong. Reads of a file region share the file's position, so they are
 * made under the file's lock (every region of one file shares it); an entry's read and inflation
 * under this object's, which guards the one inflater.
 */
final class JarRegion {
    private static final int END = 0x06054b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final int END_SIZE = 22;

    private final String name;
    /** The whole zip, or null where it is read from {@link #file}. */
    private final byte[] zip;
    private final RandomAccessFile file;
    /** Where the zip begins in {@link #file}, and its length. */
    private final long base;
    private final long length;
    /** The central directory's bytes. */
    private byte[] cen;
    /**
     * Each entry's record offset in {@link #cen} plus one (0: an empty slot), by open addressing on
     * its name's String hash, kept in {@link #hashes}. No String is made per entry: making 584 of
     * them into a map took about 3 ms, interpreted, at a JVM's start.
     */
    private int[] slots;
    private int[] hashes;
    private Inflater inflater;

    private JarRegion(String name, byte[] zip, RandomAccessFile file, long base, long length) {
        this.name = name;
        this.zip = zip;
        this.file = file;
        this.base = base;
        this.length = length;
    }

    /** A zip held whole in {@code zip}. */
    static JarRegion inMemory(String name, byte[] zip) throws IOException {
        return new JarRegion(name, zip, null, 0, zip.length).indexed();
    }

    /** A zip of {@code length} bytes at {@code base} in {@code file}, which stays open for it. */
    static JarRegion inFile(String name, RandomAccessFile file, long base, long length) throws IOException {
        return new JarRegion(name, null, file, base, length).indexed();
    }

    private JarRegion indexed() throws IOException {
        if (length < END_SIZE) {
            throw new IOException(name + ": a zip of " + length + " bytes");
        }
        long tailStart = length - END_SIZE;
        byte[] tail = read(tailStart, END_SIZE);
        int end = 0;
        if (i32(tail, 0) != END) { // a comment follows the end record: look back through the longest one
            tailStart = Math.max(0, length - END_SIZE - 65_535);
            tail = read(tailStart, (int) (length - tailStart));
            end = tail.length - END_SIZE;
            while (end >= 0 && i32(tail, end) != END) {
                end--;
            }
            if (end < 0) {
                throw new IOException(name + ": no end of central directory");
            }
        }
        int count = u16(tail, end + 10);
        long size = i32(tail, end + 12) & 0xffffffffL;
        long offset = i32(tail, end + 16) & 0xffffffffL;
        if (offset + size > tailStart + end) {
            throw new IOException(name + ": the central directory runs past its end record");
        }
        int start;
        if (zip != null) {
            cen = zip;
            start = (int) offset;
        } else {
            cen = read(offset, (int) size);
            start = 0;
        }
        int capacity = Integer.highestOneBit(Math.max(count, 1) * 2) * 2;
        slots = new int[capacity];
        hashes = new int[capacity];
        int mask = capacity - 1;
        int p = start;
        for (int i = 0; i < count; i++) {
            if (p + 46 > cen.length || i32(cen, p) != CENTRAL) {
                throw new IOException(name + ": central directory record " + i + " is corrupt");
            }
            int nameLength = u16(cen, p + 28);
            if (p + 46 + nameLength > cen.length) {
                throw new IOException(name + ": central directory record " + i + " is corrupt");
            }
            int h = nameHash(p + 46, nameLength);
            int slot = h & mask;
            while (slots[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            slots[slot] = p + 1;
            hashes[slot] = h;
            p += 46 + nameLength + u16(cen, p + 30) + u16(cen, p + 32);
        }
        return this;
    }

    /** The String hash of the name at {@code at}: of its bytes where they are ASCII, as String's is. */
    private int nameHash(int at, int length) {
        int h = 0;
        for (int i = at; i < at + length; i++) {
            byte b = cen[i];
            if (b < 0) {
                return new String(cen, at, length, StandardCharsets.UTF_8).hashCode();
            }
            h = 31 * h + b;
        }
        return h;
    }

    /** The offset of the entry's record in {@link #cen}, or -1 where there is none of that name. */
    private int find(String path) {
        int h = path.hashCode();
        int mask = slots.length - 1;
        for (int slot = h & mask; slots[slot] != 0; slot = (slot + 1) & mask) {
            if (hashes[slot] == h && named(slots[slot] - 1, path)) {
                return slots[slot] - 1;
            }
        }
        return -1;
    }

    private boolean named(int at, String path) {
        int length = u16(cen, at + 28);
        int from = at + 46;
        if (length == path.length()) {
            int i = 0;
            while (i < length && cen[from + i] >= 0 && cen[from + i] == path.charAt(i)) {
                i++;
            }
            if (i == length) {
                return true;
            }
            if (cen[from + i] >= 0) {
                return false; // an ASCII byte that differs
            }
        }
        for (int i = from; i < from + length; i++) { // a name that is not ASCII: compared decoded
            if (cen[i] < 0) {
                return new String(cen, from, length, StandardCharsets.UTF_8).equals(path);
            }
        }
        return false;
    }

    boolean holds(String path) {
        return find(path) >= 0;
    }

    /** The entry's size, or -1 where there is none of that name. */
    long size(String path) {
        int at = find(path);
        return at < 0 ? -1 : size(at);
    }

    /** The compression method of the entry whose central record is at {@code at}. */
    private int method(int at) {
        return u16(cen, at + 10);
    }

    private long compressedSize(int at) {
        return i32(cen, at + 20) & 0xffffffffL;
    }

    private long size(int at) {
        return i32(cen, at + 24) & 0xffffffffL;
    }

    /**
     * A stored entry as a zip of its own, read where it lies; null where there is none of that
     * name.
     *
     * @throws IOException where it is compressed (it cannot be read in place) or corrupt
     */
    JarRegion nested(String path, String nestedName) throws IOException {
        int at = find(path);
        if (at < 0) {
            return null;
        }
        long size = size(at);
        if (method(at) != 0 || compressedSize(at) != size) {
            throw new IOException(name + ": " + path + " is compressed (method " + method(at) + "), not stored");
        }
        long data = dataOffset(path, at, size);
        return zip != null ? inMemory(nestedName, read(data, (int) size)) : inFile(nestedName, file, base + data, size);
    }

    /** The bytes of the entry, or null where there is none of that name. */
    synchronized byte[] entry(String path) throws IOException {
        int at = find(path);
        if (at < 0) {
            return null;
        }
        int method = method(at);
        long compressed = compressedSize(at);
        long size = size(at);
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException(name + ": " + path + " is " + size + " bytes");
        }
        byte[] data = read(dataOffset(path, at, compressed), (int) compressed);
        if (method == 0 && compressed == size) {
            return data;
        }
        if (method != 8) {
            throw new IOException(name + ": " + path + " uses compression method " + method);
        }
        if (inflater == null) {
            inflater = new Inflater(true);
        } else {
            inflater.reset();
        }
        byte[] out = new byte[(int) size];
        try {
            inflater.setInput(data);
            int n = 0;
            while (n < out.length) {
                int r = inflater.inflate(out, n, out.length - n);
                if (r == 0) { // finished early, or wants input or a dictionary it will not get
                    break;
                }
                n += r;
            }
            if (n != out.length) {
                throw new IOException(name + ": " + path + " inflates to " + n + " of " + size + " bytes");
            }
            return out;
        } catch (DataFormatException e) {
            throw new IOException(name + ": " + path + " is corrupt: " + e.getMessage(), e);
        }
    }

    /** Where the entry's data begins, past its local header, checked to end inside the zip. */
    private long dataOffset(String path, int at, long dataLength) throws IOException {
        long local = i32(cen, at + 42) & 0xffffffffL;
        if (local + 30 > length) {
            throw new IOException(name + ": " + path + " has no local header");
        }
        byte[] header = read(local, 30);
        if (i32(header, 0) != LOCAL) {
            throw new IOException(name + ": " + path + " has no local header");
        }
        long data = local + 30 + u16(header, 26) + u16(header, 28);
        if (data + dataLength > length) {
            throw new IOException(name + ": " + path + " runs past the end of " + name);
        }
        return data;
    }

    /** {@code count} bytes at {@code offset} in the zip. */
    private byte[] read(long offset, int count) throws IOException {
        if (offset < 0 || count < 0 || offset + count > length) {
            throw new IOException(name + ": a read runs past the end of " + name);
        }
        if (zip != null) {
            return Arrays.copyOfRange(zip, (int) offset, (int) offset + count);
        }
        byte[] bytes = new byte[count];
        synchronized (file) { // the file's position is shared by every region of it
            file.seek(base + offset);
            file.readFully(bytes);
        }
        return bytes;
    }

    private static int u16(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8;
    }

    private static int i32(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (b[p + 3] & 0xff) << 24;
    }
}
