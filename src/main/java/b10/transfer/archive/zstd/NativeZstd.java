package b10.transfer.archive.zstd;

import b10.transfer.archive.ZstdCodec;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import com.github.luben.zstd.util.Native;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * zstd through zstd-jni: native decompression at several times aircompressor's speed, real
 * compression levels and multithreaded compression. In the agent jar this class and zstd-jni
 * live under the isolated prefix (JNI cannot be relocated), so a host's own zstd-jni is untouched.
 * Constructing it loads the native library, and throws if that fails.
 */
public final class NativeZstd implements ZstdCodec {
    public NativeZstd() {
        Native.load();
    }

    @Override
    public String name() {
        return "zstd-jni";
    }

    @Override
    public InputStream decompressing(InputStream in) throws IOException {
        return new ZstdInputStreamNoFinalizer(in);
    }

    @Override
    public OutputStream compressing(OutputStream out, int level, int workers) throws IOException {
        ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(out, level);
        z.setChecksum(true);
        if (workers > 0) {
            z.setWorkers(workers);
        }
        return z;
    }

    @Override
    public byte[] compressFrame(byte[] src, int len, int level) throws IOException {
        byte[] dst = new byte[(int) Zstd.compressBound(len)];
        long n = Zstd.compressByteArray(dst, 0, dst.length, src, 0, len, level, true);
        if (Zstd.isError(n)) {
            throw new IOException("zstd compression failed: " + Zstd.getErrorName(n));
        }
        return java.util.Arrays.copyOf(dst, (int) n);
    }

    @Override
    public void decompressFrame(byte[] frame, int frameLength, byte[] out) throws IOException {
        long n;
        try {
            n = Zstd.decompressByteArray(out, 0, out.length, frame, 0, frameLength);
        } catch (RuntimeException e) { // ZstdException: a checksum or a block that does not hold
            throw new IOException("zstd frame does not decompress: " + e.getMessage(), e);
        }
        if (Zstd.isError(n) || n != out.length) {
            throw new IOException("zstd frame does not decompress to its recorded size: "
                    + (Zstd.isError(n) ? Zstd.getErrorName(n) : n + " of " + out.length + " bytes"));
        }
    }
}
