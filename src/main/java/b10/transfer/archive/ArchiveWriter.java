package b10.transfer.archive;

import b10.transfer.CacheValidationError;
import b10.transfer.config.Settings;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a cache directory as one archive: header entry, the directories and regular files in
 * sorted order, manifest entry. In the Python package's layout ({@link Layout#PYTHON}) the archive
 * is what {@code tar -czf X -C dir .} makes: members {@code ./...}, nothing but the cache's own
 * files, so that the package's {@code tar -xzf} restores exactly the saved tree; the manifest is
 * then only returned, for the store to keep beside the archive. Symbolic links and special files are left out (a reader of ours
 * would refuse them). Small files are read ahead by a few threads while the stream compresses,
 * within a bounded number of bytes, so that memory stays small whatever the cache's size.
 */
public final class ArchiveWriter {
    static final int SMALL_FILE = 4 << 20;
    static final long READ_AHEAD_BYTES = 32L << 20;

    /** What was written. */
    /** @param listing the files written, relative path to size: the archive's index */
    public record Result(long files, long bytes, String digest, int skipped, String signer, String signature,
                         Map<String, Long> listing) {

        /** The manifest's fields, as the native layout's last entry holds them. */
        public Map<String, String> manifest() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("files", Long.toString(files));
            m.put("bytes", Long.toString(bytes));
            m.put("digest", digest);
            return m;
        }

        /** The manifest and, when signed, the signer and signature: what a side manifest keeps. */
        public Map<String, String> signedManifest() {
            Map<String, String> m = manifest();
            if (signature != null) {
                m.put(ArchiveSignature.SIGNER, signer);
                m.put(ArchiveSignature.SIGNATURE, signature);
            }
            return m;
        }
    }

    /** Which members an archive has besides the cache's files. */
    public enum Layout {
        /** Our header first and manifest last, under .b10-transfer/. */
        NATIVE,
        /** The Python package's: a ./ root and ./-prefixed members, nothing else. */
        PYTHON
    }

    private record Item(String name, Path path, boolean directory, long size, boolean executable, long mtimeSeconds) {
    }

    private final Settings.Compression compression;
    private final int level;
    private final int workers;
    private final long maxBytes;
    private final ExecutorService readers;
    private final Layout layout;
    private ArchiveSignature.Signer signer;
    private java.util.Set<String> only;
    /** What a load will accept (entries, depth, path length); null: not checked. */
    private ExtractionLimits readable;

    /** @param level zstd level (gzip always uses 6); @param workers zstd compression threads, 0 for none */
    public ArchiveWriter(Settings.Compression compression, int level, int workers, long maxBytes, ExecutorService readers) {
        this(compression, level, workers, maxBytes, readers, Layout.NATIVE);
    }

    public ArchiveWriter(Settings.Compression compression, int level, int workers, long maxBytes, ExecutorService readers,
                         Layout layout) {
        this.layout = layout;
        this.compression = compression;
        this.level = level;
        this.workers = workers;
        this.maxBytes = maxBytes;
        this.readers = readers;
    }

    /** Signs what this writer writes: the manifest, after the last file (the caller names the signer in the header). */
    public ArchiveWriter signedBy(ArchiveSignature.Signer signer) {
        this.signer = signer;
        return this;
    }

    /**
     * Refuses to write what a load under these limits would refuse to restore: more entries than
     * B10_TRANSFER_MAX_ENTRIES, a path deeper than B10_TRANSFER_MAX_PATH_DEPTH or longer than
     * B10_TRANSFER_MAX_PATH_LENGTH. Publishing it would be a save that no load can use.
     */
    public ArchiveWriter readableWithin(ExtractionLimits limits) {
        this.readable = limits;
        return this;
    }

    /**
     * Writes only these files (relative paths, '/'-separated) and the directories above them: a
     * layer, which holds what the store's content lacks.
     */
    public ArchiveWriter onlyFiles(java.util.Set<String> files) {
        this.only = files;
        return this;
    }

    public Result write(Path cacheDir, OutputStream sink, Map<String, String> header, TransferControl control)
            throws IOException {
        int[] skipped = {0};
        // a layer's few files are looked up by name: walking the whole tree again would cost as much as a small save
        List<Item> items = only != null ? selected(cacheDir, only, skipped) : scan(cacheDir, skipped);
        long totalBytes = 0;
        long totalFiles = 0;
        for (Item i : items) {
            if (!i.directory) {
                totalBytes += i.size;
                totalFiles++;
            }
        }
        if (totalBytes > maxBytes) {
            throw new CacheValidationError("local cache " + cacheDir + " holds " + String.format(java.util.Locale.ROOT, "%.1f",
                    totalBytes / (1024.0 * 1024)) + " MiB, more than MAX_CACHE_SIZE_MB=" + mib(maxBytes));
        }
        if (readable != null) {
            checkReadable(cacheDir, items);
        }
        control.totals(totalBytes, totalFiles);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(
                ArchiveStreams.compressed(new KeepOpen(sink), compression, level, workers), 1 << 16);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        String prefix = writeHead(tar, header, totalFiles, totalBytes);
        Entries entries = new Entries(tar, prefix, control);
        for (int at = 0; at < items.size(); at++) {
            control.checkpoint();
            entries.readAhead(items, at);
            if (!entries.add(items.get(at), at)) {
                skipped[0]++; // deleted between scan and read: the cache moved on, leave it out
            }
        }
        Result result = sealed(entries, skipped[0]);
        writeTail(tar, result);
        tar.close();
        return result;
    }

    /** Our header (native layout) or the "./" root entry (the Python package's); the entries' name prefix. */
    private String writeHead(TarArchiveOutputStream tar, Map<String, String> header, long totalFiles, long totalBytes)
            throws IOException {
        if (layout != Layout.NATIVE) {
            tar.putArchiveEntry(entry("./", 0755, System.currentTimeMillis() / 1000));
            tar.closeArchiveEntry();
            return "./";
        }
        Map<String, String> head = new LinkedHashMap<>(header);
        head.put("format", ArchiveMetadata.FORMAT);
        head.put("expected_files", Long.toString(totalFiles));
        head.put("expected_bytes", Long.toString(totalBytes));
        putBytes(tar, ArchiveMetadata.HEADER, ArchiveMetadata.encode(head));
        return "";
    }

    /** What was written, signed where a signer is set. */
    private Result sealed(Entries entries, int skipped) {
        ContentDigest digest = entries.digest;
        Result result = new Result(digest.files(), digest.bytes(), digest.finish(), skipped, null, null, entries.written);
        if (signer == null) {
            return result;
        }
        return new Result(result.files(), result.bytes(), result.digest(), result.skipped(), signer.keyId(),
                signer.sign(result.manifest()), entries.written);
    }

    /** The manifest and the signature, last (native layout; the Python package's keeps its manifest beside the archive). */
    private void writeTail(TarArchiveOutputStream tar, Result result) throws IOException {
        if (layout != Layout.NATIVE) {
            return;
        }
        putBytes(tar, ArchiveMetadata.MANIFEST, ArchiveMetadata.encode(result.manifest()));
        if (signer != null) {
            putBytes(tar, ArchiveSignature.ENTRY, ArchiveMetadata.encode(Map.of(ArchiveSignature.SIGNER, result.signer(),
                    ArchiveSignature.SIGNATURE, result.signature())));
        }
    }

    /**
     * The archive's entries, in scan order: small files read ahead by the reader threads (a window
     * bounded in bytes), large ones streamed by the writing thread.
     */
    private final class Entries {
        private final TarArchiveOutputStream tar;
        private final String prefix;
        private final TransferControl control;
        final ContentDigest digest = new ContentDigest();
        final Map<String, Long> written = new java.util.HashMap<>();
        private final ArrayDeque<Pending> ahead = new ArrayDeque<>();
        private final byte[] chunk = new byte[1 << 20];
        private int next;
        private long aheadBytes;

        Entries(TarArchiveOutputStream tar, String prefix, TransferControl control) {
            this.tar = tar;
            this.prefix = prefix;
            this.control = control;
        }

        /** Keeps the read-ahead window full from the item at {@code at} on: small files only, bounded in bytes. */
        void readAhead(List<Item> items, int at) {
            next = Math.max(next, at);
            while (next < items.size() && aheadBytes < READ_AHEAD_BYTES) {
                Item n = items.get(next);
                if (!n.directory && n.size <= SMALL_FILE) {
                    ahead.add(new Pending(next, CompletableFuture.supplyAsync(() -> readSmall(n.path), readers)));
                    aheadBytes += n.size;
                }
                next++;
            }
        }

        /** False where the file was gone by the time it was read. */
        boolean add(Item item, int at) throws IOException {
            if (item.directory) {
                tar.putArchiveEntry(entry(prefix + item.name + "/", 0755, item.mtimeSeconds));
                tar.closeArchiveEntry();
                return true;
            }
            TarArchiveEntry e = entry(prefix + item.name, item.executable ? 0755 : 0644, item.mtimeSeconds);
            CRC32C crc = new CRC32C();
            if (!ahead.isEmpty() && ahead.peek().index == at) {
                Pending p = ahead.poll();
                aheadBytes -= item.size;
                byte[] content = join(p.content, item.path);
                if (content == null) {
                    return false;
                }
                e.setSize(content.length);
                tar.putArchiveEntry(e);
                tar.write(content);
                crc.update(content);
                tar.closeArchiveEntry();
                digest.add(item.name, content.length, (int) crc.getValue());
                written.put(item.name, (long) content.length);
            } else if (!streamLarge(item, e, tar, crc, chunk, control, digest, written)) {
                return false;
            }
            control.progress(digest.bytes(), digest.files());
            return true;
        }
    }

    /** The selected files (gone or not regular ones counted as skipped), and the directories above them, sorted as a scan is. */
    private static List<Item> selected(Path root, java.util.Set<String> only, int[] skipped) throws IOException {
        java.util.Set<String> dirs = new java.util.TreeSet<>();
        List<Item> items = new ArrayList<>();
        for (String f : only) {
            Path p = root.resolve(f);
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException gone) {
                skipped[0]++;
                continue;
            }
            if (!a.isRegularFile()) {
                skipped[0]++;
                continue;
            }
            items.add(new Item(f, p, false, a.size(), executable(p), seconds(a)));
            for (int slash = f.indexOf('/'); slash > 0; slash = f.indexOf('/', slash + 1)) {
                dirs.add(f.substring(0, slash));
            }
        }
        for (String d : dirs) {
            Path p = root.resolve(d);
            items.add(new Item(d, p, true, 0, false, seconds(Files.readAttributes(p, BasicFileAttributes.class))));
        }
        items.sort(Comparator.comparing(Item::name));
        return items;
    }

    /** Streams a large file; its size is fixed when opened, and a file that shrinks meanwhile fails the save. */
    private static boolean streamLarge(Item item, TarArchiveEntry e, TarArchiveOutputStream tar, CRC32C crc,
                                       byte[] chunk, TransferControl control, ContentDigest digest,
                                       Map<String, Long> written) throws IOException {
        InputStream in;
        long size;
        try {
            in = Files.newInputStream(item.path, LinkOption.NOFOLLOW_LINKS);
            size = Files.size(item.path);
        } catch (NoSuchFileException gone) {
            return false;
        }
        try (in) {
            e.setSize(size);
            tar.putArchiveEntry(e);
            long left = size;
            while (left > 0) {
                int n = in.read(chunk, 0, (int) Math.min(chunk.length, left));
                if (n < 0) {
                    throw new IOException(item.path + " shrank while it was being archived; the save is retried at the next trigger");
                }
                tar.write(chunk, 0, n);
                crc.update(chunk, 0, n);
                left -= n;
                control.checkpoint();
            }
            tar.closeArchiveEntry();
        }
        digest.add(item.name, size, (int) crc.getValue());
        written.put(item.name, size);
        return true;
    }

    private static byte[] readSmall(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (NoSuchFileException gone) {
            return null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] join(CompletableFuture<byte[]> f, Path p) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading " + p);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof java.io.UncheckedIOException) {
                throw ((java.io.UncheckedIOException) c).getCause();
            }
            throw new IOException("cannot read " + p + ": " + c, c);
        }
    }

    private static List<Item> scan(Path root, int[] skipped) throws IOException {
        List<Item> items = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (CacheTree.notTheCaches(root, dir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (!dir.equals(root)) {
                    items.add(new Item(name(root, dir), dir, true, 0, false, seconds(attrs)));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (CacheTree.notTheCaches(root, file)) {
                    return FileVisitResult.CONTINUE;
                }
                if (attrs.isRegularFile()) {
                    items.add(new Item(name(root, file), file, false, attrs.size(), executable(file), seconds(attrs)));
                } else {
                    skipped[0]++;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException || CacheTree.notTheCaches(root, file)) {
                    return FileVisitResult.CONTINUE; // removed while we walked, or not the cache's (a root-only lost+found)
                }
                throw exc;
            }
        });
        items.sort(Comparator.comparing(Item::name));
        return items;
    }

    private static boolean executable(Path file) {
        try {
            return Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS).contains(PosixFilePermission.OWNER_EXECUTE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Modification times in whole seconds, as the ustar header holds them: a sub-second time
     * would add a PAX header to every entry, which costs space and, on reading, decimal parsing.
     */
    private static TarArchiveEntry entry(String name, int mode, long mtimeSeconds) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(mode);
        e.setModTime(FileTime.from(Math.max(0, mtimeSeconds), TimeUnit.SECONDS));
        return e;
    }

    private static long seconds(BasicFileAttributes attrs) {
        return attrs.lastModifiedTime().to(TimeUnit.SECONDS);
    }

    private static String name(Path root, Path p) {
        return root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
    }

    private static void putBytes(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        TarArchiveEntry e = entry(name, 0644, System.currentTimeMillis() / 1000);
        e.setSize(bytes.length);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    /** The extraction's own limits, applied before anything is written (see {@link #readableWithin}). */
    private void checkReadable(Path cacheDir, List<Item> items) {
        // the extraction counts every entry: ours, the header and the manifest; the Python layout's, its ./ root
        long entries = items.size() + (layout == Layout.NATIVE ? 2 : 1);
        String refused = " (a load would refuse the archive: the limits apply to saves too)";
        if (entries > readable.maxEntries()) {
            throw new CacheValidationError("local cache " + cacheDir + " holds " + items.size() + " files and directories,"
                    + " more than B10_TRANSFER_MAX_ENTRIES=" + readable.maxEntries() + " allows" + refused);
        }
        for (Item i : items) {
            EntryGuard.Limit past = EntryGuard.pastLimit(i.name, readable.maxDepth(), readable.maxPathLength());
            if (past == EntryGuard.Limit.DEPTH) {
                throw new CacheValidationError("local cache " + cacheDir + " holds '" + i.name + "', deeper than"
                        + " B10_TRANSFER_MAX_PATH_DEPTH=" + readable.maxDepth() + refused);
            }
            if (past == EntryGuard.Limit.LENGTH) {
                throw new CacheValidationError("local cache " + cacheDir + " holds a path longer than"
                        + " B10_TRANSFER_MAX_PATH_LENGTH=" + readable.maxPathLength() + " bytes ('" + i.name + "')" + refused);
            }
        }
    }

    static long mib(long bytes) {
        return bytes / (1024 * 1024);
    }

    private record Pending(int index, CompletableFuture<byte[]> content) {
    }

    /** Lets the compressor finish without closing the caller's stream, which still has to be synced. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
