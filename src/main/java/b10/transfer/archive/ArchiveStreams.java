package b10.transfer.archive;

import b10.transfer.CacheValidationError;
import b10.transfer.config.Settings;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/** Compression by content: a reader looks at the magic bytes, never at the file name. */
public final class ArchiveStreams {
    static final int BUFFER = 1 << 20;
    /** Frames decompressed at once: the machine's cores, at most 8 (each holds a frame of a few MiB). */
    static final int DECOMPRESSION_THREADS = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));

    private ArchiveStreams() {
    }

    public static Settings.Compression sniff(byte[] head, int n) {
        if (n >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return Settings.Compression.ZSTD;
        }
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return Settings.Compression.GZIP;
        }
        return null;
    }

    /** A decompressed tar stream and the compression it was read through. */
    public record Opened(InputStream body, Settings.Compression compression) {
    }

    /** The decompressed tar stream of an archive. */
    public static InputStream decompressed(InputStream raw) throws IOException {
        return open(raw).body();
    }

    /**
     * Opens an archive by its magic bytes: zstd or gzip. An uncompressed tar is refused: neither
     * b10-transfer nor the Python package writes one, and nothing would check its bytes (tar
     * readers do not verify header checksums; zstd and gzip carry checksums of their own).
     */
    public static Opened open(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
        in.mark(600);
        byte[] head = new byte[512 + 8];
        int n;
        try {
            n = in.readNBytes(head, 0, head.length); // a file channel reads through a direct buffer of the read's size
        } catch (OutOfMemoryError e) {
            throw outOfMemory(e, e);
        }
        in.reset();
        if (n == 0) {
            throw new CacheValidationError("archive rejected: the file is empty");
        }
        Settings.Compression c = sniff(head, n);
        if (c == Settings.Compression.ZSTD) {
            if (ZstdFrames.parallelReadable(head, n)) {
                return new Opened(new ZstdFrames.Input(in, ZstdCodecs.get(), DECOMPRESSION_THREADS), c);
            }
            return new Opened(ZstdCodecs.get().decompressing(in), c);
        }
        if (c == Settings.Compression.GZIP) {
            return new Opened(new BufferedInputStream(new GzipCompressorInputStream(in, true), 1 << 16), c);
        }
        if (n >= 262 && new String(head, 257, 5, java.nio.charset.StandardCharsets.ISO_8859_1).equals("ustar")) {
            throw new CacheValidationError("archive rejected: an uncompressed tar, which nothing can verify (archives are zstd or gzip)");
        }
        throw new CacheValidationError("archive rejected: not a zstd or gzip stream (unknown magic bytes)");
    }

    /** A read this JVM had no memory for (its direct memory or its heap): the JVM's settings to change, not the archive. */
    static b10.transfer.CacheError outOfMemory(OutOfMemoryError oom, Throwable cause) {
        return new b10.transfer.CacheError("this JVM ran out of memory reading the archive (" + oom.getMessage()
                + "): raise -Xmx, or -XX:MaxDirectMemorySize where it names direct memory", cause);
    }

    public static OutputStream compressed(OutputStream out, Settings.Compression c, int level, int workers) throws IOException {
        if (c == Settings.Compression.GZIP) {
            GzipParameters p = new GzipParameters();
            p.setCompressionLevel(6);
            return new GzipCompressorOutputStream(out, p);
        }
        return new ZstdFrames.Output(out, ZstdCodecs.get(), level, workers);
    }
}
