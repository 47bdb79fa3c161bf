package b10.transfer.s3;

import b10.transfer.archive.TransferControl;
import b10.transfer.base.Workers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The archive's bytes as they are written, uploaded as the parts of one multipart upload while
 * the writer goes on (at most {@code parallel} parts in flight: the writer waits for a free slot,
 * so memory stays at {@code (parallel + 1) * partBytes}). An archive smaller than one part is one
 * PUT. Completion and the single PUT carry {@code If-None-Match: *}: an object name is written
 * once. Nothing is visible under the name until {@link #finish} completes the upload; a failure
 * or cancel aborts it, and a killed process leaves an incomplete upload that later saves abort.
 */
final class PartUpload extends OutputStream {
    /** S3 numbers parts 1..10000. */
    static final int MAX_PARTS = 10_000;

    record Uploaded(String etag, long size) {
    }

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final int partBytes;
    private final TransferControl control;
    private final Semaphore slots;
    private final int parallel;
    private final List<Future<CompletedPart>> parts = new ArrayList<>();
    private ExecutorService pool;
    private String uploadId;
    private byte[] buffer;
    private int filled;
    private long total;

    PartUpload(S3Client s3, String bucket, String key, int partBytes, int parallel, TransferControl control) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.partBytes = partBytes;
        this.parallel = parallel;
        this.control = control;
        this.slots = new Semaphore(parallel);
        this.buffer = new byte[partBytes];
    }

    @Override
    public void write(int b) throws IOException {
        if (filled == buffer.length) {
            sendPart();
        }
        buffer[filled++] = (byte) b;
        total++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (filled == buffer.length) {
                sendPart();
            }
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            total += n;
        }
    }

    /** Hands the full buffer to an uploader and takes a fresh one; starts the multipart upload at the first part. */
    private void sendPart() throws IOException {
        control.checkpoint();
        if (uploadId == null) {
            uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
            pool = Workers.pool("s3-upload", parallel);
        }
        int number = parts.size() + 1;
        if (number > MAX_PARTS) {
            throw new IOException("archive is larger than " + MAX_PARTS + " parts of " + partBytes / 1048576
                    + " MiB: raise B10_TRANSFER_S3_PART_MB");
        }
        rethrowFailed();
        acquireSlot();
        RequestBody body = body(buffer, filled);
        String id = uploadId;
        try {
            parts.add(pool.submit(() -> {
                try {
                    String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(number), body).eTag();
                    return CompletedPart.builder().partNumber(number).eTag(etag).build();
                } finally {
                    slots.release();
                }
            }));
        } catch (RuntimeException e) {
            slots.release();
            throw e;
        }
        buffer = new byte[partBytes];
        filled = 0;
    }

    /** The buffer as a request body, read in place (no copy); each retry of the request reads it again. */
    private static RequestBody body(byte[] bytes, int length) {
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes, 0, length), length, "application/octet-stream");
    }

    private void acquireSlot() throws IOException {
        try {
            while (!slots.tryAcquire(1, TimeUnit.SECONDS)) {
                control.checkpoint();
                rethrowFailed();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading " + key);
        }
    }

    /** A failed part fails the upload at once, not at the end. */
    private void rethrowFailed() throws IOException {
        for (Future<CompletedPart> f : parts) {
            if (f.isDone()) {
                await(f);
            }
        }
    }

    private CompletedPart await(Future<CompletedPart> f) throws IOException {
        return PartWait.await(f, control, "uploading a part of " + key);
    }

    /** Uploads what is left and makes the object visible, whole; or throws and leaves nothing visible. */
    Uploaded finish() throws IOException {
        control.checkpoint();
        if (uploadId == null) {
            try {
                String etag = s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), body(buffer, filled)).eTag();
                return new Uploaded(etag, total);
            } catch (S3Exception e) {
                return landedEarlier(e);
            }
        }
        if (filled > 0) {
            sendPart();
        }
        List<CompletedPart> done = new ArrayList<>(parts.size());
        for (Future<CompletedPart> f : parts) {
            done.add(await(f));
        }
        control.checkpoint();
        try {
            String etag = s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId).ifNoneMatch("*")
                    .multipartUpload(m -> m.parts(done))).eTag();
            return new Uploaded(etag, total);
        } catch (S3Exception e) {
            return landedEarlier(e);
        } finally {
            uploadId = null;
            shutdown();
        }
    }

    /**
     * A 412 on our own unique name means an earlier attempt of this very request landed and its
     * answer was lost (the client retried after a timeout): the object is ours if its size is.
     */
    private Uploaded landedEarlier(S3Exception e) {
        if (e.statusCode() != 412) {
            throw e;
        }
        HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key));
        if (head.contentLength() == null || head.contentLength() != total) {
            throw e;
        }
        return new Uploaded(head.eTag(), total);
    }

    /** Gives the parts back to the store; a failure here leaves an incomplete upload for later saves to abort. */
    void abort() {
        shutdown();
        String id = uploadId;
        uploadId = null;
        if (id != null) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id));
            } catch (RuntimeException e) {
                // unreachable or denied: removed by age later
            }
        }
    }

    private void shutdown() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    @Override
    public void close() {
        // finish() or abort() decides; closing the writer's stream must not complete the upload
    }
}
