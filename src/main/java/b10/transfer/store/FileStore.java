package b10.transfer.store;

import b10.transfer.CacheError;
import b10.transfer.archive.ArchiveListing;
import b10.transfer.archive.ArchiveMetadata;
import b10.transfer.archive.ArchiveWriter;
import b10.transfer.archive.TransferControl;
import b10.transfer.base.PausePoints;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
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
    /** The time the store's markers record (a key's last use, the policy's last run). */
    private final java.time.Clock clock;

    public FileStore(Path dir, String setting) {
        this(dir, setting, Settings.KeyMode.FULL, java.time.Clock.systemUTC());
    }

    public FileStore(Path dir, String setting, Settings.KeyMode keyMode, java.time.Clock clock) {
        this.dir = dir;
        this.setting = setting;
        this.sharedWithPython = keyMode == Settings.KeyMode.SEED;
        this.clock = clock;
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
        if (Files.isSymbolicLink(dir) && !Files.exists(dir)) {
            // a link to a mount that is not there: never create what it names
            String to;
            try {
                to = Files.readSymbolicLink(dir).toString();
            } catch (IOException e) {
                to = "a target that cannot be read";
            }
            return new Refusal(false, "store directory " + describe() + " is a symbolic link to " + to
                    + ", which does not exist: is the shared mount there?");
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
    public void removeStale(Instant cutoff, boolean forSave) {
        if (forSave || Files.isWritable(dir)) {
            TempCleaner.clean(dir, cutoff);
        }
        if (forSave && !sharedWithPython) {
            StoreDirectory.sweepFolded(dir, cutoff);
        }
    }

    @Override
    public Content content(EnvironmentKey key) throws IOException {
        if (sharedWithPython) {
            Optional<Path> p = newest(key);
            if (p.isEmpty()) {
                p = newestOfHosts(key);
            }
            return p.isEmpty() ? Content.NONE : new Content(new StoredFile(p.get(), key.hash(), null), List.of(), version(p.get(), List.of()));
        }
        List<Path> layerFiles = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (StoreNames.isLayer(n) && StoreNames.isOfKey(n, key)) {
                    layerFiles.add(p);
                }
            }
        }
        Path base = newest(key).orElse(null);
        if (base == null && layerFiles.isEmpty()) {
            return Content.NONE;
        }
        // A compaction may replace the base between this read of its header and the load's open of
        // it: the newer base then folds what this one did and more, and a layer applied twice
        // gives the same files. What a compaction folded stays for the temporaries' age.
        Map<String, String> header = base == null || layerFiles.isEmpty() ? Map.of() : ArchiveListing.header(Files.newInputStream(base));
        java.util.Set<String> folded = folds(header);
        List<Stored> layers = new ArrayList<>();
        layerFiles.sort((a, b) -> StoreNames.compareIds(StoreNames.layerId(a.getFileName().toString()),
                StoreNames.layerId(b.getFileName().toString())));
        List<Path> live = new ArrayList<>();
        for (Path p : layerFiles) {
            String id = StoreNames.layerId(p.getFileName().toString());
            if (!folded.contains(id)) {
                layers.add(new StoredFile(p, key.hash(), id));
                live.add(p);
            }
        }
        return new Content(base == null ? null : new StoredFile(base, key.hash(), header.get(StoreNames.HEADER_ID)), layers,
                version(base, live));
    }

    static java.util.Set<String> folds(Map<String, String> header) {
        String f = header.get(StoreNames.HEADER_FOLDS);
        return f == null || f.isEmpty() ? java.util.Set.of() : new java.util.HashSet<>(List.of(f.split(",")));
    }

    /** The base's identity (file, modification time, size) and the live layers' names. */
    private static String version(Path base, List<Path> layers) {
        StringBuilder b = new StringBuilder(identity(base));
        for (Path p : layers) {
            b.append('|').append(p.getFileName());
        }
        return b.toString();
    }

    private static String identity(Path p) {
        if (p == null) {
            return "-";
        }
        try {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return p.getFileName() + "@" + a.fileKey() + "/" + a.lastModifiedTime().toMillis() + "/" + a.size();
        } catch (IOException e) {
            return "-";
        }
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
        if (layout() == ArchiveWriter.Layout.PYTHON) {
            // written before the archive appears, so that a reader of the new archive finds its manifest
            Publisher.BeforeRename sideManifest = temp -> {
                if (body.manifest() != null) {
                    SideManifest.publishFor(temp, target, body.manifest(), key.text());
                }
            };
            return new StoredFile(Publisher.publish(dir, target.getFileName().toString(), body, sideManifest), key.hash(), null);
        }
        String id = idOf(body);
        Path asLayer = dir.resolve(StoreNames.layer(key, id, compression));
        Path placed = Publisher.publish(dir, target.getFileName().toString(), body, records(key, id, body), temp -> {
            if (newest(key).isEmpty() && Publisher.createOnly(temp, target)) {
                return target;
            }
            // another saver's base landed first: ours goes over it, so neither loses a file
            Files.move(temp, asLayer, StandardCopyOption.ATOMIC_MOVE);
            return asLayer;
        });
        return new StoredFile(placed, key.hash(), id);
    }

    @Override
    public Stored publishLayer(EnvironmentKey key, Settings.Compression compression, Publisher.Body body, TransferControl control)
            throws IOException {
        String id = idOf(body);
        String name = StoreNames.layer(key, id, compression);
        return new StoredFile(Publisher.publish(dir, name, body, records(key, id, body)), key.hash(), id);
    }

    /** Thrown by a compaction's placement when another compaction's base landed since its content was read. */
    private static final class Superseded extends IOException {
        Superseded() {
            super("superseded");
        }
    }

    @Override
    public Stored compact(EnvironmentKey key, Content seen, boolean onlyIfBaseUnchanged, Settings.Compression compression,
                          Publisher.Body body, TransferControl control) throws IOException {
        String id = idOf(body);
        Path target = dir.resolve(StoreNames.archive(key, compression));
        String seenBase = seen.base() == null ? "-" : identity(((StoredFile) seen.base()).path());
        try {
            Path placed = Publisher.publish(dir, target.getFileName().toString(), body, records(key, id, body), temp -> {
                String landed = CompareAndSwap.apply(new BaseFile(key, target, temp),
                        current -> onlyIfBaseUnchanged && !String.valueOf(current == null ? "-" : current).equals(seenBase) ? null : id,
                        written -> false, control);
                if (landed == null) {
                    throw new Superseded();
                }
                return target;
            });
            return new StoredFile(placed, key.hash(), id);
        } catch (Superseded e) {
            return null;
        }
    }

    /**
     * The key's base as a versioned value: its identity (file key, mtime, size) is the version, and
     * the write renames the new base over it. Not atomic with the rename: two compactions finishing
     * within the same instant can both land, and the later one wins; layers the winner does not
     * fold stay over it, so no file is lost either way.
     */
    private final class BaseFile implements CompareAndSwap.Versioned<String> {
        private final EnvironmentKey key;
        private final Path target;
        private final Path temp;

        BaseFile(EnvironmentKey key, Path target, Path temp) {
            this.key = key;
            this.target = target;
            this.temp = temp;
        }

        @Override
        public CompareAndSwap.Current<String> read() throws IOException {
            Path base = newest(key).orElse(null);
            if (base == null) {
                return null;
            }
            String identity = identity(base);
            return new CompareAndSwap.Current<>(identity, identity);
        }

        @Override
        public RuntimeException tryWrite(CompareAndSwap.Current<String> seen, String next) throws IOException {
            if (!identity(newest(key).orElse(null)).equals(seen == null ? "-" : seen.version())) {
                return new java.util.ConcurrentModificationException("the base of key " + key.hash() + " in " + describe()
                        + " kept changing while a new one was placed");
            }
            PausePoints.reach("before-compaction-rename");
            Publisher.replacing(target).place(temp);
            return null;
        }

        @Override
        public boolean readBackAfterWrite() {
            return false; // a rename is one atomic step
        }
    }

    private static String idOf(Publisher.Body body) {
        return body.id() != null ? body.id() : StoreNames.uniqueId();
    }

    /** The archive's index and the key's record, published before the archive so it never lacks them. */
    private Publisher.BeforeRename records(EnvironmentKey key, String id, Publisher.Body body) {
        byte[] record = ArchiveMetadata.encode(Map.of("key", key.text(), "hash", key.hash()));
        return temp -> {
            if (body.listing() != null) {
                Publisher.publishSmall(dir, StoreNames.index(key.hash(), id), ContentIndex.encode(body.listing()));
            }
            // the key's text beside its archive, for explaining a miss from one listing
            Publisher.publishSmall(dir, StoreNames.keyRecord(key.hash()), record);
        };
    }

    @Override
    public void touch(EnvironmentKey key) {
        Path marker = dir.resolve(StoreNames.usedMarker(key.hash()));
        java.nio.file.attribute.FileTime now = java.nio.file.attribute.FileTime.from(clock.instant());
        try {
            Files.setLastModifiedTime(marker, now);
        } catch (java.nio.file.NoSuchFileException e) {
            try {
                Publisher.publishSmall(dir, marker.getFileName().toString(), new byte[0]);
                Files.setLastModifiedTime(marker, now);
            } catch (IOException | RuntimeException ignored) {
                // a reader without write access: its loads are not recorded
            }
        } catch (IOException | RuntimeException e) {
            // a reader without write access: its loads are not recorded
        }
    }

    @Override
    public List<KeyUsage> usage() throws IOException {
        List<KeyUsage> out = new ArrayList<>();
        for (StoreDirectory.Entries e : StoreDirectory.read(dir, this::unreadable).values()) {
            if (e.archives().isEmpty()) {
                continue;
            }
            out.add(new KeyUsage(e.hash(), e.keyText(), e.archives().size(), e.bytes(), e.lastSaved(), e.lastUsed()));
        }
        return out;
    }

    @Override
    public boolean remove(KeyUsage usage) throws IOException {
        StoreDirectory.Entries e = StoreDirectory.read(dir, this::unreadable).get(usage.hash());
        if (e == null) {
            return true;
        }
        if (e.lastUsed().isAfter(usage.lastUsed())) {
            return false;
        }
        // the archives first, so that a load that starts now finds no key rather than a part of one
        for (Path p : e.archives()) {
            Files.deleteIfExists(p);
        }
        for (Path p : e.others()) {
            Files.deleteIfExists(p);
        }
        return true;
    }

    @Override
    public java.time.Instant lastPolicyRun() {
        try {
            return Files.getLastModifiedTime(dir.resolve(StoreNames.POLICY_MARKER)).toInstant();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void policyRan() {
        try {
            Publisher.publishSmall(dir, StoreNames.POLICY_MARKER, new byte[0]);
            Files.setLastModifiedTime(dir.resolve(StoreNames.POLICY_MARKER), java.nio.file.attribute.FileTime.from(clock.instant()));
        } catch (IOException | RuntimeException e) {
            // the next save runs the policy again: only work repeated
        }
    }

    @Override
    public void close() {
    }

    /** An archive file; opening refuses anything but a regular file (a FIFO would block the reader). */
    private final class StoredFile implements Stored {
        private final Path path;
        private final String hash;
        /** Null for a base whose header has not been read (it is read when its index is asked for). */
        private final String id;

        StoredFile(Path path, String hash, String id) {
            this.path = path;
            this.hash = hash;
            this.id = id;
        }

        Path path() {
            return path;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public boolean layer() {
            return StoreNames.isLayer(path.getFileName().toString());
        }

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

        @Override
        public Map<String, Long> listing() throws IOException {
            if (sharedWithPython) {
                return null;
            }
            String archiveId = id != null ? id : ArchiveListing.header(open(TransferControl.NONE)).get(StoreNames.HEADER_ID);
            if (archiveId == null) {
                return null;
            }
            Path index = dir.resolve(StoreNames.index(hash, archiveId));
            if (!Files.isRegularFile(index, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            try (InputStream in = Files.newInputStream(index)) {
                return ContentIndex.decode(in, index.toString());
            }
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
     * {@code cache_<hash>.<host>.latest.tar.gz}), or a layer; temporaries start with a dot, and neither its staging
     * files ({@code .incomplete.}) nor our side manifests end like an archive.
     */
    static boolean isArchiveName(String fileName) {
        return StoreNames.isArchive(fileName) || StoreNames.isLayer(fileName);
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

    /**
     * Every key: its base (or, where it has none, its newest layer) with the header where it has
     * one (only the first entry is read), its layers, all its archives' bytes and its last use.
     */
    @Override
    public List<Map<String, Object>> list() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.exists(dir)) {
            return out;
        }
        if (!Files.isDirectory(dir)) {
            throw new CacheError("store " + describe() + " is not a directory");
        }
        List<StoreDirectory.Entries> keys = new ArrayList<>(StoreDirectory.read(dir, this::unreadable).values());
        keys.removeIf(e -> e.archives().isEmpty());
        for (StoreDirectory.Entries e : keys) {
            Path p = e.base();
            if (p == null) {
                p = e.layers.stream().max((a, b) -> e.modified(a).compareTo(e.modified(b))).orElseThrow();
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", p.getFileName().toString());
            m.put("path", p.toString());
            m.put("size_bytes", Files.size(p));
            m.put("modified", e.modified(p).toString());
            m.putAll(header(p));
            m.put("layers", e.layers.size());
            m.put("store_bytes", e.bytes());
            m.put("last_used", e.lastUsed().toString());
            out.add(m);
        }
        out.sort((a, b) -> String.valueOf(a.get("file")).compareTo(String.valueOf(b.get("file"))));
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
