package b10.transfer.archive;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The two entries an archive of ours carries besides the cache's files: a header first (format,
 * key and its components, what the writer expected to write) and a manifest last (files, bytes
 * and the content digest). They live under a name that can never be a cache path, and are never
 * written to disk. A reader of a native archive that reaches the end without the manifest, or
 * whose digest differs, rejects the archive before the local cache changes.
 */
public final class ArchiveMetadata {
    public static final String DIR = ".b10-transfer/";
    public static final String HEADER = DIR + "header.properties";
    public static final String MANIFEST = DIR + "manifest.properties";
    public static final String FORMAT = "b10-transfer-archive-1";

    private ArchiveMetadata() {
    }

    public static byte[] encode(Map<String, String> values) {
        Properties p = new Properties();
        p.putAll(values);
        StringWriter w = new StringWriter();
        try {
            p.store(w, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // drop the timestamp comment Properties writes, so equal content gives equal bytes
        String text = w.toString().replaceFirst("(?m)^#.*\\R", "");
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    public static Map<String, String> decode(byte[] bytes) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(new String(bytes, StandardCharsets.ISO_8859_1)));
        Map<String, String> m = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            m.put(k, p.getProperty(k));
        }
        return m;
    }
}
