package b10.transfer.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void theInsideCheck_comparesSegmentsNotText_withTheSiblingThatExists() {
        Path sibling = tmp.resolve("cache-evil/inside/x");
        assertTrue(sibling.toString().startsWith(root.toString()), "the sibling's text starts with the root's: " + sibling);
        assertEquals(false, EntryGuard.strictlyInside(root, sibling));
        assertEquals(true, EntryGuard.strictlyInside(root, root.resolve("x")));
        assertEquals(false, EntryGuard.strictlyInside(root, root));
        assertEquals(false, EntryGuard.strictlyInside(root, root.resolve("../cache-evil/inside")));
        assertEquals(true, EntryGuard.strictlyInside(root, root.resolve("a/../b")));
    }

    @Test
    void aNulCharacter_isRefused() {
        assertThrows(CacheValidationError.class, () -> guard.resolve("a\0b"));
    }
}
