package b10.transfer.archive.zstd;

import b10.transfer.archive.ZstdCodec;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import com.github.luben.zstd.util.Native;
import com.github.luben.zstd.util.ZstdVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * zstd through zstd-jni: native decompression at several times aircompressor's speed, real
 * compression levels and multithreaded compression. In the agent jar this class and zstd-jni
 * live under the isolated prefix (JNI cannot be relocated), so a host's own zstd-jni is untouched.
 * Constructing it loads the native library, and throws if that fails.
 */
public final class NativeZstd implements ZstdCodec {
    public NativeZstd() {
        if (!Native.isLoaded() && !loadOwnCopy()) {
            Native.load();
        }
    }

    /**
     * Loads the bundled library as zstd-jni would, from a temporary copy named here: zstd-jni
     * names its copy with File.createTempFile, whose SecureRandom loads the security providers
     * (30-40 ms of a 2-core start, on the restore's path). The copy is removed once loaded. False
     * where it cannot be done so (another platform, this class in another loader than zstd-jni's,
     * no writable temporary directory): zstd-jni's own loading runs then.
     */
    private static boolean loadOwnCopy() {
        if (NativeZstd.class.getClassLoader() != Native.class.getClassLoader()
                || !System.getProperty("os.name", "").startsWith("Linux")) {
            return false;
        }
        String lib = "libzstd-jni-" + ZstdVersion.VERSION + ".so";
        try (InputStream in = Native.class.getResourceAsStream("/linux/" + System.getProperty("os.arch") + "/" + lib)) {
            if (in == null) {
                return false;
            }
            Path copy = Path.of(System.getProperty("java.io.tmpdir")).resolve(lib + "." + Long.toHexString(System.nanoTime())
                    + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
            try {
                try (OutputStream out = Files.newOutputStream(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    in.transferTo(out);
                }
                System.load(copy.toString());
            } finally {
                Files.deleteIfExists(copy);
            }
            Native.assumeLoaded();
            return true;
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            return false;
        }
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
