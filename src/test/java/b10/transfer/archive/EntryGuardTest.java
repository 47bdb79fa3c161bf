package b10.transfer.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.CacheError;
import b10.transfer.CacheValidationError;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The entry guard's decisions as a table, on a real directory with a near-miss sibling beside it. */
class EntryGuardTest {
    @TempDir
    Path tmp;
    Path root;
    EntryGuard guard;

    @BeforeEach
    void dirs() throws Exception {
        root = Files.createDirectories(tmp.resolve("cache"));
        // the near miss: a sibling whose name starts with the root's
        Files.createDirectories(tmp.resolve("cache-evil/inside"));
        guard = new EntryGuard(root, 4, 64);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // entry                     | where it goes (relative to the root), or the reason it is refused
            "a.py                        | a.py",
            "./a.py                      | a.py",
            "dir/sub/k.cubin             | dir/sub/k.cubin",
            "dir/                        | dir",
            "./                          | ''",
            "../cache-evil/inside/x      | has a '..' path segment",
            "d/../../cache-evil          | has a '..' path segment",
            "/etc/passwd                 | is an absolute path",
            "a//b                        | has a '' path segment",
            "a/./b                       | has a '.' path segment",
            "a/b/c/d/e                   | is deeper than 4 directories",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | is longer than 64 bytes",
    })
    void entries(String entry, String expected) {
        if (expected.startsWith("has ") || expected.startsWith("is ")) {
            CacheValidationError e = assertThrows(CacheValidationError.class, () -> guard.resolve(entry));
            assertTrue(e.getMessage().contains(expected), e.getMessage());
        } else {
            assertEquals(expected.isEmpty() ? root : root.resolve(expected), guard.resolve(entry));
        }
    }

    /**
     * The guard's one-pass check against the plain one it replaced (split the name, count UTF-8
     * bytes with getBytes, normalize the resolved path and compare it with the root by segments),
     * over many generated names made of the pieces that matter: separators, dots, multi-byte
     * characters, surrogate pairs and lone surrogates, the near-miss sibling's name.
     */
    @Test
    void generatedNames_getThePlainCheck_sDecision_andStayStrictlyInside() {
        String[] pieces = {"a", "bc", ".", "..", "/", "//", "./", "../", "é", "\u20ac", "\uD83D\uDE00", "\uD800",
                "\uDC00", "x".repeat(40), "ü".repeat(130), "../cache-evil/inside", "\\", " "};
        EntryGuard wide = new EntryGuard(root, 6, 300);
        java.util.Random random = new java.util.Random(2026);
        int accepted = 0;
        for (int n = 0; n < 20_000; n++) {
            StringBuilder b = new StringBuilder();
            int parts = 1 + random.nextInt(7);
            for (int i = 0; i < parts; i++) {
                b.append(pieces[random.nextInt(pieces.length)]);
            }
            String name = b.toString();
            String expected = plainCheck(root, name, 6, 300);
            Path got;
            try {
                got = wide.resolve(name);
            } catch (CacheError e) {
                assertTrue(expected != null && e.getMessage().contains(expected), name + ": " + e.getMessage() + " / " + expected);
                continue;
            }
            assertEquals(null, expected, name);
            Path normal = got.normalize();
            assertEquals(normal, got, name);
            assertTrue(EntryGuard.normalizeName(name).isEmpty() || (got.startsWith(root) && !got.equals(root)), name);
            accepted++;
        }
        assertTrue(accepted > 1000 && accepted < 19_000, "both outcomes are exercised: " + accepted);
    }

    /** The check as it was written before the one-pass guard: its reason, or null to accept. */
    private static String plainCheck(Path root, String raw, int maxDepth, int maxLength) {
        String name = EntryGuard.normalizeName(raw);
        if (name.isEmpty()) {
            return null;
        }
        if (name.indexOf('\0') >= 0) {
            return "contains a NUL character";
        }
        if (name.startsWith("/")) {
            return "is an absolute path";
        }
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > maxLength) {
            return "is longer than " + maxLength + " bytes";
        }
        if (name.split("/", -1).length > maxDepth) {
            return "is deeper than " + maxDepth + " directories";
        }
        for (String s : name.split("/", -1)) {
            if (s.isEmpty() || s.equals(".") || s.equals("..")) {
                return "has a '" + s + "' path segment";
            }
            if (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
                return "has a name segment longer than 255 bytes";
            }
        }
        Path target;
        try {
            target = root.resolve(name).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            return "set to a UTF-8 locale"; // a JVM whose file names are not UTF-8 (the test's may not be)
        }
        return target.startsWith(root) && !target.equals(root) ? null : "resolves outside the cache directory";
    }

    @Test
    void pastLimit_countsUtf8BytesAndSegments_asGetBytesDoes() {
        assertEquals(null, EntryGuard.pastLimit("a/b", 2, 3));
        assertEquals(EntryGuard.Limit.DEPTH, EntryGuard.pastLimit("a/b/c", 2, 99));
        assertEquals(EntryGuard.Limit.LENGTH, EntryGuard.pastLimit("é", 9, 1));
        assertEquals(null, EntryGuard.pastLimit("\uD83D\uDE00", 9, 4));
        assertEquals(EntryGuard.Limit.LENGTH, EntryGuard.pastLimit("\uD83D\uDE00", 9, 3));
        assertEquals(null, EntryGuard.pastLimit("\uD800", 9, 1)); // a lone surrogate is written as '?'
    }

    @Test
    void aNulCharacter_isRefused() {
        assertThrows(CacheValidationError.class, () -> guard.resolve("a\0b"));
    }
}
