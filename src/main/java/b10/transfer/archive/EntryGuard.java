package b10.transfer.archive;

import b10.transfer.CacheError;
import b10.transfer.CacheValidationError;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Decides whether an archive entry's name may be extracted, and where. The checks are on the
 * name's segments (a guard that compared the resolved path's text with the root's would let
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

    /**
     * Where the entry goes under the root; throws naming the entry when it may not be extracted.
     * One pass over the name's characters checks every segment: a name with no empty, "." or ".."
     * segment, no NUL and no leading '/' resolves to a normalized path strictly inside the root
     * (which is absolute and normalized), so no second normalization or prefix test is needed.
     * This runs once per entry of a restore, on its critical path.
     */
    public Path resolve(String raw) {
        String name = normalizeName(raw);
        if (name.isEmpty()) {
            return root;
        }
        if (name.indexOf('\0') >= 0) {
            throw reject(raw, "contains a NUL character");
        }
        if (name.charAt(0) == '/') {
            throw reject(raw, "is an absolute path");
        }
        int length = 0;
        int segments = 1;
        int segmentStart = 0;
        int segmentBytes = 0;
        String badSegment = null;
        int n = name.length();
        for (int i = 0; i <= n; i++) {
            if (i == n || name.charAt(i) == '/') {
                if (badSegment == null) {
                    badSegment = badSegment(name, segmentStart, i, segmentBytes);
                }
                if (i < n) {
                    segments++;
                    length++;
                }
                segmentStart = i + 1;
                segmentBytes = 0;
            } else {
                int b = utf8Bytes(name, i);
                if (b == 4) {
                    i++; // the pair's low surrogate
                }
                length += b;
                segmentBytes += b;
            }
        }
        if (length > maxLength) {
            throw reject(raw, "is longer than " + maxLength + " bytes");
        }
        if (segments > maxDepth) {
            throw reject(raw, "is deeper than " + maxDepth + " directories");
        }
        if (badSegment != null) {
            throw reject(raw, badSegment);
        }
        try {
            return root.resolve(name);
        } catch (InvalidPathException e) {
            // the name is fine; this JVM cannot spell it as a file name (its locale is not UTF-8)
            throw new CacheError("cannot write entry '" + printable(raw) + "': this JVM names files in "
                    + System.getProperty("sun.jnu.encoding") + ", which cannot spell it (run it with LC_ALL or LANG"
                    + " set to a UTF-8 locale, such as C.UTF-8)", e);
        }
    }

    /** Why the segment {@code name[from, to)} may not be extracted, or null. */
    private static String badSegment(String name, int from, int to, int bytes) {
        int len = to - from;
        if (len == 0 || (len == 1 && name.charAt(from) == '.')
                || (len == 2 && name.charAt(from) == '.' && name.charAt(from + 1) == '.')) {
            return "has a '" + name.substring(from, to) + "' path segment";
        }
        return bytes > 255 ? "has a name segment longer than 255 bytes" : null;
    }

    /**
     * The UTF-8 bytes of the character at {@code i} as {@code String.getBytes(UTF_8)} writes it:
     * 4 for a surrogate pair (the low one is the next char), 1 for a lone surrogate (written as '?').
     */
    private static int utf8Bytes(String s, int i) {
        char c = s.charAt(i);
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800) {
            return 2;
        }
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            return 4;
        }
        return Character.isSurrogate(c) ? 1 : 3;
    }

    /** A limit of the extraction's that a path goes past. */
    public enum Limit { LENGTH, DEPTH }

    /**
     * Which limit a normalized entry name goes past, or null: longer than {@code maxLength} bytes
     * of UTF-8, or more than {@code maxDepth} segments. Saves apply it too, so that they never
     * publish what a load would refuse.
     */
    public static Limit pastLimit(String name, int maxDepth, int maxLength) {
        int length = 0;
        int segments = 1;
        for (int i = 0; i < name.length(); i++) {
            int b = utf8Bytes(name, i);
            if (b == 4) {
                i++;
            } else if (name.charAt(i) == '/') {
                segments++;
            }
            length += b;
        }
        if (length > maxLength) {
            return Limit.LENGTH;
        }
        return segments > maxDepth ? Limit.DEPTH : null;
    }

    static CacheValidationError reject(String entry, String why) {
        return new CacheValidationError("archive rejected: entry '" + printable(entry) + "' " + why);
    }

    static String printable(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
