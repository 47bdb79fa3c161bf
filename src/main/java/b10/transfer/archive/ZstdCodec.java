package b10.transfer.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** zstd streams, from native libzstd (zstd-jni) where it loads, else pure Java (aircompressor). */
public interface ZstdCodec {
    /** Which implementation this is, for logs and {@code info}. */
    String name();

    InputStream decompressing(InputStream in) throws IOException;

    /**
     * One streamed frame, as earlier versions wrote archives (archives are now written in frames by
     * {@link ZstdFrames}); kept so that reading such archives stays tested.
     *
     * @param workers compression threads; 0 compresses on the calling thread
     */
    OutputStream compressing(OutputStream out, int level, int workers) throws IOException;

    /** One whole frame of {@code src[0..len)} that records its content size and a checksum. */
    byte[] compressFrame(byte[] src, int len, int level) throws IOException;

    /**
     * Decompresses one whole frame, {@code frame[0..frameLength)}, into exactly {@code out.length}
     * bytes (its recorded content size), checking its checksum.
     */
    void decompressFrame(byte[] frame, int frameLength, byte[] out) throws IOException;
}
