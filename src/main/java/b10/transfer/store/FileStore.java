package b10.transfer.store;

import b10.transfer.CacheError;
import b10.transfer.archive.ArchiveListing;
import b10.transfer.archive.ArchiveMetadata;
import b10.transfer.archive.ArchiveWriter;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.archive.TransferControl;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The store's layout: one archive per key, {@code cache_<hash>.latest.tar.zst} (or {@code .tar.gz}),
 * directly in the store directory, with publishers' temporaries beside them as hidden files.
 *
 * <p>In seed mode the directory is shared with the Python package: archives are its
 * {@code cache_<key>.latest.tar.gz} in its layout, each with a {@link SideManifest}, and a load
 * also finds the {@code cache_<key>.<hostname>.latest.tar.gz} that its 0.0.x versions published.
 */
public final class FileStore implements ArchiveStore {
    private final Path dir;
    /** The variable that named the directory, for messages. */
    private final String setting;
    private final boolean sharedWithPython;

    public FileStore(Path dir, String setting) {
        this(dir, setting, Settings.KeyMode.FULL);
    }

    public FileStore(Path dir, String setting, Settings.KeyMode keyMode) {
        this.dir = dir;
        this.setting = setting;
        this.sharedWithPython = keyMode == Settings.KeyMode.SEED;
    }

    @Override
    public ArchiveWriter.Layout layout() {
        return sharedWithPython ? ArchiveWriter.Layout.PYTHON : ArchiveWriter.Layout.NATIVE;
    }

    @Override
    public String describe() {
        return dir + " (" + setting + ")";
    }

    @Override
    public Refusal checkLoad() {
        if (!Files.exists(dir)) {
            return new Refusal(true, "store directory " + describe() + " does not exist: is the shared mount there?");
        }
        if (!Files.isDirectory(dir)) {
            return new Refusal(false, "store " + describe() + " is not a directory");
        }
        try {
            if (!holdsArchives()) {
                return new Refusal(true, "the store " + dir + " holds no archives yet");
            }
        } catch (IOException | RuntimeException e) {
            // never "no archives" for a store we could not read: that would be a silent cold start on every boot
            return new Refusal(false, unreadable(e));
        }
        return null;
    }

    private String unreadable(Exception e) {
        String cause = e instanceof java.nio.file.AccessDeniedException ? "permission denied for user "
                + System.getProperty("user.name") : e.toString();
        return "cannot read store directory " + describe() + ": " + cause
                + "; give this user read access to it, or point " + setting + " at a store it can read";
    }

    @Override
    public Refusal checkSave() {
        Path mount = dir.getParent();
        if (mount != null && !Files.isDirectory(mount)) {
            // never create a missing mount point: the archive would land on the local disk
            return new Refusal(false, "the parent of store directory " + describe() + " does not exist: is the shared mount there?");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            return new Refusal(false, "store " + describe() + " is not a directory");
        }
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectory(dir);
            }
        } catch (IOException e) {
            return new Refusal(false, "cannot create store directory " + describe() + ": " + e);
        }
        if (!Files.isWritable(dir)) {
            return new Refusal(false, "store directory " + describe() + " is not writable");
        }
        return null;
    }

    @Override
    public void removeStale(Duration maxAge, boolean forSave) {
        if (forSave || Files.isWritable(dir)) {
            TempCleaner.clean(dir, maxAge);
        }
    }

    @Override
    public Optional<Stored> find(EnvironmentKey key) throws IOException {
        Optional<Path> p = newest(key);
        if (p.isEmpty() && sharedWithPython) {
            p = newestOfHosts(key);
        }
        return p.map(StoredFile::new);
    }

    /** The Python package 0.0.x's {@code cache_<key>.<hostname>.latest.tar.gz}, any hostname, the newest. */
    private Optional<Path> newestOfHosts(EnvironmentKey key) throws IOException {
        Path best = null;
        long bestTime = Long.MIN_VALUE;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (StoreNames.isHostArchiveOf(n, key)) {
                    long t = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
                    if (t > bestTime) {
                        best = p;
                        bestTime = t;
                    }
                }
            }
        }
        return Optional.ofNullable(best);
    }

    @Override
    public String locationFor(EnvironmentKey key, Settings.Compression compression) {
        return newest(key).orElse(archivePath(key, compression)).toString();
    }

    @Override
    public Stored publish(EnvironmentKey key, Settings.Compression compression, Publisher.Body body, TransferControl control)
            throws IOException {
        Path target = dir.resolve(StoreNames.archive(key, compression));
        Publisher.BeforeRename sideManifest;
        if (layout() == ArchiveWriter.Layout.PYTHON) {
            // written before the archive appears, so that a reader of the new archive finds its manifest
            sideManifest = temp -> {
                if (body.manifest() != null) {
                    SideManifest.publishFor(temp, target, body.manifest(), key.text());
                }
            };
        } else {
            // the key's text beside its archive, for explaining a miss from one listing
            byte[] record = ArchiveMetadata.encode(Map.of("key", key.text(), "hash", key.hash()));
            sideManifest = temp -> Publisher.publishSmall(dir, StoreNames.keyRecord(key.hash()), record);
        }
        return new StoredFile(Publisher.publish(dir, target.getFileName().toString(), body, sideManifest));
    }

    @Override
    public void close() {
    }

    /** An archive file; opening refuses anything but a regular file (a FIFO would block the reader). */
    private record StoredFile(Path path) implements Stored {
        @Override
        public String location() {
            return path.toString();
        }

        @Override
        public long size() {
            try {
                return Files.size(path);
            } catch (IOException e) {
                return -1;
            }
        }

        @Override
        public InputStream open(TransferControl control) throws IOException {
            if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                throw new CacheError(path + " is not a regular file");
            }
            return Files.newInputStream(path);
        }

        @Override
        public Map<String, String> sideManifest() {
            return SideManifest.readFor(path);
        }
    }

    /** The key's archive, whichever compression it was written with; the newer if both exist. */
    Optional<Path> newest(EnvironmentKey key) {
        Path best = null;
        long bestTime = Long.MIN_VALUE;
        for (Settings.Compression c : Settings.Compression.values()) {
            Path p = dir.resolve(StoreNames.archive(key, c));
            try {
                long t = Files.getLastModifiedTime(p).toMillis();
                if (t > bestTime) {
                    best = p;
                    bestTime = t;
                }
            } catch (IOException e) {
                // absent
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * An archive of some key ({@code cache_<hash>.latest.tar.zst|.gz}, or the Python package 0.0.x's
     * {@code cache_<hash>.<host>.latest.tar.gz}); temporaries start with a dot, and neither its staging
     * files ({@code .incomplete.}) nor our side manifests end like an archive.
     */
    static boolean isArchiveName(String fileName) {
        return StoreNames.isArchive(fileName);
    }

    /**
     * Whether the store holds an archive of any key: one listing, no key needed, so a load from an
     * empty store costs neither the key's digest nor the GPU probe. Throws when it cannot be read.
     */
    boolean holdsArchives() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (isArchiveName(p.getFileName().toString())) {
                    return true;
                }
            }
        }
        return false;
    }

    private Path archivePath(EnvironmentKey key, Settings.Compression c) {
        return dir.resolve(StoreNames.archive(key, c));
    }

    /** Every archive in the store, with its header where it has one (only the first entry is read). */
    @Override
    public List<Map<String, Object>> list() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.exists(dir)) {
            return out;
        }
        if (!Files.isDirectory(dir)) {
            throw new CacheError("store " + describe() + " is not a directory");
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (isArchiveName(p.getFileName().toString())) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw new CacheError(unreadable(e), e);
        }
        files.sort(null);
        for (Path p : files) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", p.getFileName().toString());
            m.put("path", p.toString());
            m.put("size_bytes", Files.size(p));
            m.put("modified", Files.getLastModifiedTime(p).toInstant().toString());
            m.putAll(header(p));
            out.add(m);
        }
        return out;
    }

    @Override
    public List<StoredKey> keys(int most) throws IOException {
        List<Path> archives = new ArrayList<>();
        Map<Path, java.time.Instant> modified = new HashMap<>();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (isArchiveName(p.getFileName().toString())) {
                    try {
                        modified.put(p, Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant());
                        archives.add(p);
                    } catch (IOException e) {
                        // removed meanwhile
                    }
                }
            }
        } catch (IOException e) {
            throw new CacheError(unreadable(e), e);
        }
        archives.sort((a, b) -> modified.get(b).compareTo(modified.get(a)));
        List<StoredKey> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Path p : archives) {
            String hash = StoreNames.hashOf(p.getFileName().toString());
            if (seen.add(hash)) {
                out.add(new StoredKey(hash, out.size() < most ? keyText(p, hash) : null, modified.get(p)));
            }
        }
        return out;
    }

    /** The key's text from its record, or the manifest beside a Python-layout archive; null where neither says it. */
    private String keyText(Path archive, String hash) {
        try {
            Path record = dir.resolve(StoreNames.keyRecord(hash));
            if (Files.isRegularFile(record, LinkOption.NOFOLLOW_LINKS) && Files.size(record) < 65536) {
                return ArchiveMetadata.decode(Files.readAllBytes(record)).get("key");
            }
        } catch (IOException e) {
            // fall through to the side manifest
        }
        Map<String, String> side = SideManifest.readFor(archive);
        return side == null ? null : side.get("key");
    }

    static Map<String, Object> header(Path archive) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!Files.isRegularFile(archive, LinkOption.NOFOLLOW_LINKS)) {
            m.put("readable", false);
            return m;
        }
        try (InputStream raw = Files.newInputStream(archive)) {
            Map<String, String> h = ArchiveListing.header(raw);
            if (!h.isEmpty()) {
                m.put("key", h.get("key"));
                m.put("expected_files", h.get("expected_files"));
                m.put("expected_bytes", h.get("expected_bytes"));
                m.put("created", h.get("created"));
                m.put("format", h.get("format"));
            } else {
                m.put("format", "foreign (no header: a Python package archive?)");
            }
        } catch (IOException | RuntimeException e) {
            m.put("readable", false);
            m.put("error", String.valueOf(e.getMessage()));
        }
        return m;
    }
}
