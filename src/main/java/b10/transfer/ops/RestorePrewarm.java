package b10.transfer.ops;

import b10.transfer.archive.ZstdCodecs;
import b10.transfer.config.Settings;
import java.io.ByteArrayInputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Readies what a restore will need while the environment key is still being computed (on a GPU
 * machine the driver's cuInit alone takes a few hundred milliseconds): the native zstd library,
 * and the tar reader, whose first use initialises commons-lang3 helpers that cost tens of
 * milliseconds in a fresh JVM. Only when the store holds archives at all, so that a JVM with
 * nothing to restore pays nothing. Best effort: a failure here changes nothing, since the restore
 * does the same work itself.
 */
public final class RestorePrewarm implements Runnable {
    private final Path storeDir;

    private RestorePrewarm(Path storeDir) {
        this.storeDir = storeDir;
    }

    public static void start(Settings settings) {
        if (settings.enabled && settings.storeDir != null) {
            Thread t = new Thread(new RestorePrewarm(settings.storeDir), "b10-transfer-prewarm");
            t.setDaemon(true);
            t.start();
        }
    }

    @Override
    public void run() {
        try {
            if (!holdsArchives(storeDir)) {
                return;
            }
            ZstdCodecs.get();
            try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(new byte[1024]))) {
                tar.getNextEntry();
            }
            new TarArchiveEntry("prewarm");
        } catch (Throwable t) {
            // the restore meets the same problem and reports it
        }
    }

    /** Whether the store directory holds any archive, of any key; false when it is missing or unreadable. */
    public static boolean holdsArchives(Path storeDir) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(storeDir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith("cache_") && n.contains(".latest.tar")) {
                    return true;
                }
            }
        } catch (Exception e) {
            // missing or unreadable: the restore says so
        }
        return false;
    }
}
