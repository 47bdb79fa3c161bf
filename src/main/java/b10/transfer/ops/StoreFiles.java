package b10.transfer.ops;

import b10.transfer.archive.ArchiveListing;
import b10.transfer.archive.TransferControl;
import b10.transfer.store.ArchiveStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The files a key's content holds (relative path to size), the base's and every layer's together:
 * what a save compares the local cache with. Read from the archives' indexes; an archive without
 * one (written by an earlier version) is read through its entry headers.
 */
record StoreFiles(Map<String, Long> files) {

    static StoreFiles of(ArchiveStore.Content content, long maxEntries, TransferControl control) throws IOException {
        Map<String, Long> files = new HashMap<>();
        for (ArchiveStore.Stored archive : content.archives()) {
            Map<String, Long> listed = archive.listing();
            if (listed == null) {
                try (InputStream in = archive.open(control)) {
                    listed = ArchiveListing.read(in, maxEntries, control);
                }
            }
            files.putAll(listed);
        }
        return new StoreFiles(files);
    }

    /**
     * The local files the content lacks: a path it does not hold, or holds with another size, or a
     * file changed (size or modification time) since the listing recorded after this cache's last
     * restore or save. A file of the same path and size with no record of it counts as the same
     * (its bytes are not read: a save stays a metadata walk plus what it writes).
     *
     * @param record the listing after the cache's last restore or save, or null where none is known
     */
    Set<String> lackedBy(TreeFingerprint local, TreeFingerprint record) {
        Set<String> lacked = new HashSet<>();
        for (Map.Entry<String, Long> f : local.sizes().entrySet()) {
            String name = f.getKey().replace(java.io.File.separatorChar, '/');
            Long held = files.get(name);
            boolean changed = record != null && record.sizes().containsKey(f.getKey())
                    && !(f.getValue().equals(record.sizes().get(f.getKey()))
                    && local.mtimes().get(f.getKey()).equals(record.mtimes().get(f.getKey())));
            if (held == null || !held.equals(f.getValue()) || changed) {
                lacked.add(name);
            }
        }
        return lacked;
    }
}
