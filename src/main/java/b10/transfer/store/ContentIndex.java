package b10.transfer.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The files one stored archive holds (relative path to size), kept beside it as a small gzip
 * text: what a save compares the local cache with to publish only what the key's content lacks,
 * without reading the archives themselves. Written before its archive is published, so an
 * archive never lacks its index; an index without its archive is removed by age.
 */
public final class ContentIndex {
    static final String FORMAT = "b10-transfer-index-1";
    /** Far above any real cache's listing (about 80 bytes a file), far below what would hurt a heap. */
    static final int MAX_BYTES = 64 << 20;

    private ContentIndex() {
    }

    public static byte[] encode(Map<String, Long> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes, 1 << 16)) {
            StringBuilder b = new StringBuilder(FORMAT).append('\n');
            for (Map.Entry<String, Long> f : new java.util.TreeMap<>(files).entrySet()) {
                b.append(f.getValue()).append('\t').append(f.getKey()).append('\n');
            }
            gz.write(b.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e); // in memory: cannot happen
        }
        return bytes.toByteArray();
    }

    /** The listing; an IOException names what is wrong (not an index, damaged, too large). */
    public static Map<String, Long> decode(byte[] stored, String where) throws IOException {
        return decode(new ByteArrayInputStream(stored), where);
    }

    public static Map<String, Long> decode(InputStream stored, String where) throws IOException {
        byte[] text;
        try (InputStream in = new GZIPInputStream(stored, 1 << 16)) {
            text = in.readNBytes(MAX_BYTES + 1);
        }
        if (text.length > MAX_BYTES) {
            throw new IOException("index " + where + " is larger than " + (MAX_BYTES >> 20) + " MiB");
        }
        String[] lines = new String(text, StandardCharsets.UTF_8).split("\n");
        if (lines.length == 0 || !lines[0].equals(FORMAT)) {
            throw new IOException("index " + where + " is not a " + FORMAT + " text");
        }
        Map<String, Long> files = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int tab = lines[i].indexOf('\t');
            if (tab <= 0) {
                throw new IOException("index " + where + " has a bad line " + i);
            }
            try {
                files.put(lines[i].substring(tab + 1), Long.parseLong(lines[i], 0, tab, 10));
            } catch (NumberFormatException e) {
                throw new IOException("index " + where + " has a bad size on line " + i);
            }
        }
        return files;
    }
}
