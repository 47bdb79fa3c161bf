package b10.transfer.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.LoadStatus;
import b10.transfer.SaveStatus;
import b10.transfer.TestTrees;
import b10.transfer.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's load where the store held nothing at the JVM's start and the application already
 * runs: the load's answers, and never a restore into a cache the application may be writing.
 */
class LoadWithoutRestoringTest {
    @TempDir
    Path tmp;

    private Operations ops(Path local, Path store) throws Exception {
        Map<String, String> env = TestTrees.env(tmp);
        env.put("TORCH_CACHE_DIR", local.toString());
        env.put("B10FS_CACHE_DIR", store.toString());
        return Operations.of(Settings.from(env, Map.of()));
    }

    @Test
    void anEmptyOrMissingStore_isDoesNotExist_evenOnceTheApplicationWroteItsFirstFiles() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        Path local = tmp.resolve("local/cache");
        LoadResult missing = ops(local, tmp.resolve("no-such-store")).loadWithoutRestoring(new OperationControl());
        assertEquals(LoadStatus.DOES_NOT_EXIST, missing.status(), missing.message());

        Files.createDirectories(local);
        Files.writeString(local.resolve("written-by-the-application.py"), "# compiled after main started\n");
        LoadResult empty = ops(local, store).loadWithoutRestoring(new OperationControl());
        assertEquals(LoadStatus.DOES_NOT_EXIST, empty.status(), "the cache was empty at the start: " + empty.message());
        assertTrue(empty.message().contains("holds no archives yet"), empty.message());
    }

    @Test
    void anArchiveThatArrivedAfterTheStart_isNotRestoredWhileTheApplicationRuns() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        assertEquals(SaveStatus.SUCCESS, ops(source, store).save(new OperationControl(), false).status());

        Path local = tmp.resolve("replica/cache");
        LoadResult r = ops(local, store).loadWithoutRestoring(new OperationControl());
        assertEquals(LoadStatus.SKIPPED, r.status(), r.message());
        assertTrue(r.message().contains("the next start restores it"), r.message());
        assertFalse(Files.exists(local), "nothing restored");

        LoadResult usual = ops(local, store).loadUnbounded(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, usual.status(), "the usual load restores it: " + usual.message());
    }
}
