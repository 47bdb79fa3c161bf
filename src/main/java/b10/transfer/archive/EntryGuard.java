package b10.transfer.archive;

import b10.transfer.CacheValidationError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Decides whether an archive entry's name may be extracted, and where. The checks are on the
 * name's segments and then on the normalized Path (a guard that compares strings would let
 * {@code ../<target>x/a} through).
 */
public final class EntryGuard {
    private final Path root;
    private final int maxDepth;
    private final int maxLength;

    public EntryGuard(Path root, int maxDepth, int maxLength) {
        this.root = root.toAbsolutePath().normalize();
        this.maxDepth = maxDepth;
        this.maxLength = maxLength;
    }

    /** The entry's name without a leading "./" and trailing "/", or "" for the archive's root. */
    public static String normalizeName(String raw) {
        String n = raw;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        if (n.equals(".")) {
            n = "";
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        return n;
    }

    /** Where the entry goes under the root; throws naming the entry when it may not be extracted. */
    public Path resolve(String raw) {
        String name = normalizeName(raw);
        if (name.isEmpty()) {
            return root;
        }
        if (name.indexOf('\0') >= 0) {
            throw reject(raw, "contains a NUL character");
        }
        if (name.startsWith("/")) {
            throw reject(raw, "is an absolute path");
        }
        Limit past = pastLimit(name, maxDepth, maxLength);
        if (past == Limit.LENGTH) {
            throw reject(raw, "is longer than " + maxLength + " bytes");
        }
        if (past == Limit.DEPTH) {
            throw reject(raw, "is deeper than " + maxDepth + " directories");
        }
        for (String s : name.split("/", -1)) {
            if (s.isEmpty() || s.equals(".") || s.equals("..")) {
                throw reject(raw, "has a '" + s + "' path segment");
            }
            if (s.getBytes(StandardCharsets.UTF_8).length > 255) {
                throw reject(raw, "has a name segment longer than 255 bytes");
            }
        }
        Path target = root.resolve(name).normalize();
        // root is absolute and normalized already: the per-entry check needs no second normalization
        if (!under(root, target)) {
            throw reject(raw, "resolves outside the cache directory");
        }
        return target;
    }

    /** A limit of the extraction's that a path goes past. */
    public enum Limit { LENGTH, DEPTH }

    /**
     * Which limit a normalized entry name goes past, or null: longer than {@code maxLength} bytes
     * of UTF-8, or more than {@code maxDepth} segments. Saves apply it too, so that they never
     * publish what a load would refuse.
     */
    public static Limit pastLimit(String name, int maxDepth, int maxLength) {
        if (name.getBytes(StandardCharsets.UTF_8).length > maxLength) {
            return Limit.LENGTH;
        }
        int segments = 1;
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) == '/') {
                segments++;
            }
        }
        return segments > maxDepth ? Limit.DEPTH : null;
    }

    /**
     * Whether {@code target} lies under {@code root}, by path segments: {@code /x/cache-evil/a} is
     * not under {@code /x/cache}, though its text starts with it. The root itself is not under it.
     */
    static boolean strictlyInside(Path root, Path target) {
        return under(root.toAbsolutePath().normalize(), target.toAbsolutePath().normalize());
    }

    /** {@link #strictlyInside} for paths that are absolute and normalized already. */
    private static boolean under(Path root, Path target) {
        return target.startsWith(root) && !target.equals(root);
    }

    static CacheValidationError reject(String entry, String why) {
        return new CacheValidationError("archive rejected: entry '" + printable(entry) + "' " + why);
    }

    static String printable(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
