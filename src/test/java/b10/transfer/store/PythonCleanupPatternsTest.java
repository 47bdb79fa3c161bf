package b10.transfer.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Python package deletes, in a store it shares with us, files matching {@code *.incomplete*}
 * older than 60 s and its lock files older than 30 s. None of our temporaries may ever match,
 * or it would delete a save of ours in progress.
 */
class PythonCleanupPatternsTest {
    static final List<PathMatcher> THEIRS = List.of(
            FileSystems.getDefault().getPathMatcher("glob:*.incomplete*"),
            FileSystems.getDefault().getPathMatcher("glob:copy_in.lock"),
            FileSystems.getDefault().getPathMatcher("glob:copy_out.lock"));

    static boolean theirs(String name) {
        return THEIRS.stream().anyMatch(m -> m.matches(Path.of(name)));
    }

    @Test
    void ourTemporaries_neverMatchThePackagesCleanupPatterns() {
        for (String finalName : List.of("cache_c23102092c348195.latest.tar.gz",
                "cache_c23102092c348195.latest.tar.gz" + SideManifest.SUFFIX, "cache_f87ea7d9eb5d.latest.tar.zst")) {
            for (int i = 0; i < 100; i++) {
                String temp = Publisher.temporaryName(finalName);
                assertFalse(theirs(temp), temp);
                assertTrue(TempCleaner.isTemporary(temp), temp);
            }
        }
        assertTrue(theirs("cache_c23102092c348195.incomplete.tar.gz"), "the patterns themselves");
        assertTrue(theirs(".hidden.incomplete.tmp"), "the patterns themselves, on a hidden name");
    }

    @Test
    void thePackagesFiles_areNeverTemporariesOfOurs_norArchives() {
        for (String n : List.of("copy_in.lock", "copy_out.lock", "cache_c23102092c348195.incomplete.tar.gz",
                "cache_c23102092c348195.myhost.incomplete.tar.gz")) {
            assertFalse(TempCleaner.isTemporary(n), n);
            assertFalse(FileStore.isArchiveName(n), n);
        }
        assertTrue(FileStore.isArchiveName("cache_c23102092c348195.myhost.latest.tar.gz"));
        assertFalse(FileStore.isArchiveName("cache_c23102092c348195.latest.tar.gz" + SideManifest.SUFFIX));
    }
}
