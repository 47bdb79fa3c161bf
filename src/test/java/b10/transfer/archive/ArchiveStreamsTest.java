package b10.transfer.archive;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.CacheError;
import b10.transfer.CacheValidationError;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class ArchiveStreamsTest {
    /**
     * The first read of an archive fills a 1 MiB buffer, which a file channel reads through a
     * direct buffer of that size: a JVM whose direct memory is short fails there, before any
     * decompression. That is this JVM's memory to raise, not the archive's fault.
     */
    @Test
    void aFirstReadThatRunsOutOfMemory_namesTheJvmsMemory_notTheArchive() {
        InputStream refusing = new InputStream() {
            @Override
            public int read() {
                throw new OutOfMemoryError("Cannot reserve 1048576 bytes of direct buffer memory (allocated: 16382, limit: 1048576)");
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return read();
            }
        };
        CacheError e = assertThrows(CacheError.class, () -> ArchiveStreams.open(refusing));
        assertTrue(e.getMessage().startsWith("this JVM ran out of memory reading the archive (Cannot reserve 1048576 bytes")
                && e.getMessage().contains("-XX:MaxDirectMemorySize"), e.getMessage());
        assertTrue(!(e instanceof CacheValidationError), "not a rejected archive");
    }
}
