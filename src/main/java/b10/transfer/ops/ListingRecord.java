package b10.transfer.ops;

import b10.transfer.store.LocalCache;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The cache's listing as the last restore or save of any process left it, kept beside the cache
 * ({@code .<name>.b10-listing}, or in {@code .b10-transfer/} inside it where the work happens
 * there). A JVM that finds the cache in place (a server's helper JVM, a restarted container on a
 * kept volume) and whose listing still equals the record has nothing to
 * publish, which it learns without the store, the key or any native library. Written to a staging
 * name and renamed, so a reader sees a whole record or the previous one; any damage reads as none.
 */
final class ListingRecord {
    private static final int MAX_BYTES = 64 << 20;

    private ListingRecord() {
    }

    static void write(LocalCache local, TreeFingerprint listing) {
        Path temp;
        try {
            temp = local.newStagingFile();
        } catch (IOException | RuntimeException e) {
            return; // only a shortcut is lost
        }
        try {
            // line by line through one small buffer: the whole record as one string (a MiB for 10,000
            // files) cost a restore on 2 cores its growing copies and their fresh pages, after the swap
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
                out.write("b10-transfer-listing-1\n".getBytes(StandardCharsets.UTF_8));
                StringBuilder line = new StringBuilder(256);
                for (Map.Entry<String, Long> e : listing.sizes().entrySet()) {
                    line.setLength(0);
                    line.append(e.getValue()).append('\t').append(listing.mtimes().get(e.getKey())).append('\t')
                            .append(e.getKey()).append('\n');
                    out.write(line.toString().getBytes(StandardCharsets.UTF_8));
                }
            }
            Files.move(temp, local.listingRecord(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            // only a shortcut is lost: the next save compares with the store instead
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // removed by the next recovery past the temporaries' age
            }
        }
    }

    /** The recorded listing, or null where there is none or it cannot be read whole. */
    static TreeFingerprint read(LocalCache local) {
        Path p = local.listingRecord();
        try {
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.size(p) > MAX_BYTES) {
                return null;
            }
            String[] lines = Files.readString(p, StandardCharsets.UTF_8).split("\n");
            if (lines.length == 0 || !lines[0].equals("b10-transfer-listing-1")) {
                return null;
            }
            Map<String, Long> sizes = new HashMap<>();
            Map<String, Long> mtimes = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                String[] f = lines[i].split("\t", 3);
                if (f.length != 3) {
                    return null;
                }
                sizes.put(f[2], Long.parseLong(f[0]));
                mtimes.put(f[2], Long.parseLong(f[1]));
            }
            return new TreeFingerprint(sizes, mtimes);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
