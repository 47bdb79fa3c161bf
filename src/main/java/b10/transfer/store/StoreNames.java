package b10.transfer.store;

import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How things are named in a store, for both stores and for {@code list}: one place, so that the
 * Python package's names, ours and our temporaries can never drift apart.
 * <pre>
 *   cache_&lt;hash&gt;.latest.tar.zst|.tar.gz         a key's base archive (directory store; seed mode: .tar.gz)
 *   cache_&lt;hash&gt;.layer.&lt;id&gt;.tar.zst            a layer over it (directory store)
 *   cache_&lt;hash&gt;.&lt;id&gt;.b10-index                the files of archive &lt;id&gt; (directory store)
 *   cache_&lt;hash&gt;.used                          its modification time: the key's last load (directory store)
 *   cache_&lt;hash&gt;.&lt;host&gt;.latest.tar.gz          the Python package 0.0.x's archive (read only)
 *   .cache_&lt;hash&gt;...&lt;random&gt;.tmp              a saver's temporary (directory store)
 *   cache_&lt;hash&gt;.latest                        a key's pointer (S3 store)
 *   archives/cache_&lt;hash&gt;/base-&lt;id&gt;.tar.zst     a base the pointer names (S3 store)
 *   archives/cache_&lt;hash&gt;/layer-&lt;id&gt;.tar.zst    a layer, live unless the pointer names it (S3 store)
 *   archives/cache_&lt;hash&gt;/&lt;kind&gt;-&lt;id&gt;.index      the files of that archive (S3 store)
 *   used/cache_&lt;hash&gt;                          its last-modified time: the key's last load (S3 store)
 * </pre>
 */
public final class StoreNames {
    public static final String PREFIX = "cache_";
    public static final String LATEST = ".latest";
    public static final String TEMP_SUFFIX = ".tmp";
    /** Where the S3 store keeps its immutable archives. */
    public static final String ARCHIVES = "archives/";

    private StoreNames() {
    }

    public static String extension(Settings.Compression compression) {
        return compression == Settings.Compression.GZIP ? ".tar.gz" : ".tar.zst";
    }

    /** Header fields of a native archive that the stores read: its id, and (a base) the layers it folds. */
    public static final String HEADER_ID = "id";
    public static final String HEADER_FOLDS = "folds";
    static final String LAYER = ".layer.";
    static final String INDEX_SUFFIX = ".b10-index";
    static final String USED_SUFFIX = ".used";
    /** Its modification time: when the retention policy last ran on a directory store. */
    public static final String POLICY_MARKER = ".b10-transfer-gc";
    /** Where the S3 store keeps its keys' last-use markers. */
    public static final String USED = "used/";
    public static final String POLICY_OBJECT = "gc-ran";

    /** A layer of the key in the directory store. */
    public static String layer(EnvironmentKey key, String id, Settings.Compression compression) {
        return PREFIX + key.hash() + LAYER + id + extension(compression);
    }

    public static boolean isLayer(String fileName) {
        return fileName.startsWith(PREFIX) && fileName.contains(LAYER)
                && (fileName.endsWith(".tar.zst") || fileName.endsWith(".tar.gz"));
    }

    /** The id in a layer's name. */
    public static String layerId(String fileName) {
        int from = fileName.indexOf(LAYER) + LAYER.length();
        return fileName.substring(from, fileName.lastIndexOf(".tar."));
    }

    /** The index of archive {@code id} of a key in the directory store. */
    public static String index(String hash, String id) {
        return PREFIX + hash + "." + id + INDEX_SUFFIX;
    }

    public static boolean isIndex(String fileName) {
        return fileName.startsWith(PREFIX) && fileName.endsWith(INDEX_SUFFIX);
    }

    /** The id in an index's name. */
    public static String indexId(String fileName) {
        return fileName.substring(fileName.indexOf('.') + 1, fileName.length() - INDEX_SUFFIX.length());
    }

    /** The key's last-use marker in the directory store. */
    public static String usedMarker(String hash) {
        return PREFIX + hash + USED_SUFFIX;
    }

    public static boolean isUsedMarker(String fileName) {
        return fileName.startsWith(PREFIX) && fileName.endsWith(USED_SUFFIX);
    }

    /** The index object of an archive object on S3: its name with {@code .index} for the extension. */
    public static String indexObject(String archiveObject) {
        int ext = archiveObject.lastIndexOf(".tar.");
        return (ext < 0 ? archiveObject : archiveObject.substring(0, ext)) + ".index";
    }

    static final String BASE_OBJECT = "base-";
    static final String LAYER_OBJECT = "layer-";

    /** A new base of the key on S3 (a compaction's or a replacement's), live once the pointer names it. */
    public static String baseObject(EnvironmentKey key, String id, Settings.Compression compression) {
        return ARCHIVES + PREFIX + key.hash() + "/" + BASE_OBJECT + id + extension(compression);
    }

    /** A new layer of the key on S3: live from the moment it exists, unless the pointer names it (its base, or retired). */
    public static String layerObject(EnvironmentKey key, String id, Settings.Compression compression) {
        return ARCHIVES + PREFIX + key.hash() + "/" + LAYER_OBJECT + id + extension(compression);
    }

    /** Whether an object's file name (after the key's folder) is a layer archive. */
    public static boolean isLayerObject(String file) {
        return file.startsWith(LAYER_OBJECT) && (file.endsWith(".tar.zst") || file.endsWith(".tar.gz"));
    }

    /** The id in an S3 archive object's file name: without its kind and extension. */
    public static String objectId(String file) {
        String f = file.startsWith(LAYER_OBJECT) ? file.substring(LAYER_OBJECT.length())
                : file.startsWith(BASE_OBJECT) ? file.substring(BASE_OBJECT.length()) : file;
        int ext = f.indexOf(".tar.");
        return ext < 0 ? f : f.substring(0, ext);
    }

    /** Orders layer ids as they were published: by the instant they start with, then by the rest. */
    public static int compareIds(String a, String b) {
        int c = Long.compare(idMillis(a), idMillis(b));
        return c != 0 ? c : a.compareTo(b);
    }

    /** The instant an id of {@link #uniqueId()} starts with; 0 where it has none. */
    public static long idMillis(String id) {
        int dash = id.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? id : id.substring(0, dash));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The key's archive in the directory store. */
    public static String archive(EnvironmentKey key, Settings.Compression compression) {
        return PREFIX + key.hash() + LATEST + extension(compression);
    }

    /** An archive of some key: ours, or either of the Python package's names. */
    public static boolean isArchive(String fileName) {
        return fileName.startsWith(PREFIX) && (fileName.endsWith(LATEST + ".tar.gz") || fileName.endsWith(LATEST + ".tar.zst"));
    }

    /** Whether a stored name (an archive or a pointer) belongs to the key. */
    public static boolean isOfKey(String fileName, EnvironmentKey key) {
        return fileName.startsWith(PREFIX + key.hash() + ".");
    }

    /** The Python package 0.0.x's {@code cache_<hash>.<host>.latest.tar.gz}, for any host. */
    public static boolean isHostArchiveOf(String fileName, EnvironmentKey key) {
        String prefix = PREFIX + key.hash() + ".";
        String suffix = LATEST + ".tar.gz";
        return fileName.length() > prefix.length() + suffix.length() && fileName.startsWith(prefix) && fileName.endsWith(suffix);
    }

    /** The record of a key's text beside its archive in the directory store: what explains a miss without opening archives. */
    public static String keyRecord(String hash) {
        return PREFIX + hash + KEY_RECORD_SUFFIX;
    }

    public static final String KEY_RECORD_SUFFIX = ".b10-key";

    /** The hash in an archive's, pointer's or record's name: between the prefix and the next dot. */
    public static String hashOf(String fileName) {
        int dot = fileName.indexOf('.', PREFIX.length());
        return dot < 0 ? fileName.substring(PREFIX.length()) : fileName.substring(PREFIX.length(), dot);
    }

    /** A temporary of ours: hidden, never matching the Python package's {@code *.incomplete*} clean-up. */
    public static String temporary(String target) {
        String host = System.getenv().getOrDefault("HOSTNAME", "host").replaceAll("[^A-Za-z0-9-]", "");
        return "." + target + "." + host + "-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE) + TEMP_SUFFIX;
    }

    public static boolean isTemporary(String fileName) {
        return fileName.startsWith("." + PREFIX) && fileName.endsWith(TEMP_SUFFIX);
    }

    /** The key's pointer on S3. */
    public static String pointer(EnvironmentKey key) {
        return PREFIX + key.hash() + LATEST;
    }

    public static boolean isPointer(String fileName) {
        return fileName.startsWith(PREFIX) && fileName.endsWith(LATEST);
    }

    /** Time, host, pid and a random part (a clash would fail a conditional create, never overwrite). */
    public static String uniqueId() {
        String host = System.getenv().getOrDefault("HOSTNAME", "host").replaceAll("[^A-Za-z0-9-]", "");
        return Instant.now().toEpochMilli() + "-" + host + "-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }
}
