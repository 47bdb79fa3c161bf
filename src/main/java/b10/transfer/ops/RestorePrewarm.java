package b10.transfer.ops;

import b10.transfer.archive.ZstdCodecs;
import b10.transfer.base.Workers;
import java.io.ByteArrayInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Readies what a restore will need while the environment key is still being computed (on a GPU
 * machine the driver's cuInit alone takes a few hundred milliseconds): the native zstd library,
 * and the tar reader, whose first use initialises commons-lang3 helpers that cost tens of
 * milliseconds in a fresh JVM. A load starts it once it knows the store holds archives. Best
 * effort: a failure here changes nothing, since the restore does the same work itself.
 */
final class RestorePrewarm implements Runnable {
    private RestorePrewarm() {
    }

    static void start() {
        Workers.daemon("prewarm", new RestorePrewarm()).start();
    }

    @Override
    public void run() {
        try {
            ZstdCodecs.get();
            try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(new byte[1024]))) {
                tar.getNextEntry();
            }
            new TarArchiveEntry("prewarm");
        } catch (Throwable t) {
            // the restore meets the same problem and reports it
        }
    }
}
