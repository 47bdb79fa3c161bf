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
 * platform has no bundled build; the transfer then runs slower, never fails for that reason,
 * unless the JVM lacks the module aircompressor needs (jdk.unsupported: a modular application
 * that does not resolve it), where every use says so.
 */
public final class ZstdCodecs {
    private static volatile ZstdCodec chosen;

    private ZstdCodecs() {
    }

    /** Whether native zstd has been loaded in this JVM (never loads it). */
    public static boolean nativeLoaded() {
        ZstdCodec c = chosen;
        return c != null && !(c instanceof JavaZstd) && !(c instanceof Missing);
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
            String why = IsolatedClassLoader.problem() != null ? IsolatedClassLoader.problem() : t.toString();
            if (ModuleLayer.boot().findModule("jdk.unsupported").isEmpty()) {
                // a modular application (java -m) resolves only what its modules require: aircompressor's
                // sun.misc.Unsafe would fail at its first use with a bare NoClassDefFoundError
                return new Missing("native zstd is unavailable (" + why + "), and the pure-Java codec needs the"
                        + " module jdk.unsupported, which this JVM's module graph lacks: start it with --add-modules"
                        + " jdk.unsupported, or let the native library load");
            }
            Log.get().info("native zstd unavailable ({}); using the pure-Java codec, which is slower", why);
            return new JavaZstd();
        }
    }

    /** This JVM has no zstd codec: not the archive's fault. */
    static final class ZstdUnavailable extends IOException {
        ZstdUnavailable(String reason) {
            super(reason);
        }
    }

    /** No codec can run in this JVM: every use fails with the reason and what to change. */
    static final class Missing implements ZstdCodec {
        private final String reason;

        Missing(String reason) {
            this.reason = reason;
        }

        @Override
        public String name() {
            return "none";
        }

        @Override
        public InputStream decompressing(InputStream in) throws IOException {
            throw new ZstdUnavailable(reason);
        }

        @Override
        public OutputStream compressing(OutputStream out, int level, int workers) throws IOException {
            throw new ZstdUnavailable(reason);
        }

        @Override
        public byte[] compressFrame(byte[] src, int len, int level) throws IOException {
            throw new ZstdUnavailable(reason);
        }

        @Override
        public void decompressFrame(byte[] frame, int frameLength, byte[] out) throws IOException {
            throw new ZstdUnavailable(reason);
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
        public void decompressFrame(byte[] frame, int frameLength, byte[] out) throws IOException {
            try {
                int n = new io.airlift.compress.zstd.ZstdDecompressor().decompress(frame, 0, frameLength, out, 0, out.length);
                if (n != out.length) {
                    throw new IOException("zstd frame decompresses to " + n + " bytes, not its recorded " + out.length);
                }
            } catch (RuntimeException e) {
                throw new IOException("zstd frame does not decompress: " + e.getMessage(), e);
            }
        }
    }
}
