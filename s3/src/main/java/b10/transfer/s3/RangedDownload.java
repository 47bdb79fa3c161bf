package b10.transfer.s3;

import b10.transfer.archive.TransferControl;
import b10.transfer.base.Workers;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * One archive object read as a stream, fetched ahead in parallel ranged GETs: the extractor reads
 * chunk i while up to {@code parallel} later chunks download. Every range asks for the ETag the
 * pointer named (If-Match), so the bytes are all of one object version or the read fails. A
 * failed range is retried by the client (its body read is part of the attempt), within the
 * client's attempts; memory stays at {@code (parallel + 1) * chunkBytes}.
 */
final class RangedDownload extends InputStream {
    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final String etag;
    private final long size;
    private final int chunkBytes;
    private final int parallel;
    private final TransferControl control;
    private final ExecutorService pool;
    private final ArrayDeque<Future<byte[]>> ahead = new ArrayDeque<>();
    private long nextToFetch;
    private byte[] current = new byte[0];
    private int pos;
    private long delivered;

    RangedDownload(S3Client s3, String bucket, String key, String etag, long size, int chunkBytes, int parallel,
                   TransferControl control) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.etag = etag;
        this.size = size;
        this.chunkBytes = chunkBytes;
        this.parallel = parallel;
        this.control = control;
        this.pool = Workers.pool("s3-download", parallel);
        fillAhead();
    }

    private void fillAhead() {
        while (ahead.size() < parallel && nextToFetch < size) {
            long from = nextToFetch;
            int length = (int) Math.min(chunkBytes, size - from);
            nextToFetch += length;
            ahead.add(pool.submit(() -> fetch(from, length)));
        }
    }

    private byte[] fetch(long from, int length) {
        control.checkpoint();
        String range = "bytes=" + from + "-" + (from + length - 1);
        return s3.getObject(b -> b.bucket(bucket).key(key).range(range).ifMatch(etag),
                (ResponseTransformer<GetObjectResponse, byte[]>) (response, in) -> {
                    byte[] body = in.readNBytes(length);
                    if (body.length != length || in.read() != -1) {
                        throw new IOException("range " + range + " of " + key + " gave " + body.length + " bytes, not " + length);
                    }
                    return body;
                });
    }

    private boolean advance() throws IOException {
        if (ahead.isEmpty()) {
            if (delivered != size) {
                throw new IOException(key + " ended at " + delivered + " of " + size + " bytes");
            }
            return false;
        }
        current = PartWait.await(ahead.poll(), control, "reading " + key);
        pos = 0;
        delivered += current.length;
        fillAhead();
        return true;
    }

    @Override
    public int read() throws IOException {
        while (pos == current.length) {
            if (!advance()) {
                return -1;
            }
        }
        return current[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (pos == current.length) {
            if (!advance()) {
                return -1;
            }
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return current.length - pos;
    }

    @Override
    public void close() {
        for (Future<byte[]> f : ahead) {
            f.cancel(true);
        }
        ahead.clear();
        pool.shutdownNow();
    }
}
