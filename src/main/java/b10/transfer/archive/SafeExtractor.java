package b10.transfer.archive;

import b10.transfer.CacheError;
import b10.transfer.CacheOperationInterrupted;
import b10.transfer.CacheValidationError;
import b10.transfer.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;

/**
 * Extracts an archive into an empty staging directory, refusing the whole archive at the first
 * entry that is not a plain file or directory inside it, and counting sizes before writing so
 * that a bomb stops at the limit, not after it. One thread parses the stream; small files are
 * handed to writer threads, bounded in bytes in flight; large files are streamed by the parser.
 * The staging directory is the caller's to swap in or delete.
 */
public final class SafeExtractor {
    /** The largest file handed to a writer: one slab's bytes (4 MiB less an array's header, for a heap slab). */
    static final int SMALL_FILE = (4 << 20) - 64;
    /**
     * The small files' bytes read but not yet written. With the contents in slabs, 16 MiB restored
     * the realistic cache faster on 2 cores than 64 (1.43-1.49 s against 1.54 s, page faults 31,000
     * against 41,000-44,000: fewer slabs first touched) and as fast as 8.
     */
    static final int IN_FLIGHT_BYTES = 16 << 20;
    /** The most of a heap buffer one write passes to the file channel (which copies it to a direct buffer of that size). */
    private static final int HEAP_WRITE_PIECE = 256 << 10;
    static final long FREE_SPACE_CHECK_EVERY = 64L << 20;
    /** How long the end of an extraction waits for its writes in flight. */
    static final int DRAIN_SECONDS = 60;

    /** What was extracted; {@code verified} is true when a manifest was present and matched. */
    public record Result(long files, long bytes, Map<String, String> header, boolean verified, String digest, String signer) {
        Result(long files, long bytes, Map<String, String> header, boolean verified, String digest) {
            this(files, bytes, header, verified, digest, null);
        }

    }

    private final ExtractionLimits limits;
    private final ExecutorService writers;

    public SafeExtractor(ExtractionLimits limits, ExecutorService writers) {
        this.limits = limits;
        this.writers = writers;
    }

    private Map<String, Long> listedSizes;
    private Map<String, Long> listedMtimes;

    /**
     * Records every file written: its path relative to the staging directory, its size, and its
     * modification time as one stat after its close reads it. That is the tree's listing, which
     * the caller then has without walking the tree again (about 10,000 files: a fifth of a second
     * on 2 cores). The maps are filled on the extracting thread, once every write has ended.
     */
    public SafeExtractor listingInto(Map<String, Long> sizes, Map<String, Long> mtimes) {
        this.listedSizes = sizes;
        this.listedMtimes = mtimes;
        return this;
    }

    public Result extract(InputStream raw, Path staging, TransferControl control) throws IOException {
        return extract(raw, staging, control, null);
    }

    /**
     * @param sideManifest the manifest kept beside an archive in the Python package's layout (which
     *                     carries none inside), or null; an archive with its own header ignores it
     */
    public Result extract(InputStream raw, Path staging, TransferControl control, Map<String, String> sideManifest)
            throws IOException {
        ArchiveStreams.Opened opened = ArchiveStreams.open(raw);
        Extraction x = new Extraction(staging, control, sideManifest);
        x.readAll(opened.body());
        x.checkClaim(); // an archive with no entry of the cache was not checked at its first one
        Result r = judge(x.header, x.manifest, sideManifest, x.digest, opened.compression());
        return checker == null ? r : x.verifySignature(r);
    }

    /**
     * One archive's extraction: the entry checks, in archive order, on the parsing thread; small
     * files written by the writer threads, bounded by the bytes in flight; large ones streamed here.
     */
    private final class Extraction {
        private final Path staging;
        private final TransferControl control;
        private final Map<String, String> sideManifest;
        private final EntryGuard guard;
        private final ContentDigest digest = new ContentDigest();
        private final Set<String> seen = new HashSet<>();
        private final Set<Path> dirs = new HashSet<>();
        private final Semaphore inFlight = new Semaphore(IN_FLIGHT_BYTES);
        private final AtomicReference<Throwable> writeFailure = new AtomicReference<>();
        private final AtomicBoolean aborted = new AtomicBoolean();
        private final byte[] chunk = new byte[1 << 20];
        /** The small files' contents, released by the writers: bounded like the bytes in flight. */
        private final ContentSlabs contents = new ContentSlabs(SMALL_FILE, IN_FLIGHT_BYTES / SMALL_FILE + 1);
        /** The small files written, with what their writers read of them, where a listing is recorded. */
        private final java.util.List<SmallWrite> listedWrites = new java.util.ArrayList<>();
        private Map<String, String> header;
        private Map<String, String> manifest;
        private Map<String, String> signature;
        private boolean claimChecked = checker == null;
        private long entries;
        private long declared;
        private long sinceSpaceCheck;
        /** The name of the directory the last file went into, made already. */
        private String lastParent;
        /** The small files' writes, a directory's files in one lane (see {@link WriteLanes}). */
        private final WriteLanes lanes = new WriteLanes(writers, limits.writerThreads());

        Extraction(Path staging, TransferControl control, Map<String, String> sideManifest) {
            this.staging = staging;
            this.control = control;
            this.sideManifest = sideManifest;
            this.guard = new EntryGuard(staging, limits.maxDepth(), limits.maxPathLength());
            dirs.add(staging);
        }

        /** Every entry, then the stream to its end; no write of ours lands after this returns or throws. */
        void readAll(InputStream body) throws IOException {
            TarReader tar = new TarReader(body);
            boolean completed = false;
            try {
                TarReader.Entry e;
                while ((e = nextEntry(tar)) != null) {
                    control.checkpoint();
                    rethrow(writeFailure);
                    entry(tar, e);
                }
                readToEnd(body);
                if (!drain(inFlight)) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new java.io.InterruptedIOException("interrupted while waiting for the file writes");
                    }
                    throw new CacheError("the restore's file writes did not end within " + DRAIN_SECONDS
                            + " s (a stuck or very slow local disk under " + staging + ")");
                }
                rethrow(writeFailure);
                for (SmallWrite w : listedWrites) { // every write has ended: the drain saw their releases
                    listedMtimes.put(w.listed, w.mtime);
                    listedSizes.put(w.listed, (long) w.length);
                }
                completed = true;
            } finally {
                aborted.set(!completed); // queued writes of a refused archive are skipped
                // on any failure too: no write of ours may land after we return (the caller deletes staging)
                drain(inFlight);
            }
        }

        private void entry(TarReader tar, TarReader.Entry e) throws IOException {
            String rawName = e.getName();
            if (!e.isCheckSumOK()) {
                // the reader hands it over unread: bytes that are not a header would otherwise become an entry
                throw EntryGuard.reject(rawName, "has a header whose checksum does not match (a corrupt or altered archive)");
            }
            String name = EntryGuard.normalizeName(rawName);
            if (afterManifest(tar, e, rawName, name)) {
                return;
            }
            if (++entries > limits.maxEntries()) {
                throw new CacheValidationError("archive rejected: more than " + limits.maxEntries()
                        + " entries (B10_TRANSFER_MAX_ENTRIES)");
            }
            if (name.isEmpty() && e.isDirectory() && e.getSize() == 0) {
                return; // "./", the archive's root
            }
            if (name.isEmpty()) {
                throw EntryGuard.reject(rawName, "names the cache directory itself, not a file in it");
            }
            if (name.startsWith(ArchiveMetadata.DIR)) {
                metadata(tar, e, rawName, name);
                return;
            }
            checkClaim(); // at the first of the cache's entries (the header, if any, came before): refused before any file is written
            checkType(e, rawName);
            Path target = guard.resolve(rawName);
            if (!seen.add(name)) {
                throw EntryGuard.reject(rawName, "appears twice");
            }
            if (e.isDirectory()) {
                makeDirs(target, dirs);
            } else {
                file(tar, e, rawName, name, target);
            }
        }

        /** After the manifest only the signature may come; true where this entry was it. */
        private boolean afterManifest(TarReader tar, TarReader.Entry e, String rawName, String name)
                throws IOException {
            if (manifest == null) {
                return false;
            }
            if (name.equals(ArchiveSignature.ENTRY) && signature == null) {
                signature = ArchiveMetadata.decode(readMeta(tar, e));
                return true;
            }
            throw EntryGuard.reject(rawName, "follows the manifest (the archive was altered)");
        }

        /** The header (first entry only) or the manifest; any other metadata entry is refused. */
        private void metadata(TarReader tar, TarReader.Entry e, String rawName, String name) throws IOException {
            byte[] meta = readMeta(tar, e);
            if (name.equals(ArchiveMetadata.HEADER) && entries == 1) {
                header = ArchiveMetadata.decode(meta);
                checkExpected(header, staging);
                control.totals(parseLong(header.get("expected_bytes")), parseLong(header.get("expected_files")));
            } else if (name.equals(ArchiveMetadata.MANIFEST) && header != null) {
                manifest = ArchiveMetadata.decode(meta);
            } else {
                throw EntryGuard.reject(rawName, "is metadata out of place");
            }
        }

        void checkClaim() {
            if (!claimChecked) {
                checker.claim(claimedSigner(header, sideManifest));
                claimChecked = true;
            }
        }

        private void file(TarReader tar, TarReader.Entry e, String rawName, String name, Path target)
                throws IOException {
            long size = e.getSize();
            if (size < 0) {
                throw EntryGuard.reject(rawName, "declares a negative size");
            }
            declared += size;
            if (declared > limits.maxBytes()) {
                throw new CacheValidationError("archive rejected: entry '" + EntryGuard.printable(rawName)
                        + "' takes the content past MAX_CACHE_SIZE_MB=" + limits.maxBytes() / (1024 * 1024));
            }
            boolean sameDirectory = parentMade(name, target);
            boolean executable = (e.getMode() & 0100) != 0;
            CRC32C crc = new CRC32C();
            // the guard refused empty, "." and ".." segments: the normalized name is the path under staging
            String listed = listedSizes == null ? null : name;
            if (size <= SMALL_FILE) {
                int length = (int) size;
                ContentSlabs.Slab slab = length == 0 ? null : contents.reserve(length);
                ByteBuffer content = slab == null ? ByteBuffer.allocate(0) : slab.reserved(length);
                boolean handed = false;
                try {
                    readFully(tar, content, rawName);
                    content.flip();
                    crc.update(content);
                    content.rewind();
                    writeInBackground(new SmallWrite(target, slab, content, executable, listed), sameDirectory);
                    handed = true;
                } finally {
                    if (!handed && slab != null) {
                        contents.release(slab);
                    }
                }
            } else {
                streamLarge(tar, target, size, crc, chunk, control, rawName);
                if (executable) {
                    setExecutable(target);
                }
                list(listed, target, size);
            }
            digest.add(name, size, (int) crc.getValue());
            sinceSpaceCheck += size;
            if (sinceSpaceCheck >= FREE_SPACE_CHECK_EVERY) {
                sinceSpaceCheck = 0;
                checkFreeSpace(staging, 0);
            }
            control.progress(digest.bytes(), digest.files());
        }

        /**
         * Makes the file's directory unless the entry before it was in the same one (archives list
         * a directory's files together: most entries then cost no Path and no set lookup). True
         * where it was the same directory.
         */
        private boolean parentMade(String name, Path target) {
            int slash = name.lastIndexOf('/');
            int length = Math.max(slash, 0); // 0: the staging directory, which exists
            if (lastParent != null && lastParent.length() == length && name.startsWith(lastParent)) {
                return true;
            }
            if (slash >= 0) {
                makeDirs(target.getParent(), dirs);
            }
            lastParent = name.substring(0, length);
            return false;
        }

        /** Hands a small file to a writer thread, waiting while too many bytes are in flight. */
        private void writeInBackground(SmallWrite w, boolean sameDirectory) throws IOException {
            acquire(inFlight, w.permits());
            try {
                lanes.add(w, sameDirectory);
            } catch (RuntimeException e) {
                inFlight.release(w.permits()); // not queued: the drain must not wait for it
                throw e;
            }
            if (w.listed != null) {
                listedWrites.add(w);
            }
        }

        /**
         * One small file's write, on a writer thread: a named task rather than a lambda, since it
         * carries back the modification time its writer read for the listing.
         */
        private final class SmallWrite implements Runnable {
            final Path target;
            /** The slab holding the content, released once written; null for an empty file. */
            final ContentSlabs.Slab slab;
            final ByteBuffer content;
            final int length;
            final boolean executable;
            final String listed;
            /** Written by the writer, read after the drain. */
            long mtime;

            SmallWrite(Path target, ContentSlabs.Slab slab, ByteBuffer content, boolean executable, String listed) {
                this.target = target;
                this.slab = slab;
                this.content = content;
                this.length = content.remaining();
                this.executable = executable;
                this.listed = listed;
            }

            /** At least one permit per task, so that draining waits for empty files too. */
            int permits() {
                return length + 1;
            }

            @Override
            public void run() {
                try {
                    if (writeFailure.get() == null && !aborted.get()) {
                        writeSmall(target, content, executable);
                        if (listed != null) {
                            mtime = modified(target);
                        }
                    }
                } catch (Throwable t) {
                    writeFailure.compareAndSet(null, t);
                } finally {
                    if (slab != null) {
                        contents.release(slab);
                    }
                    inFlight.release(permits());
                }
            }
        }

        /** Adds a file written on this thread to the listing, where one is recorded. */
        private void list(String listed, Path target, long size) {
            if (listed != null) {
                listedMtimes.put(listed, modified(target));
                listedSizes.put(listed, size);
            }
        }

        /** The archive's signature checked against the trusted keys: its own entry, or the manifest beside it. */
        Result verifySignature(Result r) {
            String signer;
            if (header != null) {
                signer = header.get(ArchiveSignature.SIGNER);
                if (signature != null && !String.valueOf(signer).equals(signature.get(ArchiveSignature.SIGNER))) {
                    throw new CacheValidationError("archive rejected: its header names signer " + signer + " and its signature "
                            + signature.get(ArchiveSignature.SIGNER) + " (altered)");
                }
                checker.verify(signer, signature == null ? null : signature.get(ArchiveSignature.SIGNATURE), manifest);
            } else {
                signer = sideManifest.get(ArchiveSignature.SIGNER);
                Map<String, String> fields = new java.util.LinkedHashMap<>();
                for (String k : new String[] {"files", "bytes", "digest"}) {
                    fields.put(k, sideManifest.get(k));
                }
                checker.verify(signer, sideManifest.get(ArchiveSignature.SIGNATURE), fields);
            }
            return new Result(r.files(), r.bytes(), r.header(), r.verified(), r.digest(), signer);
        }
    }

    private ArchiveSignature.Checker checker;

    /** Who the archive says signed it: its header's claim, or (an archive without our header) the manifest beside it. */
    private static String claimedSigner(Map<String, String> header, Map<String, String> sideManifest) {
        Map<String, String> where = header != null ? header : sideManifest;
        return where == null ? null : where.get(ArchiveSignature.SIGNER);
    }

    /** Applies only archives the checker accepts: unsigned or untrusted ones are refused at their header. */
    public SafeExtractor checkedBy(ArchiveSignature.Checker checker) {
        this.checker = checker;
        return this;
    }

    private static Result judge(Map<String, String> header, Map<String, String> manifest, Map<String, String> sideManifest,
                                ContentDigest digest, Settings.Compression compression) {
        String actual = digest.finish();
        if (header == null && sideManifest != null && compression == Settings.Compression.GZIP) {
            checkDigest(actual, digest, sideManifest, "the manifest beside it");
            return new Result(digest.files(), digest.bytes(), Map.of(), true, actual);
        }
        if (header == null && compression != Settings.Compression.GZIP) {
            throw new CacheValidationError("archive rejected: a zstd archive without b10-transfer's header and manifest"
                    + " (the Python package writes gzip), so its content cannot be verified");
        }
        if (header == null) {
            // an archive of the Python package: no manifest; gzip's CRC and the tar structure were checked
            return new Result(digest.files(), digest.bytes(), Map.of(), false, actual);
        }
        if (manifest == null) {
            throw new CacheValidationError("archive rejected: truncated (it ends without its manifest)");
        }
        checkDigest(actual, digest, manifest, "the manifest");
        return new Result(digest.files(), digest.bytes(), header, true, actual);
    }

    private static void checkDigest(String actual, ContentDigest digest, Map<String, String> manifest, String which) {
        if (!actual.equals(manifest.get("digest"))
                || !Long.toString(digest.files()).equals(manifest.get("files"))
                || !Long.toString(digest.bytes()).equals(manifest.get("bytes"))) {
            throw new CacheValidationError("archive rejected: content digest mismatch (" + digest.files() + " files, "
                    + digest.bytes() + " bytes read; " + which + " says " + manifest.get("files") + " files, "
                    + manifest.get("bytes") + " bytes): the archive is corrupted");
        }
    }

    private void checkExpected(Map<String, String> header, Path staging) {
        long expected = parseLong(header.get("expected_bytes"));
        if (expected > limits.maxBytes()) {
            throw new CacheValidationError("archive rejected: it holds " + expected / (1024 * 1024)
                    + " MiB, more than MAX_CACHE_SIZE_MB=" + limits.maxBytes() / (1024 * 1024));
        }
        checkFreeSpace(staging, Math.max(0, expected));
    }

    private void checkFreeSpace(Path dir, long needed) {
        long usable;
        try {
            usable = Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return; // cannot tell; the writes themselves will say
        }
        if (usable - needed < limits.minFreeBytes()) {
            throw new CacheOperationInterrupted("not enough free space at " + dir + ": " + usable / (1024 * 1024)
                    + " MiB free, " + needed / (1024 * 1024) + " MiB needed, minimum free "
                    + limits.minFreeBytes() / (1024 * 1024) + " MiB (B10_TRANSFER_MIN_FREE_MB)");
        }
    }

    private static long parseLong(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void checkType(TarReader.Entry e, String rawName) {
        String why = null;
        if (e.isSymbolicLink()) {
            why = "is a symbolic link (to '" + EntryGuard.printable(e.getLinkName()) + "')";
        } else if (e.isLink()) {
            why = "is a hard link (to '" + EntryGuard.printable(e.getLinkName()) + "')";
        } else if (e.isCharacterDevice() || e.isBlockDevice()) {
            why = "is a device file";
        } else if (e.isFIFO()) {
            why = "is a FIFO";
        } else if (e.isSparse()) {
            why = "is a sparse file";
        } else if (e.isDirectory() && e.getSize() != 0) {
            // a file whose name ends with '/': read as a directory, its data would be parsed as headers
            why = "is a directory with " + e.getSize() + " bytes of data";
        } else if (!e.isDirectory() && !e.isFile()) {
            why = "has an unsupported type '" + (char) e.getLinkFlag() + "'";
        }
        if (why != null) {
            throw EntryGuard.reject(rawName, why);
        }
    }

    /**
     * Reads what follows the tar's end-of-archive blocks, up to the end of the compressed stream:
     * the tar reader stops at its end marker, so without this a stream cut in its last bytes (the
     * zstd checksum, the gzip trailer) would go unnoticed. Only zero padding may follow.
     */
    private static void readToEnd(InputStream body) {
        byte[] b = new byte[8192];
        long total = 0;
        int n;
        while ((n = readSome(body, b)) > 0) {
            total += n;
            for (int i = 0; i < n; i++) {
                if (b[i] != 0) {
                    throw new CacheValidationError("archive rejected: data follows the end of the tar archive");
                }
            }
            if (total > (1 << 20)) {
                throw new CacheValidationError("archive rejected: more than 1 MiB follows the end of the tar archive");
            }
        }
    }

    private static int readSome(InputStream in, byte[] b) {
        try {
            return in.read(b);
        } catch (IOException | RuntimeException e) {
            throw corrupt(e);
        }
    }

    private static TarReader.Entry nextEntry(TarReader tar) {
        try {
            return tar.next();
        } catch (IOException | RuntimeException e) {
            throw corrupt(e);
        }
    }

    /** A read that failed: the archive's fault, unless this JVM has no codec to read it with. */
    private static RuntimeException corrupt(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ZstdCodecs.ZstdUnavailable) {
                return new b10.transfer.CacheError(t.getMessage(), e);
            }
            if (t instanceof OutOfMemoryError oom) { // on a reading thread: this JVM's memory, not the archive
                return ArchiveStreams.outOfMemory(oom, e);
            }
        }
        return new CacheValidationError("archive rejected: corrupt or truncated (" + e.getMessage() + ")", e);
    }

    private static byte[] readMeta(TarReader tar, TarReader.Entry e) {
        if (e.getSize() < 0 || e.getSize() > 65536) {
            throw EntryGuard.reject(e.getName(), "is metadata of an implausible size");
        }
        byte[] b = new byte[(int) e.getSize()];
        readFully(tar, ByteBuffer.wrap(b), e.getName());
        return b;
    }

    /** Reads an entry's bytes into the whole of {@code b}. */
    private static void readFully(TarReader tar, ByteBuffer b, String name) {
        int want = b.remaining();
        int got;
        try {
            got = tar.readNBytes(b);
        } catch (IOException | RuntimeException ex) {
            throw corrupt(ex);
        }
        if (got != want) {
            throw new CacheValidationError("archive rejected: truncated inside entry '" + EntryGuard.printable(name) + "'");
        }
    }

    private void streamLarge(TarReader tar, Path target, long size, CRC32C crc, byte[] chunk,
                             TransferControl control, String name) throws IOException {
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long left = size;
            while (left > 0) {
                int n;
                try {
                    n = tar.read(chunk, 0, (int) Math.min(chunk.length, left));
                } catch (IOException | RuntimeException ex) {
                    throw corrupt(ex);
                }
                if (n < 0) {
                    throw new CacheValidationError("archive rejected: truncated inside entry '" + EntryGuard.printable(name) + "'");
                }
                crc.update(chunk, 0, n);
                writeLocal(out, chunk, n, target);
                left -= n;
                control.checkpoint();
            }
        }
    }

    private static void writeLocal(OutputStream out, byte[] b, int n, Path target) {
        try {
            out.write(b, 0, n);
        } catch (IOException e) {
            throw localWriteError(target, e);
        }
    }

    /** Writes {@code b} (from its position to its limit) as a new file. */
    static void writeSmall(Path target, ByteBuffer b, boolean executable) {
        try {
            // one write call per file: Files.write would cut it into 8 KiB system calls
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                int limit = b.limit();
                while (b.hasRemaining()) {
                    // a heap buffer goes through a temporary direct copy of what is written at once: in
                    // pieces, so that a JVM short of direct memory (heap slabs) needs little of it
                    b.limit(b.isDirect() ? limit : Math.min(limit, b.position() + HEAP_WRITE_PIECE));
                    ch.write(b);
                    b.limit(limit);
                }
            }
            if (executable) {
                setExecutable(target);
            }
        } catch (FileAlreadyExistsException e) {
            throw EntryGuard.reject(target.getFileName().toString(), "collides with another entry");
        } catch (IOException e) {
            throw localWriteError(target, e);
        }
    }

    /** A closed file's modification time, which is final: the listing's. */
    private static long modified(Path target) {
        try {
            return Files.getLastModifiedTime(target, LinkOption.NOFOLLOW_LINKS).toMillis();
        } catch (IOException e) {
            throw localWriteError(target, e);
        }
    }

    static CacheError localWriteError(Path target, IOException e) {
        if (b10.transfer.base.OsError.of(e) == b10.transfer.base.OsError.NO_SPACE) {
            return new CacheOperationInterrupted("no space left on the device of " + target.getParent()
                    + " while writing " + target.getFileName(), e);
        }
        return new CacheError("cannot write " + target + ": " + e, e);
    }

    private static void setExecutable(Path target) throws IOException {
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void makeDirs(Path dir, Set<Path> made) {
        if (dir == null || made.contains(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw new CacheValidationError("archive rejected: '" + dir.getFileName() + "' is both a file and a directory");
        } catch (IOException e) {
            throw localWriteError(dir, e);
        }
        made.add(dir);
    }

    private static void acquire(Semaphore s, int permits) throws java.io.InterruptedIOException {
        try {
            s.acquire(permits);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while extracting");
        }
    }

    /** Waits, bounded, until no write is in flight; false where some still were at the bound. */
    private static boolean drain(Semaphore inFlight) {
        try {
            if (inFlight.tryAcquire(IN_FLIGHT_BYTES, DRAIN_SECONDS, TimeUnit.SECONDS)) {
                inFlight.release(IN_FLIGHT_BYTES);
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private static void rethrow(AtomicReference<Throwable> failure) {
        Throwable t = failure.get();
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        if (t != null) {
            throw new CacheError("extraction failed: " + t, t);
        }
    }
}
