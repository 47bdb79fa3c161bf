package b10.transfer.archive;

import b10.transfer.CacheValidationError;
import b10.transfer.base.Workers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * zstd archives as a sequence of independent frames of {@link #FRAME_BYTES} each, compressed and
 * decompressed in parallel. A zstd decoder is one thread: on a 16-core machine restoring a
 * realistic cache, decompression was half of the restore's critical path. Each frame records its
 * content size and a checksum; the whole is an ordinary zstd stream of concatenated frames
 * ({@code zstd -d}, {@code tar -I zstd} and earlier versions of b10-transfer read it as one).
 * An archive whose first frame does not record its size (a streamed frame: written by an earlier
 * version, or by {@code zstd}) is read sequentially, as before.
 * <p>Hostile input is bounded: a frame may not claim more than {@link #MAX_FRAME_BYTES}, nor take
 * more compressed bytes than that size could need; at most a few frames are held at once.
 */
public final class ZstdFrames {
    /** Uncompressed bytes per frame. */
    static final int FRAME_BYTES = 4 << 20;
    /** The largest content size a frame may claim when read in parallel (frames of other writers may be larger). */
    static final int MAX_FRAME_BYTES = 8 << 20;
    private static final int MAGIC = 0xFD2FB528;

    private ZstdFrames() {
    }

    /**
     * The content size the frame starting at {@code head[0]} records, or -1 when it records none
     * (or the bytes are not a zstd frame header).
     */
    static long contentSize(byte[] head, int n) {
        if (n < 6 || le32(head, 0) != MAGIC) {
            return -1;
        }
        int fhd = head[4] & 0xff;
        int fcsFlag = fhd >>> 6;
        boolean single = (fhd & 0x20) != 0;
        int dictBytes = new int[] {0, 1, 2, 4}[fhd & 3];
        int fcsBytes = fcsFlag == 0 ? (single ? 1 : 0) : 1 << fcsFlag;
        if (fcsBytes == 0) {
            return -1;
        }
        int at = 5 + (single ? 0 : 1) + dictBytes;
        if (at + fcsBytes > n) {
            return -1;
        }
        long v = 0;
        for (int i = fcsBytes - 1; i >= 0; i--) {
            v = (v << 8) | (head[at + i] & 0xff);
        }
        return fcsBytes == 2 ? v + 256 : v;
    }

    /** Whether an archive's head is written in independent frames of a size worth reading in parallel. */
    static boolean parallelReadable(byte[] head, int n) {
        long size = contentSize(head, n);
        return size > 0 && size <= MAX_FRAME_BYTES;
    }

    static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    /** Daemon threads that end when idle: a reader abandoned on an error leaves nothing running for long. */
    static ExecutorService pool(String role, int threads) {
        ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 2, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Workers.daemons(role));
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    /** Writes FRAME_BYTES at a time as one frame each, compressed on {@code threads} threads, in order. */
    static final class Output extends OutputStream {
        private final OutputStream out;
        private final ZstdCodec codec;
        private final int level;
        private final ExecutorService pool;
        private final int window;
        private final ArrayDeque<Future<byte[]>> pending = new ArrayDeque<>();
        private byte[] buf = new byte[FRAME_BYTES];
        private int used;
        private boolean closed;

        /** @param threads compression threads; 0 compresses on the writing thread */
        Output(OutputStream out, ZstdCodec codec, int level, int threads) {
            this.out = out;
            this.codec = codec;
            this.level = level;
            this.pool = threads > 0 ? pool("zstd", threads) : null;
            this.window = Math.max(1, threads) + 1;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, buf.length - used);
                System.arraycopy(b, off, buf, used, n);
                used += n;
                off += n;
                len -= n;
                if (used == buf.length) {
                    frame();
                }
            }
        }

        private void frame() throws IOException {
            if (used == 0) {
                return;
            }
            byte[] src = buf;
            int len = used;
            buf = new byte[FRAME_BYTES];
            used = 0;
            if (pool == null) {
                out.write(codec.compressFrame(src, len, level));
                return;
            }
            pending.add(pool.submit(() -> codec.compressFrame(src, len, level)));
            while (pending.size() >= window) {
                out.write(await(pending.poll()));
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                frame();
                while (!pending.isEmpty()) {
                    out.write(await(pending.poll()));
                }
            } finally {
                if (pool != null) {
                    pool.shutdownNow();
                }
                out.close();
            }
        }
    }

    private static byte[] await(Future<byte[]> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for a zstd frame");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        }
    }

    /**
     * Reads the frames one after another on a thread of its own (headers and block headers only,
     * to find where each ends) and decompresses a few ahead on {@code threads} threads, so that
     * the thread reading the tar does nothing but the tar. Work is only ever started by a read, at
     * most {@code threads + 1} frames ahead: an abandoned stream leaves nothing running for long.
     */
    static final class Input extends InputStream {
        private final InputStream in;
        private final ZstdCodec codec;
        private final ExecutorService pool;
        /** One thread: the frames are read in the order their reads were asked for. */
        private final ExecutorService frames;
        private final int window;
        private final ArrayDeque<CompletableFuture<byte[]>> pending = new ArrayDeque<>();
        /** The compressed frames' arrays, handed back once decompressed: a few frames' worth. */
        private final BufferPool compressed;
        /**
         * Frames read to their end, kept for the next frames of the same size (all but an archive's
         * last): a fresh 4 MiB array per frame cost its zeroing, its pages and the collections.
         */
        private final ArrayDeque<byte[]> spare = new ArrayDeque<>();
        private byte[] current = new byte[0];
        /** The last frame's compressed size, kept by the frames' thread: the next frame's buffer starts a little larger. */
        private int lastFrameBytes = 60 << 10;
        /** Set by the frames' thread at a frame it could not read: the reads after it read nothing. */
        private volatile boolean broken;
        private int pos;
        private boolean eof;

        Input(InputStream in, ZstdCodec codec, int threads) {
            this.in = in;
            this.codec = codec;
            this.pool = pool("unzstd", threads);
            this.frames = pool("unzstd-read", 1);
            this.window = threads + 1; // at most (threads + 1) x 8 MiB held at once
            this.compressed = new BufferPool((window + 2L) * (MAX_FRAME_BYTES / 4));
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!atData()) {
                return -1;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }

        /**
         * Reads up to {@code dst.remaining()} bytes into {@code dst} at its position, straight from
         * the frame (a direct buffer gets them without a copy through an array); -1 at the end.
         */
        int read(java.nio.ByteBuffer dst) throws IOException {
            if (!dst.hasRemaining()) {
                return 0;
            }
            if (!atData()) {
                return -1;
            }
            int n = Math.min(dst.remaining(), current.length - pos);
            dst.put(current, pos, n);
            pos += n;
            return n;
        }

        /** Whether a byte is left to read in the current frame, after moving to the next one where needed. */
        private boolean atData() throws IOException {
            while (pos == current.length) {
                if (eof) {
                    return false;
                }
                fill();
                byte[] next = await(pending.poll());
                if (next == null) { // the end of the frames: what was asked beyond it reads nothing
                    eof = true;
                    pending.clear();
                    pool.shutdown();
                    frames.shutdown();
                    return false;
                }
                recycle(current);
                current = next;
                pos = 0;
            }
            return true;
        }

        /**
         * Asks for frames up to the window: each is read on the frames' thread, then decompressed on
         * the pool. Every outcome, a failure or a pool closed meanwhile included, completes the
         * frame's future: nothing is thrown on those threads.
         */
        private void fill() {
            while (pending.size() < window) {
                CompletableFuture<byte[]> result = new CompletableFuture<>();
                frames.execute(() -> {
                    Growable frame;
                    try {
                        frame = readNext();
                    } catch (Throwable t) {
                        result.completeExceptionally(t);
                        return;
                    }
                    if (frame == null) {
                        result.complete(null);
                        return;
                    }
                    try {
                        pool.execute(() -> {
                            try {
                                byte[] out = spareOf((int) contentSize(frame.bytes, frame.length));
                                codec.decompressFrame(frame.bytes, frame.length, out);
                                result.complete(out);
                            } catch (Throwable t) {
                                result.completeExceptionally(t);
                            } finally {
                                compressed.give(frame.bytes);
                            }
                        });
                    } catch (RuntimeException closed) {
                        result.completeExceptionally(closed);
                    }
                });
                pending.add(result);
            }
        }

        /** A frame read to its end: no reference to it is left outside this stream. */
        private void recycle(byte[] done) {
            if (done.length > 0) {
                synchronized (spare) {
                    if (spare.size() <= window) {
                        spare.push(done);
                    }
                }
            }
        }

        /** An array of exactly {@code size} bytes for a frame's content: a spare one, or a new one. */
        private byte[] spareOf(int size) {
            synchronized (spare) {
                byte[] b = spare.peek();
                if (b != null && b.length == size) {
                    return spare.pop();
                }
            }
            return new byte[size];
        }

        /** The next frame, or null at the end (or after a frame that could not be read: its failure comes first). */
        private Growable readNext() throws IOException {
            if (broken) {
                return null;
            }
            try {
                return nextFrame();
            } catch (IOException | RuntimeException e) {
                broken = true;
                throw e;
            }
        }

        /** The next whole frame's bytes, or null at the end; skippable frames are passed over. */
        private Growable nextFrame() throws IOException {
            while (true) {
                byte[] magic = in.readNBytes(4);
                if (magic.length == 0) {
                    return null;
                }
                if (magic.length < 4) {
                    throw corrupt("it ends inside a frame's magic number");
                }
                int m = le32(magic, 0);
                if ((m & 0xFFFFFFF0) == 0x184D2A50) { // a skippable frame
                    byte[] size = exactly(4);
                    long skip = le32(size, 0) & 0xffffffffL;
                    if (skip > MAX_FRAME_BYTES) {
                        throw corrupt("a skippable frame of " + skip + " bytes");
                    }
                    in.skipNBytes(skip);
                    continue;
                }
                if (m != MAGIC) {
                    throw corrupt("bytes after a frame are not a zstd frame");
                }
                return frame(magic);
            }
        }

        private Growable frame(byte[] magic) throws IOException {
            Growable f = new Growable(compressed, lastFrameBytes + (4 << 10)); // frames of one archive are alike: rarely grown
            f.add(magic, 4);
            byte[] fhd = exactly(1);
            f.add(fhd, 1);
            int d = fhd[0] & 0xff;
            boolean single = (d & 0x20) != 0;
            int fcsFlag = d >>> 6;
            int rest = (single ? 0 : 1) + new int[] {0, 1, 2, 4}[d & 3] + (fcsFlag == 0 ? (single ? 1 : 0) : 1 << fcsFlag);
            f.add(exactly(rest), rest);
            long size = contentSize(f.bytes, f.length);
            if (size < 0 || size > MAX_FRAME_BYTES) {
                throw corrupt("a frame without a content size, or claiming " + size + " bytes, in a framed archive");
            }
            long most = size + (size >> 7) + (64 << 10); // more than any frame of this size takes
            while (true) {
                byte[] h = exactly(3);
                f.add(h, 3);
                int header = (h[0] & 0xff) | (h[1] & 0xff) << 8 | (h[2] & 0xff) << 16;
                boolean last = (header & 1) != 0;
                int type = (header >>> 1) & 3;
                int blockSize = header >>> 3;
                if (type == 3 || blockSize > (128 << 10)) {
                    throw corrupt("a block of reserved type or of " + blockSize + " bytes");
                }
                int content = type == 1 ? 1 : blockSize;
                f.read(in, content);
                if (f.length > most) {
                    throw corrupt("a frame larger than its content could need");
                }
                if (last) {
                    break;
                }
            }
            if ((d & 4) != 0) {
                f.read(in, 4);
            }
            lastFrameBytes = f.length;
            return f;
        }

        private byte[] exactly(int n) throws IOException {
            byte[] b = in.readNBytes(n);
            if (b.length != n) {
                throw corrupt("it ends inside a frame");
            }
            return b;
        }

        @Override
        public void close() throws IOException {
            broken = true;
            pool.shutdownNow();
            frames.shutdownNow();
            in.close();
        }
    }

    private static CacheValidationError corrupt(String what) {
        return new CacheValidationError("archive rejected: corrupt zstd stream (" + what + ")");
    }

    /** A byte array from a pool that grows as a frame is read: the frame is {@code bytes[0..length)}. */
    private static final class Growable {
        private final BufferPool pool;
        byte[] bytes;
        int length;

        Growable(BufferPool pool, int capacity) {
            this.pool = pool;
            bytes = pool.take(Math.max(capacity, 1 << 12));
        }

        void add(byte[] b, int n) {
            ensure(n);
            System.arraycopy(b, 0, bytes, length, n);
            length += n;
        }

        /** Reads exactly n bytes from the stream onto the end. */
        void read(InputStream in, int n) throws IOException {
            ensure(n);
            if (in.readNBytes(bytes, length, n) != n) {
                throw corrupt("it ends inside a frame");
            }
            length += n;
        }

        private void ensure(int n) {
            if (length + n > bytes.length) {
                byte[] larger = pool.take(Math.max(bytes.length * 2, length + n));
                System.arraycopy(bytes, 0, larger, 0, length);
                pool.give(bytes);
                bytes = larger;
            }
        }
    }
}
