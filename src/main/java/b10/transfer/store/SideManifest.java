package b10.transfer.store;

import b10.transfer.archive.ArchiveMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The manifest of an archive in the Python package's layout, kept beside it as
 * {@code <archive>.b10-manifest} where the package never looks (its loader reads the archive alone,
 * and its clean-up removes only {@code *.incomplete*} files and its two lock files).
 *
 * <p>It is published before the archive is renamed into place, and names the archive it describes
 * by the file's identity (inode, size, modification time; a rename keeps all three). A reader
 * verifies the archive's content against it only when the identity matches: a Python saver, or a
 * second saver of ours racing the first, may have replaced the archive since, and then the
 * manifest describes another version and gzip's CRC is the check, as for any archive of the package.
 */
public final class SideManifest {
    public static final String SUFFIX = ".b10-manifest";
    static final int MAX_BYTES = 1 << 16;

    private SideManifest() {
    }

    static Path of(Path archive) {
        return archive.resolveSibling(archive.getFileName() + SUFFIX);
    }

    /** Publishes the manifest for the synced temporary that is about to become {@code archive}. */
    static void publishFor(Path temp, Path archive, Map<String, String> manifest, String key) throws IOException {
        Map<String, String> m = new LinkedHashMap<>(manifest);
        m.put("format", ArchiveMetadata.FORMAT);
        m.put("key", key);
        m.put("archive", archive.getFileName().toString());
        m.putAll(identity(temp));
        byte[] bytes = ArchiveMetadata.encode(m);
        Publisher.publishSmall(archive.getParent(), of(archive).getFileName().toString(), bytes);
    }

    /**
     * The manifest that describes this very archive file, or null: none beside it, unreadable, or
     * one written for another version of the archive.
     */
    static Map<String, String> readFor(Path archive) {
        Path side = of(archive);
        try {
            if (!Files.isRegularFile(side, LinkOption.NOFOLLOW_LINKS) || Files.size(side) > MAX_BYTES) {
                return null;
            }
            Map<String, String> m = ArchiveMetadata.decode(Files.readAllBytes(side));
            Map<String, String> id = identity(archive);
            for (Map.Entry<String, String> e : id.entrySet()) {
                if (!e.getValue().equals(m.get(e.getKey()))) {
                    return null;
                }
            }
            return m.containsKey("digest") ? m : null;
        } catch (NoSuchFileException gone) {
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** What stays the same when a file is renamed and changes when another file takes its name. */
    static Map<String, String> identity(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Map<String, String> m = new LinkedHashMap<>();
        m.put("archive_size", Long.toString(a.size()));
        m.put("archive_mtime_ms", Long.toString(a.lastModifiedTime().toMillis()));
        try {
            m.put("archive_inode", String.valueOf(Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS)));
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            // no unix view on this platform: size and time alone
        }
        return m;
    }
}
