package b10.transfer.s3;

import b10.transfer.CacheError;
import b10.transfer.Log;
import b10.transfer.archive.TransferControl;
import b10.transfer.base.PausePoints;
import b10.transfer.base.Workers;
import b10.transfer.config.S3Location;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.store.ArchiveStore;
import b10.transfer.store.CompareAndSwap;
import b10.transfer.store.ContentIndex;
import b10.transfer.store.Publisher;
import b10.transfer.store.StoreError;
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
    private final S3Location where;
    private final Duration tempMaxAge;
    private final java.time.Clock clock;
    private final FutureTask<S3Client> building;
    private volatile boolean closed;

    /**
     * Starts building the client at once, on a thread of its own: the SDK's first use costs about
     * a second of class loading and set-up, which then overlaps the caller's own work.
     */
    public S3Store(Settings settings) {
        this.where = (S3Location) settings.store;
        this.tempMaxAge = settings.tempMaxAge;
        this.clock = settings.clock;
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
            throw new StoreError("the S3 client for " + where.uri() + " was not built within " + S3Clients.ATTEMPT_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreError("interrupted while opening " + where.uri());
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
    public void removeStale(Instant cutoff, boolean forSave) {
        if (!forSave) {
            return;
        }
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
        long named = StoreNames.idMillis(StoreNames.objectId(key.substring(key.lastIndexOf('/') + 1)));
        if (named > 0) {
            Instant n = Instant.ofEpochMilli(named);
            started = started == null || n.isBefore(started) ? n : started;
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

    /**
     * The key's content: the base the pointer names, and the layer objects in the key's folder
     * that the pointer does not name (as its base, or retired: folded by a compaction). The pointer
     * is read first, so a compaction landing between the two reads leaves its folded layers still
     * listed, which the older pointer applies: the same files either way.
     */
    @Override
    public Content content(EnvironmentKey key) throws IOException {
        Current c;
        try {
            c = readPointer(key);
        } catch (SdkException e) {
            throw S3Errors.describe("reading the pointer", uri(pointerName(key)), e, where);
        }
        Set<String> named = new HashSet<>();
        StoredObject base = null;
        if (c != null) {
            named.add(c.pointer().archive());
            c.pointer().retired().forEach(r -> named.add(r.archive()));
            base = new StoredObject(c.pointer().archive(), c.pointer().etag(), c.pointer().size(), false);
        }
        List<StoredObject> layers = new ArrayList<>();
        String folder = folder(key);
        String note = null;
        try {
            for (S3Object o : client().listObjectsV2Paginator(b -> b.bucket(where.bucket()).prefix(where.key(folder))).contents()) {
                String name = folder + o.key().substring(where.key(folder).length());
                if (StoreNames.isLayerObject(name.substring(folder.length())) && !named.contains(name)) {
                    layers.add(new StoredObject(name, o.eTag(), o.size(), true));
                }
            }
        } catch (S3Exception e) {
            if (e.statusCode() != 403 || base == null) {
                throw S3Errors.describe("listing", uri(folder), e, where);
            }
            // credentials that may read objects but not list them: the base is restored, and the load says what it lacks
            layers.clear();
            note = "the key's layers (if it has any) were not restored: listing " + uri(folder) + " was denied (403"
                    + (e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null ? " " + e.awsErrorDetails().errorCode() : "")
                    + "); give these credentials s3:ListBucket on the prefix";
        } catch (SdkException e) {
            throw S3Errors.describe("listing", uri(folder), e, where);
        }
        if (base == null && layers.isEmpty()) {
            return Content.NONE;
        }
        layers.sort((x, y) -> StoreNames.compareIds(x.id(), y.id()));
        StringBuilder version = new StringBuilder(c == null ? "-" : c.etag());
        layers.forEach(l -> version.append('|').append(l.name));
        return new Content(base, List.copyOf(layers), version.toString(), note);
    }

    /** {@code archives/cache_<hash>/}: where the key's archives and their indexes are. */
    private static String folder(EnvironmentKey key) {
        return StoreNames.ARCHIVES + StoreNames.PREFIX + key.hash() + "/";
    }

    @Override
    public String locationFor(EnvironmentKey key, Settings.Compression compression) {
        return uri(pointerName(key));
    }

    private final class StoredObject implements Stored {
        private final String name;
        private final String etag;
        private final long size;
        private final boolean layer;

        StoredObject(String name, String etag, long size, boolean layer) {
            this.name = name;
            this.etag = etag;
            this.size = size;
            this.layer = layer;
        }

        @Override
        public boolean layer() {
            return layer;
        }

        @Override
        public String location() {
            return uri(name);
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public String id() {
            return StoreNames.objectId(name.substring(name.lastIndexOf('/') + 1));
        }

        @Override
        public Map<String, Long> listing() throws IOException {
            String index = StoreNames.indexObject(name);
            try {
                ResponseBytes<GetObjectResponse> r = client().getObjectAsBytes(b -> b.bucket(where.bucket()).key(where.key(index)));
                return ContentIndex.decode(r.asByteArrayUnsafe(), uri(index));
            } catch (NoSuchKeyException e) {
                return null; // an archive of an earlier version: it is read instead
            } catch (SdkException e) {
                throw S3Errors.describe("reading the index", uri(index), e, where);
            }
        }

        @Override
        public InputStream openHead(int bytes) throws IOException {
            String key = where.key(name);
            String range = "bytes=0-" + (Math.min(bytes, size) - 1);
            try {
                return new S3ReadErrors(client().getObject(b -> b.bucket(where.bucket()).key(key).range(range).ifMatch(etag)),
                        StoredObject.this);
            } catch (SdkException e) {
                throw readError(e, this);
            }
        }

        @Override
        public InputStream open(TransferControl control) throws IOException {
            String key = where.key(name);
            if (where.connections() == 1) {
                // one plain GET, streamed: the baseline the ranged reads are measured against
                try {
                    return new S3ReadErrors(client().getObject(b -> b.bucket(where.bucket()).key(key).ifMatch(etag)),
                            StoredObject.this);
                } catch (SdkException e) {
                    throw readError(e, this);
                }
            }
            int parallel = Math.max(1, Math.min(where.connections(), heapSlots(where.partBytes())));
            return new S3ReadErrors(new RangedDownload(client(), where.bucket(), key, etag,
                    size, where.partBytes(), parallel, control), StoredObject.this);
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
            return new StoreError("archive " + archive.location() + " was removed or replaced while it was read"
                    + " (retired longer than B10_TRANSFER_TEMP_MAX_AGE_S ago): load again", e);
        }
        return S3Errors.describe("reading", archive.location(), e, where);
    }

    /** An archive object uploaded, verified and indexed. */
    private record Upload(String name, PartUpload.Uploaded uploaded) {
    }

    private Upload upload(String name, Publisher.Body body, TransferControl control) throws IOException {
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
        if (body.listing() != null) {
            String index = StoreNames.indexObject(name);
            try {
                client().putObject(b -> b.bucket(where.bucket()).key(where.key(index)).contentType("application/gzip"),
                        RequestBody.fromBytes(ContentIndex.encode(body.listing())));
            } catch (SdkException e) {
                // best effort: the archive is whole and (a layer) already live; without its index a save reads the archive instead
                Log.get().debug("the index {} was not written: {}", uri(index), e.getMessage());
            }
        }
        return new Upload(name, uploaded);
    }

    private static String idOf(Publisher.Body body) {
        return body.id() != null ? body.id() : StoreNames.uniqueId();
    }

    /**
     * A layer object: live as soon as its upload completes, with no pointer update (so no saver
     * ever waits for another, and no server's conditional writes can lose it). Where the key has
     * no pointer yet, one is created naming this archive as the base (If-None-Match: *); a save
     * that loses that race keeps its archive as a layer.
     */
    @Override
    public Stored publish(EnvironmentKey key, Settings.Compression compression, Publisher.Body body, TransferControl control)
            throws IOException {
        Upload u = upload(StoreNames.layerObject(key, idOf(body), compression), body, control);
        PausePoints.reach("before-pointer");
        boolean base = false;
        try {
            if (readPointer(key) == null) {
                Pointer first = new Pointer(u.name(), u.uploaded().etag(), u.uploaded().size(), key.text(), clock.instant().toString(),
                        "b10-transfer-java " + ProcessHandle.current().pid(), List.of());
                client().putObject(PutObjectRequest.builder().bucket(where.bucket()).key(where.key(pointerName(key)))
                        .contentType("text/plain").ifNoneMatch("*").build(), RequestBody.fromBytes(first.encode()));
                Current now = readPointer(key);
                base = now != null && now.pointer().archive().equals(u.name());
            }
        } catch (S3Exception e) {
            if (e.statusCode() != 412 && e.statusCode() != 409) {
                Log.get().debug("the first pointer of {} was not written ({}): the archive stays a layer", key.hash(), e.getMessage());
            }
        } catch (SdkException | IOException e) {
            // the layer is live whatever the pointer: the save happened
            Log.get().debug("the first pointer of {} was not written ({}): the archive stays a layer", key.hash(), e.getMessage());
        }
        PausePoints.reach("after-pointer");
        return new StoredObject(u.name(), u.uploaded().etag(), u.uploaded().size(), !base);
    }

    @Override
    public Stored publishLayer(EnvironmentKey key, Settings.Compression compression, Publisher.Body body, TransferControl control)
            throws IOException {
        return publish(key, compression, body, control); // the same: a layer, or the first base of a key that has no pointer
    }

    @Override
    public Stored compact(EnvironmentKey key, Content seen, boolean onlyIfBaseUnchanged, Settings.Compression compression,
                          Publisher.Body body, TransferControl control) throws IOException {
        String seenBase = seen.base() == null ? null : ((StoredObject) seen.base()).name;
        List<String> folded = new ArrayList<>();
        for (Stored l : seen.layers()) {
            folded.add(((StoredObject) l).name);
        }
        Upload u = upload(StoreNames.baseObject(key, idOf(body), compression), body, control);
        Stored s = swap(key, u, control, (current, now) -> {
            if (current == null) {
                return onlyIfBaseUnchanged && seenBase != null ? null : new Pointer(u.name(), u.uploaded().etag(),
                        u.uploaded().size(), key.text(), now.toString(), "b10-transfer-java " + ProcessHandle.current().pid(),
                        aged(List.of(), folded, now));
            }
            if (onlyIfBaseUnchanged && !current.archive().equals(seenBase)) {
                return null; // another compaction landed first: ours is not needed
            }
            // the old base and the folded layers retire; layers published meanwhile stay live over the new base
            List<String> retire = new ArrayList<>(folded);
            retire.add(current.archive());
            return current.with(u.name(), u.uploaded().etag(), u.uploaded().size(), aged(current.retired(), retire, now),
                    now.toString());
        });
        if (s == null) {
            delete(u.name());
            delete(StoreNames.indexObject(u.name()));
        }
        return s;
    }

    /** The retirements kept (younger than the age) plus the newly retired archives, stamped now. */
    private List<Pointer.Retired> aged(List<Pointer.Retired> retired, List<String> newly, Instant now) {
        Instant cutoff = now.minus(tempMaxAge);
        List<Pointer.Retired> keep = new ArrayList<>();
        for (Pointer.Retired r : retired) {
            if (!r.since().isBefore(cutoff) && !newly.contains(r.archive())) {
                keep.add(r);
            }
        }
        // once each: a compaction that read the key before its first pointer folds the layer that pointer then named the base
        for (String n : new java.util.LinkedHashSet<>(newly)) {
            keep.add(new Pointer.Retired(n, now));
        }
        return keep;
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
            throw new StoreError("the S3 server stored " + stored + " bytes as " + uri(name) + " where " + uploaded.size()
                    + " were sent: it does not store uploads as sent (aws-chunked framing kept as data?), so nothing was"
                    + " published; check the server at " + (where.endpoint() != null ? where.endpoint() + " (B10_TRANSFER_S3_ENDPOINT)"
                    : "the AWS endpoint"));
        }
    }

    /** The next pointer from the current one (null where the key has none); null to give up. */
    private interface Update {
        Pointer next(Pointer current, Instant now) throws IOException;
    }

    /** Names the uploaded base in the key's pointer (see {@link #swapPointer}); null where the update gave up. */
    private Stored swap(EnvironmentKey key, Upload u, TransferControl control, Update update) throws IOException {
        PausePoints.reach("before-pointer");
        try {
            Pointer p = swapPointer(key, u.name(), update, control);
            if (p == null) {
                return null;
            }
            PausePoints.reach("after-pointer");
            removeOrphans(key, p);
            return new StoredObject(u.name(), u.uploaded().etag(), u.uploaded().size(), false);
        } catch (SdkException e) {
            throw S3Errors.describe("replacing the pointer", uri(pointerName(key)), e, where);
        }
    }

    /**
     * Replaces the key's pointer by compare-and-swap on its ETag ({@link CompareAndSwap}: If-Match,
     * or If-None-Match: * for a first pointer). Archives retired longer than the age are deleted
     * before the pointer that stops naming them is written: a retired layer the pointer no longer
     * named would otherwise read as live again.
     */
    private Pointer swapPointer(EnvironmentKey key, String name, Update update, TransferControl control) throws IOException {
        return CompareAndSwap.apply(new PointerObject(key), current -> update.next(current, clock.instant()),
                p -> names(p, name), control);
    }

    /** The key's pointer as a versioned value: its ETag is the version. */
    private final class PointerObject implements CompareAndSwap.Versioned<Pointer> {
        private final EnvironmentKey key;

        PointerObject(EnvironmentKey key) {
            this.key = key;
        }

        @Override
        public CompareAndSwap.Current<Pointer> read() throws IOException {
            Current c = readPointer(key);
            return c == null ? null : new CompareAndSwap.Current<>(c.pointer(), c.etag());
        }

        @Override
        public RuntimeException tryWrite(CompareAndSwap.Current<Pointer> seen, Pointer next) {
            if (seen != null) {
                deleteExpiredRetirements(seen.value(), next);
            }
            PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(where.bucket()).key(where.key(pointerName(key)))
                    .contentType("text/plain");
            put = seen == null ? put.ifNoneMatch("*") : put.ifMatch(seen.version());
            try {
                client().putObject(put.build(), RequestBody.fromBytes(next.encode()));
                return null;
            } catch (S3Exception e) {
                // 412: another saver replaced the pointer since we read it; 409: a conditional write raced ours
                if (e.statusCode() == 412 || e.statusCode() == 409) {
                    return e;
                }
                throw e;
            } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
                // no answer: some servers refuse a failed condition before reading the body and close the
                // connection (the client sees a broken pipe, not 412). Whether the PUT landed is read back
                // before the next attempt, so going around again is safe.
                Log.get().debug("pointer {} not written ({}); reading it again", uri(pointerName(key)), e.getMessage());
                return e;
            }
        }
    }

    /** Deletes what the current pointer retired and the next one no longer names (its retirement expired). */
    private void deleteExpiredRetirements(Pointer current, Pointer next) {
        Set<String> kept = new HashSet<>();
        next.retired().forEach(r -> kept.add(r.archive()));
        for (Pointer.Retired r : current.retired()) {
            if (!kept.contains(r.archive()) && !names(next, r.archive())) {
                delete(r.archive());
                delete(StoreNames.indexObject(r.archive()));
            }
        }
    }

    /** Whether the pointer names the archive as its base or a retired one. */
    private static boolean names(Pointer p, String name) {
        return p.archive().equals(name) || p.retired().stream().anyMatch(r -> r.archive().equals(name));
    }

    /**
     * What the key's folder holds that nothing needs, older than the age: bases no pointer names
     * (a compaction that lost, a saver killed before its pointer landed), and indexes whose archive
     * is gone. Layers are never removed here: unnamed, they are live.
     */
    private void removeOrphans(EnvironmentKey key, Pointer current) {
        Set<String> named = new HashSet<>();
        named.add(current.archive());
        current.retired().forEach(r -> named.add(r.archive()));
        Instant cutoff = clock.instant().minus(tempMaxAge);
        String folder = folder(key);
        try {
            Set<String> archives = new HashSet<>();
            List<S3Object> all = new ArrayList<>();
            for (S3Object o : client().listObjectsV2Paginator(b -> b.bucket(where.bucket()).prefix(where.key(folder))).contents()) {
                String name = folder + o.key().substring(where.key(folder).length());
                all.add(o);
                if (!name.endsWith(".index")) {
                    archives.add(name);
                }
            }
            Set<String> removed = new HashSet<>();
            for (S3Object o : all) {
                String name = folder + o.key().substring(where.key(folder).length());
                boolean old = o.lastModified() != null && o.lastModified().isBefore(cutoff);
                if (old && !name.endsWith(".index") && !named.contains(name) && !StoreNames.isLayerObject(name.substring(folder.length()))) {
                    delete(name);
                    removed.add(name);
                }
            }
            for (S3Object o : all) {
                String name = folder + o.key().substring(where.key(folder).length());
                boolean old = o.lastModified() != null && o.lastModified().isBefore(cutoff);
                boolean archiveGone = archives.stream().noneMatch(a -> !removed.contains(a) && StoreNames.indexObject(a).equals(name));
                if (name.endsWith(".index") && (removed.stream().anyMatch(a -> StoreNames.indexObject(a).equals(name)) || old && archiveGone)) {
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
    public void touch(EnvironmentKey key) {
        try {
            client().putObject(b -> b.bucket(where.bucket()).key(where.key(StoreNames.USED + StoreNames.PREFIX + key.hash())),
                    RequestBody.empty());
        } catch (SdkException | CacheError e) {
            Log.get().debug("could not record the use of {}: {}", key.hash(), e.getMessage()); // a reader without write access
        }
    }

    /** Each key's last recorded load, from one listing of the markers. */
    private Map<String, Instant> usedMarkers() {
        Map<String, Instant> used = new java.util.HashMap<>();
        String prefix = where.key(StoreNames.USED);
        for (S3Object o : client().listObjectsV2Paginator(b -> b.bucket(where.bucket()).prefix(prefix)).contents()) {
            String name = o.key().substring(prefix.length());
            if (name.startsWith(StoreNames.PREFIX) && o.lastModified() != null) {
                used.put(StoreNames.hashOf(name), o.lastModified());
            }
        }
        return used;
    }

    /** Every pointer object, with when it was last written (the key's last save). */
    private List<S3Object> pointers() {
        List<S3Object> out = new ArrayList<>();
        for (S3Object o : client().listObjectsV2Paginator(b -> b.bucket(where.bucket()).prefix(where.key(StoreNames.PREFIX)).delimiter("/")).contents()) {
            if (StoreNames.isPointer(o.key().substring(where.key("").length()))) {
                out.add(o);
            }
        }
        return out;
    }

    private Pointer readPointerObject(S3Object o) throws IOException {
        String file = o.key().substring(where.key("").length());
        ResponseBytes<GetObjectResponse> r = client().getObjectAsBytes(b -> b.bucket(where.bucket()).key(o.key()));
        return Pointer.decode(r.asByteArrayUnsafe(), uri(file));
    }

    /** The bytes of every object in the key's folder, and how many of them are live layers (the pointer may be null). */
    private long[] folderSummary(String hash, Pointer p) {
        Set<String> named = new HashSet<>();
        if (p != null) {
            named.add(p.archive());
            p.retired().forEach(r -> named.add(r.archive()));
        }
        String folder = StoreNames.ARCHIVES + StoreNames.PREFIX + hash + "/";
        long bytes = 0;
        long layers = 0;
        for (S3Object o : client().listObjectsV2Paginator(b -> b.bucket(where.bucket()).prefix(where.key(folder))).contents()) {
            String name = folder + o.key().substring(where.key(folder).length());
            bytes += o.size();
            if (StoreNames.isLayerObject(name.substring(folder.length())) && !named.contains(name)) {
                layers++;
            }
        }
        return new long[] {bytes, layers};
    }

    @Override
    public List<KeyUsage> usage() throws IOException {
        try {
            Map<String, Instant> used = usedMarkers();
            List<KeyUsage> out = new ArrayList<>();
            for (S3Object o : pointers()) {
                String hash = StoreNames.hashOf(o.key().substring(where.key("").length()));
                Instant saved = o.lastModified();
                Instant last = used.containsKey(hash) && used.get(hash).isAfter(saved) ? used.get(hash) : saved;
                String text = null;
                long bytes = 0;
                int archives = 0;
                Pointer p = null;
                try {
                    p = readPointerObject(o);
                    text = p.keyText();
                } catch (IOException | SdkException e) {
                    // replaced meanwhile, or torn: still a key, named by its hash
                }
                long[] folder = folderSummary(hash, p);
                bytes = folder[0];
                archives = (int) folder[1] + (p == null ? 0 : 1);
                out.add(new KeyUsage(hash, text, archives, bytes, saved, last));
            }
            return out;
        } catch (SdkException e) {
            throw S3Errors.describe("listing", e, where);
        }
    }

    @Override
    public boolean remove(KeyUsage usage) throws IOException {
        String pointer = StoreNames.PREFIX + usage.hash() + StoreNames.LATEST;
        String marker = StoreNames.USED + StoreNames.PREFIX + usage.hash();
        try {
            for (String name : List.of(pointer, marker)) {
                try {
                    Instant t = client().headObject(b -> b.bucket(where.bucket()).key(where.key(name))).lastModified();
                    if (t != null && t.isAfter(usage.lastUsed())) {
                        return false; // loaded or saved since the decision
                    }
                } catch (NoSuchKeyException e) {
                    // no marker: never loaded
                }
            }
            // the pointer first: a load that starts now finds no key rather than a part of one
            client().deleteObject(b -> b.bucket(where.bucket()).key(where.key(pointer)));
            String folder = where.key(StoreNames.ARCHIVES + StoreNames.PREFIX + usage.hash() + "/");
            for (S3Object o : client().listObjectsV2Paginator(b -> b.bucket(where.bucket()).prefix(folder)).contents()) {
                client().deleteObject(b -> b.bucket(where.bucket()).key(o.key()));
            }
            client().deleteObject(b -> b.bucket(where.bucket()).key(where.key(marker)));
            return true;
        } catch (SdkException e) {
            throw S3Errors.describe("removing", uri(pointer), e, where);
        }
    }

    @Override
    public Instant lastPolicyRun() {
        try {
            return client().headObject(b -> b.bucket(where.bucket()).key(where.key(StoreNames.POLICY_OBJECT))).lastModified();
        } catch (SdkException | CacheError e) {
            return null;
        }
    }

    @Override
    public void policyRan() {
        try {
            client().putObject(b -> b.bucket(where.bucket()).key(where.key(StoreNames.POLICY_OBJECT)), RequestBody.empty());
        } catch (SdkException | CacheError e) {
            Log.get().debug("could not record the retention run in {}: {}", where.uri(), e.getMessage());
        }
    }

    @Override
    public List<Map<String, Object>> list() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try {
            Map<String, Instant> used = usedMarkers();
            for (S3Object o : pointers()) {
                String file = o.key().substring(where.key("").length());
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("file", file);
                m.put("path", uri(file));
                m.put("modified", String.valueOf(o.lastModified()));
                try {
                    Pointer p = readPointerObject(o);
                    m.put("archive", uri(p.archive()));
                    m.put("size_bytes", p.size());
                    m.put("key", p.keyText());
                    m.put("created", p.created());
                    m.put("writer", p.writer());
                    m.put("retired_archives", p.retired().size());
                    long[] folder = folderSummary(StoreNames.hashOf(file), p);
                    m.put("layers", folder[1]);
                    m.put("store_bytes", folder[0]);
                } catch (IOException | SdkException e) {
                    m.put("readable", false);
                    m.put("error", String.valueOf(e.getMessage()));
                }
                Instant u = used.get(StoreNames.hashOf(file));
                m.put("last_used", String.valueOf(u != null && o.lastModified() != null && u.isAfter(o.lastModified()) ? u : o.lastModified()));
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
