package b10.transfer.archive;

import b10.transfer.Log;
import b10.transfer.base.IsolatedClassLoader;
import io.airlift.compress.zstd.ZstdInputStream;
import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Picks the zstd implementation once per JVM: native (zstd-jni) when its library loads, else
 * aircompressor, which reads and writes the same format, so archives never depend on the choice.
 * A native library can fail to load where the temporary directory is mounted noexec or the
 * platform has no bundled build; the transfer then runs slower, never fails for that reason.
 */
public final class ZstdCodecs {
    private static volatile ZstdCodec chosen;

    private ZstdCodecs() {
    }

    /** Whether native zstd has been loaded in this JVM (never loads it). */
    public static boolean nativeLoaded() {
        ZstdCodec c = chosen;
        return c != null && !(c instanceof JavaZstd);
    }

    public static ZstdCodec get() {
        ZstdCodec c = chosen;
        if (c == null) {
            synchronized (ZstdCodecs.class) {
                if (chosen == null) {
                    chosen = choose();
                }
                c = chosen;
            }
        }
        return c;
    }

    private static ZstdCodec choose() {
        if (Boolean.getBoolean("b10.transfer.zstd.pureJava")) {
            return new JavaZstd();
        }
        try {
            Class<?> c = Class.forName("b10.transfer.archive.zstd.NativeZstd", true, IsolatedClassLoader.shared());
            return (ZstdCodec) c.getDeclaredConstructor().newInstance();
        } catch (Throwable t) {
            Log.get().info("native zstd unavailable ({}); using the pure-Java codec, which is slower", t.toString());
            return new JavaZstd();
        }
    }

    /** aircompressor: pure Java, one level, one thread. */
    static final class JavaZstd implements ZstdCodec {
        @Override
        public String name() {
            return "aircompressor";
        }

        @Override
        public InputStream decompressing(InputStream in) throws IOException {
            return new ZstdInputStream(in);
        }

        @Override
        public OutputStream compressing(OutputStream out, int level, int workers) throws IOException {
            return new ZstdOutputStream(out);
        }

        @Override
        public byte[] compressFrame(byte[] src, int len, int level) {
            io.airlift.compress.zstd.ZstdCompressor c = new io.airlift.compress.zstd.ZstdCompressor();
            byte[] dst = new byte[c.maxCompressedLength(len)];
            int n = c.compress(src, 0, len, dst, 0, dst.length);
            return java.util.Arrays.copyOf(dst, n);
        }

        @Override
        public void decompressFrame(byte[] frame, byte[] out) throws IOException {
            try {
                int n = new io.airlift.compress.zstd.ZstdDecompressor().decompress(frame, 0, frame.length, out, 0, out.length);
                if (n != out.length) {
                    throw new IOException("zstd frame decompresses to " + n + " bytes, not its recorded " + out.length);
                }
            } catch (RuntimeException e) {
                throw new IOException("zstd frame does not decompress: " + e.getMessage(), e);
            }
        }
    }
}
