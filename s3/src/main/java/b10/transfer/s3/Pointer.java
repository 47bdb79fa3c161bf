package b10.transfer.s3;

import b10.transfer.archive.ArchiveMetadata;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A key's pointer object, {@code cache_<hash>.latest}: which immutable archive object is the
 * key's base, and which ones it replaced lately (earlier bases, and the layers a compaction folded
 * into it: a layer object the pointer names as retired is no longer applied). The retired list is what lets a saver
 * delete an old archive only after every reader that could have read the old pointer is done;
 * it is carried from pointer to pointer by read-modify-write with If-Match, so no concurrent
 * saver's update is lost. A properties text, like the archive's own header.
 *
 * @param archive the current archive's object name, relative to the store's prefix
 * @param etag    the archive object's ETag: every ranged read asks for it (If-Match)
 * @param retired archive names this key used before, with the instant each stopped being current, oldest first
 */
record Pointer(String archive, String etag, long size, String keyText, String created, String writer,
               List<Retired> retired) {
    static final String FORMAT = "b10-transfer-pointer-1";
    static final int MAX_BYTES = 256 * 1024;
    /**
     * The most recent retirements kept (about 60 bytes each). A pointer stays small: some
     * S3-compatible servers answer a failed If-Match before reading a large body, which the client
     * then sees as a broken connection instead of 412. An entry beyond this is an orphan of the
     * sweep, removed by its object's age; that needs this many saves of one key within the age.
     */
    static final int MAX_RETIRED = 256;

    record Retired(String archive, Instant since) {
    }

    /** This pointer with another base and retirements; the writer and the time renewed. */
    Pointer with(String archive, String etag, long size, List<Retired> retired, String created) {
        return new Pointer(archive, etag, size, keyText, created, "b10-transfer-java " + ProcessHandle.current().pid(), retired);
    }

    byte[] encode() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("archive", archive);
        m.put("etag", etag);
        m.put("size", Long.toString(size));
        m.put("key", keyText);
        m.put("created", created);
        m.put("writer", writer);
        String folder = folder(archive);
        int from = Math.max(0, retired.size() - MAX_RETIRED);
        for (int i = from; i < retired.size(); i++) {
            Retired r = retired.get(i);
            String name = r.archive().startsWith(folder) ? r.archive().substring(folder.length()) : r.archive();
            m.put("retired." + (i - from), r.since().toEpochMilli() + " " + name);
        }
        return ArchiveMetadata.encode(m);
    }

    static Pointer decode(byte[] bytes, String where) throws IOException {
        Map<String, String> m = ArchiveMetadata.decode(bytes);
        if (!FORMAT.equals(m.get("format")) || m.get("archive") == null || m.get("size") == null) {
            throw new IOException("pointer " + where + " is not a " + FORMAT + " object");
        }
        String archive = m.get("archive");
        if (!safeName(archive)) {
            throw new IOException("pointer " + where + " names an archive outside its key's folder: " + archive);
        }
        List<Retired> retired = new ArrayList<>();
        String folder = folder(archive);
        for (int i = 0; m.containsKey("retired." + i); i++) {
            String entry = m.get("retired." + i);
            int space = entry.indexOf(' ');
            try {
                String name = entry.substring(space + 1);
                name = name.contains("/") ? name : folder + name;
                if (space > 0 && safeName(name)) {
                    retired.add(new Retired(name, Instant.ofEpochMilli(Long.parseLong(entry.substring(0, space)))));
                }
            } catch (RuntimeException e) {
                // an unreadable entry is dropped; its object is then an orphan, removed by age
            }
        }
        try {
            return new Pointer(archive, m.get("etag"), Long.parseLong(m.get("size")), m.get("key"), m.get("created"),
                    m.get("writer"), retired);
        } catch (NumberFormatException e) {
            throw new IOException("pointer " + where + " has a bad size: " + m.get("size"));
        }
    }

    /** {@code archives/cache_<hash>/}: the folder of an archive name. */
    static String folder(String archive) {
        return archive.substring(0, archive.lastIndexOf('/') + 1);
    }

    /** Archive names are {@code archives/cache_<hash>/<file>}: no other object may be named by a pointer. */
    static boolean safeName(String name) {
        return name != null && name.startsWith("archives/cache_") && !name.contains("..") && !name.contains("//")
                && name.indexOf('/', "archives/".length()) > 0;
    }
}
