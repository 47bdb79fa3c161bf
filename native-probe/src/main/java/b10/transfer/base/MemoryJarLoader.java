package b10.transfer.base;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A nested jar held in memory, loaded child first: the fallback where its copy cannot be written
 * (an unwritable or full java.io.tmpdir). Its bytes are read once, its central directory indexed,
 * and each entry inflated when asked for. (As the first choice it was slower than the copy at a
 * JVM's start: a fresh 1.2 MB array's pages cost more than writing and opening the file.) The zip
 * is our own build's (no zip64, no encryption); anything else is refused as corrupt rather than
 * read wrong.
 */
final class MemoryJarLoader extends ChildFirstLoader {
    static {
        registerAsParallelCapable();
    }

    private static final int END = 0x06054b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;

    private final byte[] zip;
    /** Entry name to the offset of its central directory record. */
    private final Map<String, Integer> central;
    private MemoryJarLoader(String name, byte[] zip, Map<String, Integer> central, ClassLoader parent) {
        super(name, parent);
        this.zip = zip;
        this.central = central;
    }

    /** Reads the nested jar ({@code size} bytes from {@code in}) and indexes it. */
    static ClassLoader read(String name, InputStream in, long size, ClassLoader parent) throws IOException {
        if (size < 22 || size > Integer.MAX_VALUE - 8) {
            throw new IOException(name + ": a nested jar of " + size + " bytes");
        }
        byte[] zip = new byte[(int) size];
        for (int n = 0; n < zip.length; ) {
            int r = in.read(zip, n, zip.length - n);
            if (r < 0) {
                throw new IOException(name + ": the nested jar ends after " + n + " of " + size + " bytes");
            }
            n += r;
        }
        return new MemoryJarLoader(name, zip, index(name, zip), parent);
    }

    private static Map<String, Integer> index(String name, byte[] zip) throws IOException {
        int end = zip.length - 22;
        int floor = Math.max(0, zip.length - 22 - 65_535);
        while (end >= floor && i32(zip, end) != END) {
            end--;
        }
        if (end < floor) {
            throw new IOException(name + ": no end of central directory");
        }
        int count = u16(zip, end + 10);
        long offset = i32(zip, end + 16) & 0xffffffffL;
        Map<String, Integer> central = new HashMap<>(count * 2);
        int p = (int) Math.min(offset, zip.length);
        for (int i = 0; i < count; i++) {
            if (p + 46 > zip.length || i32(zip, p) != CENTRAL) {
                throw new IOException(name + ": central directory record " + i + " is corrupt");
            }
            int nameLength = u16(zip, p + 28);
            if (p + 46 + nameLength > zip.length) {
                throw new IOException(name + ": central directory record " + i + " is corrupt");
            }
            central.put(new String(zip, p + 46, nameLength, StandardCharsets.UTF_8), p);
            p += 46 + nameLength + u16(zip, p + 30) + u16(zip, p + 32);
        }
        return central;
    }

    @Override
    protected byte[] entry(String path) throws IOException {
        Integer at = central.get(path);
        if (at == null) {
            return null;
        }
        int c = at;
        int method = u16(zip, c + 10);
        long compressed = i32(zip, c + 20) & 0xffffffffL;
        long size = i32(zip, c + 24) & 0xffffffffL;
        long local = i32(zip, c + 42) & 0xffffffffL;
        if (local + 30 > zip.length || i32(zip, (int) local) != LOCAL) {
            throw new IOException(getName() + ": " + path + " has no local header");
        }
        long data = local + 30 + u16(zip, (int) local + 26) + u16(zip, (int) local + 28);
        if (data + compressed > zip.length || size > Integer.MAX_VALUE - 8) {
            throw new IOException(getName() + ": " + path + " runs past the nested jar");
        }
        if (method == 0 && compressed == size) {
            return java.util.Arrays.copyOfRange(zip, (int) data, (int) (data + size));
        }
        if (method != 8) {
            throw new IOException(getName() + ": " + path + " uses compression method " + method);
        }
        byte[] out = new byte[(int) size];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(zip, (int) data, (int) compressed);
            int n = 0;
            while (n < out.length) {
                int r = inflater.inflate(out, n, out.length - n);
                if (r == 0) { // finished early, or wants input or a dictionary it will not get
                    break;
                }
                n += r;
            }
            if (n != out.length) {
                throw new IOException(getName() + ": " + path + " inflates to " + n + " of " + size + " bytes");
            }
            return out;
        } catch (DataFormatException e) {
            throw new IOException(getName() + ": " + path + " is corrupt: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }

    @Override
    protected boolean holds(String path) {
        return central.containsKey(path);
    }

    @Override
    protected long entrySize(String path) {
        Integer at = central.get(path);
        return at == null ? -1 : i32(zip, at + 24) & 0xffffffffL;
    }

    private static int u16(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8;
    }

    private static int i32(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (b[p + 3] & 0xff) << 24;
    }
}
