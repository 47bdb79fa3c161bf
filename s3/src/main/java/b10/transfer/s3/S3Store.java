package b10.transfer.s3;

import b10.transfer.CacheError;
import b10.transfer.Log;
import b10.transfer.config.S3Location;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.archive.TransferControl;
import b10.transfer.base.Workers;
import b10.transfer.store.ArchiveStore;
import b10.transfer.base.PausePoints;
import b10.transfer.store.Publisher;
import b10.transfer.store.StoreNames;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The store on the S3 API. Layout under the prefix:
 * <pre>
 *   cache_&lt;hash&gt;.latest                      the key's pointer (a small properties text)
 *   archives/cache_&lt;hash&gt;/&lt;id&gt;.tar.zst        immutable archives, each written once
 * </pre>
 * Save: upload the archive under a new name (multipart, completed with If-None-Match: *), then
 * replace the pointer by read-modify-write: PUT with If-Match on the ETag read (If-None-Match: *
 * for a first pointer), again on 412 until it lands. The pointer names the archive and its ETag
 * and keeps the archives it replaced, with when, for the temporaries' age: only then are they
 * deleted, so a reader holding an old pointer still finds its archive. Load: GET the pointer,
 * then read the archive in parallel ranges, each with If-Match on the named ETag. No lock object,
 * no partial object is ever visible, and a pointer only ever names a complete archive.
 */
public final class S3Store implements ArchiveStore {
    /** Pointer updates that lost to a concurrent saver are retried this often before the save gives up. */
    static final int MAX_POINTER_ATTEMPTS = 50;

    private final S3Location where;
    private final Duration tempMaxAge;
    private final FutureTask<S3Client> building;
    private volatile boolean closed;

    /**
     * Starts building the client at once, on a thread of its own: the SDK's first use costs about
     * a second of class loading and set-up, which then overlaps the caller's own work.
     */
    public S3Store(Settings settings) {
        this.where = (S3Location) settings.store;
        this.tempMaxAge = settings.tempMaxAge;
        this.building = new FutureTask<>(() -> S3Clients.build(where));
        Workers.daemon("s3-client", () -> {
            building.run();
            if (closed) {
                closeClient(); // the operation ended before the client was built
            }
        }).start();
    }

    /** The client, once built (the build reads no network: it takes about a second at most). */
    private S3Client client() {
        try {
            return building.get(S3Clients.ATTEMPT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw S3Errors.describe("opening", e.getCause(), where);
        } catch (TimeoutException e) {
            throw new CacheError("the S3 client for " + where.uri() + " was not built within " + S3Clients.ATTEMPT_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheError("interrupted while opening " + where.uri());
        }
    }

    @Override
    public String describe() {
        return where.uri() + " (B10_TRANSFER_STORE)";
    }

    String pointerName(EnvironmentKey key) {
        return StoreNames.pointer(key);
    }

    private String uri(String name) {
        return "s3://" + where.bucket() + "/" + where.key(name);
    }

    /** A listing of at most one object: proves the bucket and the credentials, and readies the client's request path. */
    private void listOne() {
        client().listObjectsV2(b -> b.bucket(where.bucket()).prefix(where.key(StoreNames.PREFIX)).maxKeys(1));
    }

    /**
     * Nothing to check before the key: the pointer's GET is the load's first request, and it
     * names a missing bucket, denied credentials or an unreachable endpoint as well as a listing
     * would, one round trip sooner. (A listing is also not a reliable answer on every
     * S3-compatible server while a pointer is being replaced.) One listing is sent on a thread of
     * its own, its answer unused: the SDK's first request costs some hundred milliseconds of
     * set-up, which then overlaps the environment key (the GPU probe).
     */
    @Override
    public Refusal checkLoad() {
        Workers.daemon("s3-warm-up", () -> {
            try {
                listOne();
            } catch (RuntimeException | LinkageError e) {
                // a warm-up only: the load's own requests report what is wrong
            }
        }).start();
        return null;
    }

    /**
     * One listing proves the bucket and the credentials before the archive is written, and a probe
     * (once per process) that the server refuses conditional writes it cannot carry out: without
     * that, concurrent saves would all report SUCCESS while their pointer updates overwrote one another.
     */
    @Override
    public Refusal checkSave() {
        try {
            listOne();
        } catch (SdkException e) {
            return new Refusal(false, S3Errors.describe("listing", e, where).getMessage());
        }
        if (where.acceptLostUpdates()) {
            return null;
        }
        try {
            String ignored = ConditionalWrites.check(client(), where);
            if (ignored != null) {
                return new Refusal(false, "the S3 server at " + (where.endpoint() != null ? where.endpoint()
                        + " (B10_TRANSFER_S3_ENDPOINT)" : "the AWS endpoint") + " ignores conditional writes: " + ignored
                        + "; saves to " + where.uri() + " are refused, since concurrent saves would be lost silently"
                        + " (loads work). Use a server that enforces If-None-Match and If-Match, or set"
                        + " B10_TRANSFER_S3_ACCEPT_LOST_UPDATES=true to save anyway (the last writer wins, a racing save can be lost)");
            }
            return null;
        } catch (SdkException e) {
            return new Refusal(false, S3Errors.describe("probing conditional writes under", e, where).getMessage());
        }
    }

    /** Saves abort multipart uploads older than the age: what a killed saver left. Loads leave them (readers may not list uploads). */
    @Override
    public void removeStale(Duration maxAge, boolean forSave) {
        if (!forSave) {
            return;
        }
        Instant cutoff = Instant.now().minus(maxAge);
        try {
            for (MultipartUpload u : client().listMultipartUploadsPaginator(b -> b.bucket(where.bucket())
                    .prefix(where.key("archives/"))).uploads()) {
                if (startedBefore(u, cutoff)) {
                    client().abortMultipartUpload(b -> b.bucket(where.bucket()).key(u.key()).uploadId(u.uploadId()));
                    Log.get().debug("aborted incomplete upload {} of {}, started {}", u.uploadId(), u.key(), u.initiated());
                }
            }
        } catch (SdkException e) {
            Log.get().debug("could not abort stale uploads in {}: {}", where.uri(), e.getMessage());
        }
    }

    /**
     * An upload's start: the earlier of the listed initiation and the instant in our object name
     * (some S3-compatible servers list the listing's own time as every upload's initiation).
     */
    static boolean startedBefore(MultipartUpload u, Instant cutoff) {
        Instant started = u.initiated();
        String key = u.key();
        int slash = key.lastIndexOf('/');
        int dash = key.indexOf('-', slash + 1);
        if (dash > slash + 1) {
            try {
                Instant named = Instant.ofEpochMilli(Long.parseLong(key.substring(slash + 1, dash)));
                started = started == null || named.isBefore(started) ? named : started;
            } catch (NumberFormatException e) {
                // not one of our names: the listed time decides
            }
        }
        return started != null && started.isBefore(cutoff);
    }

    /** The pointer and its ETag, or null where the key has none. */
    private record Current(Pointer pointer, String etag) {
    }

    /** Reads of a pointer that does not parse, before it is an error: a replacement may be under way. */
    static final int POINTER_READS = 6;

    /**
     * The key's pointer. On some servers replacing an object is not atomic for readers, and a GET
     * racing the PUT returns a body that is neither version: such a pointer is read again, with a
     * growing pause, before it is reported as damaged.
     */
    private Current readPointer(EnvironmentKey key) throws IOException {
        String name = pointerName(key);
        for (int attempt = 1; ; attempt++) {
            try {
                ResponseBytes<GetObjectResponse> r = client().getObjectAsBytes(b -> b.bucket(where.bucket()).key(where.key(name)));
                if (r.asByteArrayUnsafe().length > Pointer.MAX_BYTES) {
                    throw new IOException("pointer " + uri(name) + " is larger than " + Pointer.MAX_BYTES + " bytes");
                }
                return new Current(Pointer.decode(r.asByteArrayUnsafe(), uri(name)), r.response().eTag());
            } catch (NoSuchKeyException e) {
                return null;
            } catch (IOException e) {
                if (attempt >= POINTER_READS) {
                    throw new IOException(e.getMessage() + " (read " + attempt + " times)", e);
                }
                Log.get().debug("pointer {} did not parse, reading it again: {}", uri(name), e.getMessage());
                pause(attempt);
            }
        }
    }

    private static void pause(int attempt) throws IOException {
        try {
            Thread.sleep(25L << Math.min(attempt, 5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading a pointer");
        }
    }

    @Override
    public Optional<Stored> find(EnvironmentKey key) throws IOException {
        try {
            Current c = readPointer(key);
            return c == null ? Optional.empty() : Optional.of(new StoredObject(c.pointer()));
        } catch (SdkException e) {
            throw S3Errors.describe("reading the pointer", uri(pointerName(key)), e, where);
        }
    }

    @Override
    public String locationFor(EnvironmentKey key, Settings.Compression compression) {
        return uri(pointerName(key));
    }

    private final class StoredObject implements Stored {
        private final Pointer pointer;

        StoredObject(Pointer pointer) {
            this.pointer = pointer;
        }

        @Override
        public String location() {
            return uri(pointer.archive());
        }

        @Override
        public long size() {
            return pointer.size();
        }

        @Override
        public InputStream openHead(int bytes) throws IOException {
            String key = where.key(pointer.archive());
            String range = "bytes=0-" + (Math.min(bytes, pointer.size()) - 1);
            try {
                return new S3ReadErrors(client().getObject(b -> b.bucket(where.bucket()).key(key).range(range).ifMatch(pointer.etag())),
                        StoredObject.this);
            } catch (SdkException e) {
                throw readError(e, this);
            }
        }

        @Override
        public InputStream open(TransferControl control) throws IOException {
            String key = where.key(pointer.archive());
            if (where.connections() == 1) {
                // one plain GET, streamed: the baseline the ranged reads are measured against
                try {
                    return new S3ReadErrors(client().getObject(b -> b.bucket(where.bucket()).key(key).ifMatch(pointer.etag())),
                            StoredObject.this);
                } catch (SdkException e) {
                    throw readError(e, this);
                }
            }
            int parallel = Math.max(1, Math.min(where.connections(), heapSlots(where.partBytes())));
            return new S3ReadErrors(new RangedDownload(client(), where.bucket(), key, pointer.etag(),
                    pointer.size(), where.partBytes(), parallel, control), StoredObject.this);
        }
    }

    /** How many part buffers an eighth of the heap holds: a transfer never takes more from the host. */
    static int heapSlots(int partBytes) {
        return (int) Math.min(64, Math.max(1, Runtime.getRuntime().maxMemory() / 8 / partBytes));
    }

    /** Names a failed read in one line: a removed or replaced archive, or the client's own cause. */
    private final class S3ReadErrors extends java.io.FilterInputStream {
        private final Stored archive;

        S3ReadErrors(InputStream in, Stored archive) {
            super(in);
            this.archive = archive;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (SdkException e) {
                throw translate(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (SdkException e) {
                throw translate(e);
            }
        }

        private CacheError translate(SdkException e) {
            return readError(e, archive);
        }
    }

    private CacheError readError(SdkException e, Stored archive) {
        if (e instanceof S3Exception s && (s.statusCode() == 404 || s.statusCode() == 412)) {
            return new CacheError("archive " + archive.location() + " was removed or replaced while it was read"
                    + " (retired longer than B10_TRANSFER_TEMP_MAX_AGE_S ago): load again", e);
        }
        return S3Errors.describe("reading", archive.location(), e, where);
    }

    @Override
    public Stored publish(EnvironmentKey key, Settings.Compression compression, Publisher.Body body, TransferControl control)
            throws IOException {
        String name = StoreNames.immutableArchive(key, compression);
        int parallel = Math.max(1, Math.min(where.connections(), heapSlots(where.partBytes()) - 1));
        PartUpload upload = new PartUpload(client(), where.bucket(), where.key(name), where.partBytes(), parallel, control);
        PartUpload.Uploaded uploaded;
        try {
            body.writeTo(upload);
            uploaded = upload.finish();
        } catch (SdkException e) {
            upload.abort();
            throw S3Errors.describe("uploading", uri(name), e, where);
        } catch (IOException | RuntimeException | Error e) {
            upload.abort();
            throw e;
        }
        verifyStored(name, uploaded);
        PausePoints.reach("before-pointer");
        try {
            Pointer p = replacePointer(key, name, uploaded, control);
            PausePoints.reach("after-pointer");
            removeOrphans(key, p);
            return new StoredObject(p);
        } catch (SdkException e) {
            throw S3Errors.describe("replacing the pointer", uri(pointerName(key)), e, where);
        }
    }

    /**
     * What the server stored is what was sent: its size, as the server reports it. A server that
     * stores the SDK's aws-chunked framing as the object's bytes would otherwise let every save
     * report SUCCESS for an archive that no load can read. Such an object is deleted, never named.
     */
    private void verifyStored(String name, PartUpload.Uploaded uploaded) throws IOException {
        long stored;
        try {
            stored = client().headObject(b -> b.bucket(where.bucket()).key(where.key(name))).contentLength();
        } catch (SdkException e) {
            throw S3Errors.describe("checking the size of", uri(name), e, where);
        }
        if (stored != uploaded.size()) {
            delete(name);
            throw new CacheError("the S3 server stored " + stored + " bytes as " + uri(name) + " where " + uploaded.size()
                    + " were sent: it does not store uploads as sent (aws-chunked framing kept as data?), so nothing was"
                    + " published; check the server at " + (where.endpoint() != null ? where.endpoint() + " (B10_TRANSFER_S3_ENDPOINT)"
                    : "the AWS endpoint"));
        }
    }

    /**
     * Points the key at the new archive by compare-and-swap on the pointer's ETag. The last saver
     * to land wins, as with the filesystem's rename; the archives it replaces are retired, and
     * those retired longer than the age are deleted once the pointer no longer names them.
     */
    private Pointer replacePointer(EnvironmentKey key, String name, PartUpload.Uploaded uploaded, TransferControl control)
            throws IOException {
        String pointerKey = where.key(pointerName(key));
        for (int attempt = 1; ; attempt++) {
            control.checkpoint();
            Current current = readPointer(key);
            if (current != null && current.pointer().archive().equals(name)) {
                return current.pointer(); // an earlier attempt landed, its answer lost
            }
            Instant now = Instant.now();
            Instant cutoff = now.minus(tempMaxAge);
            List<Pointer.Retired> keep = new ArrayList<>();
            List<String> expired = new ArrayList<>();
            if (current != null) {
                for (Pointer.Retired r : current.pointer().retired()) {
                    if (r.since().isBefore(cutoff)) {
                        expired.add(r.archive());
                    } else if (!r.archive().equals(name)) {
                        keep.add(r);
                    }
                }
                if (!current.pointer().archive().equals(name)) {
                    keep.add(new Pointer.Retired(current.pointer().archive(), now));
                }
            }
            Pointer next = new Pointer(name, uploaded.etag(), uploaded.size(), key.text(), now.toString(),
                    "b10-transfer-java " + ProcessHandle.current().pid(), keep);
            PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(where.bucket()).key(pointerKey)
                    .contentType("text/plain");
            put = current == null ? put.ifNoneMatch("*") : put.ifMatch(current.etag());
            try {
                client().putObject(put.build(), RequestBody.fromBytes(next.encode()));
            } catch (S3Exception e) {
                // 412: another saver replaced the pointer since we read it; 409: a conditional write raced ours
                if ((e.statusCode() == 412 || e.statusCode() == 409) && attempt < MAX_POINTER_ATTEMPTS) {
                    sleepBeforeRetry(attempt);
                    continue;
                }
                throw e;
            } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
                // no answer: some servers refuse a failed condition before reading the body and close the
                // connection (the client sees a broken pipe, not 412). Whether the PUT landed is read back
                // at the top of the loop, so going around again is safe.
                if (attempt < MAX_POINTER_ATTEMPTS) {
                    Log.get().debug("pointer {} not written ({}); reading it again", uri(pointerName(key)), e.getMessage());
                    sleepBeforeRetry(attempt);
                    continue;
                }
                throw e;
            }
            if (!landed(key, name) && attempt < MAX_POINTER_ATTEMPTS) {
                continue;
            }
            for (String old : expired) {
                delete(old);
            }
            return next;
        }
    }

    /**
     * Whether the pointer now names our archive as current or retired. On S3 a conditional PUT is
     * atomic and this is always true; some S3-compatible servers check the condition and write in
     * two steps, so two racing savers can both succeed and the first one's archive drop out of the
     * pointer. Reading back finds that, and the save goes around again.
     */
    private boolean landed(EnvironmentKey key, String name) throws IOException {
        Current now = readPointer(key);
        return now != null && (now.pointer().archive().equals(name)
                || now.pointer().retired().stream().anyMatch(r -> r.archive().equals(name)));
    }

    private static void sleepBeforeRetry(int attempt) throws IOException {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20L * Math.min(attempt, 10)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while publishing");
        }
    }

    /** Archives of the key that no pointer names, older than the age: left by savers killed before their pointer landed. */
    private void removeOrphans(EnvironmentKey key, Pointer current) {
        Set<String> named = new HashSet<>();
        named.add(current.archive());
        current.retired().forEach(r -> named.add(r.archive()));
        Instant cutoff = Instant.now().minus(tempMaxAge);
        String folder = where.key("archives/cache_" + key.hash() + "/");
        try {
            for (S3Object o : client().listObjectsV2Paginator(b -> b.bucket(where.bucket()).prefix(folder)).contents()) {
                String name = "archives/cache_" + key.hash() + "/" + o.key().substring(folder.length());
                if (!named.contains(name) && o.lastModified() != null && o.lastModified().isBefore(cutoff)) {
                    delete(name);
                }
            }
        } catch (SdkException e) {
            Log.get().debug("could not sweep {}: {}", folder, e.getMessage());
        }
    }

    private void delete(String name) {
        try {
            client().deleteObject(b -> b.bucket(where.bucket()).key(where.key(name)));
        } catch (SdkException e) {
            Log.get().debug("could not delete {}: {}", uri(name), e.getMessage());
        }
    }

    @Override
    public List<Map<String, Object>> list() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try {
            for (S3Object o : client().listObjectsV2Paginator(b -> b.bucket(where.bucket()).prefix(where.key(StoreNames.PREFIX)).delimiter("/")).contents()) {
                String file = o.key().substring(where.key("").length());
                if (!StoreNames.isPointer(file)) {
                    continue;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("file", file);
                m.put("path", uri(file));
                m.put("modified", String.valueOf(o.lastModified()));
                try {
                    ResponseBytes<GetObjectResponse> r = client().getObjectAsBytes(b -> b.bucket(where.bucket()).key(o.key()));
                    Pointer p = Pointer.decode(r.asByteArrayUnsafe(), uri(file));
                    m.put("archive", uri(p.archive()));
                    m.put("size_bytes", p.size());
                    m.put("key", p.keyText());
                    m.put("created", p.created());
                    m.put("writer", p.writer());
                    m.put("retired_archives", p.retired().size());
                } catch (IOException | SdkException e) {
                    m.put("readable", false);
                    m.put("error", String.valueOf(e.getMessage()));
                }
                out.add(m);
            }
        } catch (SdkException e) {
            throw S3Errors.describe("listing", e, where);
        }
        return out;
    }

    @Override
    public List<StoredKey> keys(int most) throws IOException {
        List<S3Object> pointers = new ArrayList<>();
        try {
            for (S3Object o : client().listObjectsV2Paginator(b -> b.bucket(where.bucket()).prefix(where.key(StoreNames.PREFIX)).delimiter("/")).contents()) {
                if (StoreNames.isPointer(o.key().substring(where.key("").length()))) {
                    pointers.add(o);
                }
            }
        } catch (SdkException e) {
            throw S3Errors.describe("listing", e, where);
        }
        pointers.sort((a, b) -> b.lastModified().compareTo(a.lastModified()));
        List<StoredKey> out = new ArrayList<>();
        for (S3Object o : pointers) {
            String file = o.key().substring(where.key("").length());
            String text = null;
            if (out.size() < most) {
                try {
                    ResponseBytes<GetObjectResponse> r = client().getObjectAsBytes(b -> b.bucket(where.bucket()).key(o.key()));
                    text = Pointer.decode(r.asByteArrayUnsafe(), uri(file)).keyText();
                } catch (IOException | SdkException e) {
                    // unreadable now (replaced meanwhile, or torn): the key is still named by its hash
                }
            }
            out.add(new StoredKey(StoreNames.hashOf(file), text, o.lastModified()));
        }
        return out;
    }

    /** Closes the client once it is built; the builder thread closes it itself when it finishes after this. */
    @Override
    public void close() {
        closed = true;
        if (building.isDone()) {
            closeClient();
        }
    }

    private void closeClient() {
        try {
            building.get().close();
        } catch (Exception e) {
            // the build failed: nothing to close
        }
    }
}
