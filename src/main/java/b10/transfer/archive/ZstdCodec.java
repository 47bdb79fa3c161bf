package b10.transfer.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** zstd streams, from native libzstd (zstd-jni) where it loads, else pure Java (aircompressor). */
public interface ZstdCodec {
    /** Which implementation this is, for logs and {@code info}. */
    String name();

    InputStream decompressing(InputStream in) throws IOException;

    /** @param workers compression threads; 0 compresses on the calling thread */
    OutputStream compressing(OutputStream out, int level, int workers) throws IOException;
}
