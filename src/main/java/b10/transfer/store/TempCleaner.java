package b10.transfer.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/**
 * Removes what crashed writers left: temporaries in the store older than the configured age.
 * Age, not ownership, decides, because the writer may be alive on another machine; a live
 * writer's temporary is younger than the age (writes take seconds, the default age is an hour).
 */
public final class TempCleaner {
    private TempCleaner() {
    }

    public static boolean isTemporary(String fileName) {
        return StoreNames.isTemporary(fileName);
    }

    /** @return how many were removed */
    public static int clean(Path storeDir, Instant before) {
        if (!Files.isDirectory(storeDir)) {
            return 0;
        }
        FileTime cutoff = FileTime.from(before);
        int removed = 0;
        // A plain listing and a name test: a glob would compile a regular expression on the agent's start-up path.
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(storeDir)) {
            for (Path p : ds) {
                if (!isTemporary(p.getFileName().toString())) {
                    continue;
                }
                try {
                    if (Files.getLastModifiedTime(p).compareTo(cutoff) < 0 && Files.deleteIfExists(p)) {
                        removed++;
                    }
                } catch (IOException e) {
                    // another process removed it, or it is not ours to remove: leave it
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable store is reported by the operation itself
        }
        return removed;
    }
}
