package b10.transfer.store;

import b10.transfer.base.PausePoints;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The only code that puts a file into the store. The body is written to a uniquely named
 * temporary in the store directory itself (same filesystem, so the rename is atomic, also on
 * NFS), fsynced (the OS may otherwise reorder the data after the rename), then renamed over the
 * final name, and the directory is fsynced. Readers see the old archive or the new one, whole.
 * Concurrent publishers need no lock: each rename is atomic, and the last one wins.
 */
public final class Publisher {

    /** Writes the archive's bytes. */
    public interface Body {
        void writeTo(OutputStream out) throws IOException;

        /** The manifest of what {@link #writeTo} wrote (files, bytes, digest); null where the archive carries its own. */
        default java.util.Map<String, String> manifest() {
            return null;
        }

        /** The archive's id (its header's), which names its index and, for a layer, its file; null for none. */
        default String id() {
            return null;
        }

        /** The files {@link #writeTo} wrote (relative path to size): the archive's index; null for none. */
        default java.util.Map<String, Long> listing() {
            return null;
        }
    }

    /** Moves the whole, synced temporary to its final place, and says where that is. */
    public interface Placement {
        Path place(Path temp) throws IOException;
    }

    /** The usual placement: renamed over the final name (the last publisher wins). */
    public static Placement replacing(Path target) {
        return temp -> {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        };
    }

    /**
     * Puts the temporary at {@code target} only where nothing is there: a hard link, which the
     * filesystem creates or refuses atomically (also on NFS), then the temporary's name removed.
     * False, with the temporary left in place, where the target exists. On a filesystem without
     * hard links it falls back to a test and a rename, which two publishers can race (the later one
     * then replaces the earlier: the behaviour without layers).
     */
    public static boolean createOnly(Path temp, Path target) throws IOException {
        try {
            Files.createLink(target, temp);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
            if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        }
        Files.delete(temp);
        return true;
    }

    /** Runs on the whole, synced temporary just before it is renamed into place. */
    public interface BeforeRename {
        void accept(Path temp) throws IOException;
    }

    private Publisher() {
    }

    /** A name no other process will choose: host, pid and a random part. */
    static String temporaryName(String finalName) {
        return StoreNames.temporary(finalName);
    }

    public static Path publish(Path dir, String finalName, Body body) throws IOException {
        return publish(dir, finalName, body, null);
    }

    public static Path publish(Path dir, String finalName, Body body, BeforeRename beforeRename) throws IOException {
        return publish(dir, finalName, body, beforeRename, replacing(dir.resolve(finalName)));
    }

    /** @param finalName the name the temporary's is made from; {@code placement} decides where it lands */
    public static Path publish(Path dir, String finalName, Body body, BeforeRename beforeRename, Placement placement)
            throws IOException {
        Path temp = dir.resolve(temporaryName(finalName));
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                PausePoints.reach("temp-created");
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20);
                body.writeTo(out);
                out.flush();
                ch.force(true);
                PausePoints.reach("after-fsync");
            }
            if (beforeRename != null) {
                beforeRename.accept(temp);
            }
            PausePoints.reach("before-rename");
            Path target = placement.place(temp);
            PausePoints.reach("after-rename");
            syncDirectory(dir);
            return target;
        } catch (IOException | RuntimeException | Error e) {
            removeTemporary(temp, e);
            throw e;
        }
    }

    /**
     * A small file beside an archive (the key's record, a side manifest), published the same atomic
     * way but without the archive's pause points: a crash test that holds the archive's publish at
     * a named point must find only the archive's temporary there.
     */
    public static void publishSmall(Path dir, String finalName, byte[] content) throws IOException {
        Path temp = dir.resolve(temporaryName(finalName));
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(content);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(temp, dir.resolve(finalName), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            removeTemporary(temp, e);
            throw e;
        }
    }

    /** A failed publish leaves nothing: its temporary is removed (a failure to remove it rides on the first one). */
    private static void removeTemporary(Path temp, Throwable failure) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    /** Makes the rename durable; a filesystem that cannot sync a directory is left as it is. */
    static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            // not supported here (some network filesystems); the rename itself is still atomic
        }
    }
}
