package b10.transfer.store;

import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How things are named in a store, for both stores and for {@code list}: one place, so that the
 * Python package's names, ours and our temporaries can never drift apart.
 * <pre>
 *   cache_&lt;hash&gt;.latest.tar.zst|.tar.gz         a key's archive (directory store; seed mode: .tar.gz)
 *   cache_&lt;hash&gt;.&lt;host&gt;.latest.tar.gz          the Python package 0.0.x's archive (read only)
 *   .cache_&lt;hash&gt;...&lt;random&gt;.tmp              a saver's temporary (directory store)
 *   cache_&lt;hash&gt;.latest                        a key's pointer (S3 store)
 *   archives/cache_&lt;hash&gt;/&lt;unique id&gt;.tar.zst   an immutable archive the pointer names (S3 store)
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

    /** A new immutable archive of the key on S3, under a name no other saver chooses. */
    public static String immutableArchive(EnvironmentKey key, Settings.Compression compression) {
        return ARCHIVES + PREFIX + key.hash() + "/" + uniqueId() + extension(compression);
    }

    /** Time, host, pid and a random part (a clash would fail a conditional create, never overwrite). */
    public static String uniqueId() {
        String host = System.getenv().getOrDefault("HOSTNAME", "host").replaceAll("[^A-Za-z0-9-]", "");
        return Instant.now().toEpochMilli() + "-" + host + "-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }
}
