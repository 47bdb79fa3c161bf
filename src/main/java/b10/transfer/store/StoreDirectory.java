package b10.transfer.store;

import b10.transfer.CacheError;
import b10.transfer.archive.ArchiveListing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A directory store's files grouped by key, from one listing: what retention, {@code list} and
 * the sweep of folded layers work on.
 */
final class StoreDirectory {

    /** The files of one key. */
    static final class Entries {
        private final String hash;
        final List<Path> bases = new ArrayList<>();
        final List<Path> layers = new ArrayList<>();
        final List<Path> indexes = new ArrayList<>();
        final List<Path> rest = new ArrayList<>();
        private final Map<Path, BasicFileAttributes> attributes = new HashMap<>();
        Path keyRecord;
        Path used;

        Entries(String hash) {
            this.hash = hash;
        }

        String hash() {
            return hash;
        }

        /** Bases and layers. */
        List<Path> archives() {
            List<Path> all = new ArrayList<>(bases);
            all.addAll(layers);
            return all;
        }

        /** Everything else of the key: indexes, records, side manifests, the use marker. */
        List<Path> others() {
            List<Path> all = new ArrayList<>(indexes);
            all.addAll(rest);
            if (used != null) {
                all.add(used);
            }
            if (keyRecord != null) {
                all.add(keyRecord);
            }
            return all;
        }

        long bytes() {
            long b = 0;
            for (Path p : archives()) {
                b += attributes.get(p).size();
            }
            return b;
        }

        Instant modified(Path p) {
            return attributes.get(p).lastModifiedTime().toInstant();
        }

        /** The newest archive's time: the last save. */
        Instant lastSaved() {
            Instant t = Instant.EPOCH;
            for (Path p : archives()) {
                t = max(t, modified(p));
            }
            return t;
        }

        /** The last load or save. */
        Instant lastUsed() {
            return used == null ? lastSaved() : max(lastSaved(), modified(used));
        }

        /** The newest base (by time): the one loads read. */
        Path base() {
            Path best = null;
            for (Path p : bases) {
                if (best == null || modified(p).isAfter(modified(best))) {
                    best = p;
                }
            }
            return best;
        }

        String keyText() {
            try {
                if (keyRecord != null && attributes.get(keyRecord).size() < 65536) {
                    return b10.transfer.archive.ArchiveMetadata.decode(Files.readAllBytes(keyRecord)).get("key");
                }
            } catch (IOException e) {
                // unreadable: named by its hash
            }
            Path base = base();
            Map<String, String> side = base == null ? null : SideManifest.readFor(base);
            return side == null ? null : side.get("key");
        }

        private static Instant max(Instant a, Instant b) {
            return a.isAfter(b) ? a : b;
        }
    }

    private StoreDirectory() {
    }

    /** The store's keys; a listing that fails is a {@link CacheError} worded by {@code unreadable}. */
    static Map<String, Entries> read(Path dir, Function<Exception, String> unreadable) {
        Map<String, Entries> byHash = new HashMap<>();
        if (!Files.isDirectory(dir)) {
            return byHash;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.startsWith(StoreNames.PREFIX)) {
                    continue;
                }
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    continue; // removed meanwhile
                }
                Entries e = byHash.computeIfAbsent(StoreNames.hashOf(n), Entries::new);
                e.attributes.put(p, a);
                if (StoreNames.isArchive(n)) {
                    e.bases.add(p);
                } else if (StoreNames.isLayer(n)) {
                    e.layers.add(p);
                } else if (StoreNames.isIndex(n)) {
                    e.indexes.add(p);
                } else if (StoreNames.isUsedMarker(n)) {
                    e.used = p;
                } else if (n.endsWith(StoreNames.KEY_RECORD_SUFFIX)) {
                    e.keyRecord = p;
                } else {
                    e.rest.add(p);
                }
            }
        } catch (IOException e) {
            throw new CacheError(unreadable.apply(e), e);
        }
        return byHash;
    }

    /**
     * Removes, for every key, what its current base makes unneeded once the base is older than the
     * age (so that a reader of the previous content has finished): the layers it folds and their
     * indexes, an older base of the other compression, and other indexes whose archive is gone once
     * they are past the age themselves. Never throws.
     */
    static void sweepFolded(Path dir, Instant cutoff) {
        try {
            for (Entries e : read(dir, Exception::toString).values()) {
                Path base = e.base();
                if (base == null || !e.modified(base).isBefore(cutoff) || e.layers.isEmpty() && e.bases.size() < 2
                        && e.indexes.size() < 2) {
                    continue;
                }
                Map<String, String> header;
                try (InputStream in = Files.newInputStream(base)) {
                    header = ArchiveListing.header(in);
                }
                Set<String> folded = FileStore.folds(header);
                Set<String> live = new java.util.HashSet<>();
                live.add(String.valueOf(header.get(StoreNames.HEADER_ID)));
                for (Path p : e.layers) {
                    String id = StoreNames.layerId(p.getFileName().toString());
                    if (folded.contains(id)) {
                        Files.deleteIfExists(p);
                    } else {
                        live.add(id);
                    }
                }
                for (Path p : e.bases) {
                    if (!p.equals(base) && e.modified(p).isBefore(cutoff)) {
                        Files.deleteIfExists(p);
                    }
                }
                for (Path p : e.indexes) {
                    String id = StoreNames.indexId(p.getFileName().toString());
                    // an unknown id may be a publish under way (its index lands first): only its age removes it
                    if (folded.contains(id) || !live.contains(id) && e.modified(p).isBefore(cutoff)) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // left for the next save: only space is lost meanwhile
        }
    }
}
