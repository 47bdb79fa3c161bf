package b10.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.async.AsyncTransferStatus;
import b10.transfer.async.TransferOptions;
import b10.transfer.async.TransferProgress;
import b10.transfer.config.Settings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The asynchronous API on real files: same results as the synchronous calls, real cancel, real space checks. */
class AsyncTransferTest {
    @TempDir
    Path tmp;

    private Settings settings(Path local, Path store, String... extra) throws Exception {
        Map<String, String> env = TestTrees.env(tmp, extra);
        env.put("TORCH_CACHE_DIR", local.toString());
        env.put("B10FS_CACHE_DIR", store.toString());
        env.put("B10_TRANSFER_GPU_BACKEND", "none");
        return Settings.from(env, Map.of());
    }

    /** Incompressible files, so that a save takes long enough to be cancelled at several points. */
    private static Path bigTree(Path root, int files, int size) throws IOException {
        Random r = new Random(3);
        byte[] b = new byte[size];
        for (int i = 0; i < files; i++) {
            Path p = root.resolve("triton/" + (i % 40) + "/k" + i + ".cubin");
            Files.createDirectories(p.getParent());
            r.nextBytes(b);
            try (OutputStream out = Files.newOutputStream(p)) {
                out.write(b);
            }
        }
        return root;
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void asyncSaveAndLoad_giveTheSynchronousResult_andCallbacksCannotBreakThem() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        Path store = tmp.resolve("store");
        List<String> lines = new CopyOnWriteArrayList<>();
        String save = saveAsync(settings(source, store), line -> {
            lines.add(line);
            throw new IllegalStateException("a broken callback");
        });
        assertTrue(B10Transfer.waitForCompletion(save, Duration.ofSeconds(60)));
        TransferProgress p = B10Transfer.getTransferStatus(save);
        assertEquals(AsyncTransferStatus.SUCCESS, p.status(), p.toString());
        assertEquals(121, p.filesDone());
        assertTrue(p.result().startsWith("SUCCESS: saved 121 files"), p.result());
        assertTrue(p.completedAt() != null && !p.completedAt().isBefore(p.startedAt()));

        Path restored = tmp.resolve("restored/cache");
        String load = loadAsync(settings(restored, store), false, lines::add);
        TransferProgress done = B10Transfer.transferFuture(load).get();
        assertEquals(AsyncTransferStatus.SUCCESS, done.status(), done.toString());
        assertEquals(TestTrees.snapshot(source), TestTrees.snapshot(restored));
        assertTrue(B10Transfer.isTransferComplete(load));
        // the final line of each reached its callback, after the first callback threw
        Thread.sleep(200);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("save SUCCESS: 3.5 of 3.5 MiB, 121 of 121 files")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("load SUCCESS") && l.contains("121 of 121 files")), lines.toString());
    }

    @Test
    void waitWithAShortTimeout_returnsFalse_andTheOperationGoesOn() throws Exception {
        String id = B10Transfer.startTransferAsync(tmp, tmp, (a, b) -> sleep(700), "slow", TransferOptions.NONE);
        assertFalse(B10Transfer.waitForCompletion(id, Duration.ofMillis(20)));
        assertEquals(AsyncTransferStatus.IN_PROGRESS, B10Transfer.getTransferStatus(id).status());
        assertTrue(B10Transfer.listActiveTransfers().containsKey(id));
        assertTrue(B10Transfer.waitForCompletion(id));
        assertEquals(AsyncTransferStatus.SUCCESS, B10Transfer.getTransferStatus(id).status());
        assertFalse(B10Transfer.listActiveTransfers().containsKey(id));
        assertNull(B10Transfer.getTransferStatus("no-such-id"));
    }

    @Test
    void cancelledSaves_publishNothing_atSeveralPoints() throws Exception {
        Path source = bigTree(tmp.resolve("big"), 400, 256 * 1024); // 100 MiB
        Path store = tmp.resolve("store");
        Settings s = settings(source, store);
        for (long cancelAfter : new long[] {0, 8L << 20, 60L << 20}) {
            String id = saveAsync(s, null);
            while (B10Transfer.getTransferStatus(id).bytesDone() < cancelAfter && !B10Transfer.isTransferComplete(id)) {
                Thread.sleep(1);
            }
            boolean cancelled = B10Transfer.cancelTransfer(id);
            assertTrue(B10Transfer.waitForCompletion(id, Duration.ofSeconds(10)), "cancel did not stop the save in time");
            TransferProgress p = B10Transfer.getTransferStatus(id);
            assertTrue(cancelled, "the save ended before the cancel at " + cancelAfter + ": " + p);
            assertEquals(AsyncTransferStatus.CANCELLED, p.status(), p.toString());
            assertEquals(List.of(), names(store), "a cancelled save left something in the store");
        }
    }

    @Test
    void cancelledLoad_leavesTheLocalCacheAsItWas() throws Exception {
        Path source = bigTree(tmp.resolve("big"), 400, 256 * 1024);
        Path store = tmp.resolve("store");
        assertEquals(SaveStatus.SUCCESS, save(settings(source, store)).status());
        Path local = Files.createDirectories(tmp.resolve("local/cache"));
        Files.writeString(local.resolve("marker.py"), "before");
        Map<String, String> before = TestTrees.snapshot(tmp.resolve("local"));
        for (long cancelAfter : new long[] {0, 8L << 20, 60L << 20}) {
            String id = loadAsync(settings(local, store), true, null);
            while (B10Transfer.getTransferStatus(id).bytesDone() < cancelAfter && !B10Transfer.isTransferComplete(id)) {
                Thread.sleep(1);
            }
            assertTrue(B10Transfer.cancelTransfer(id), "the load ended before the cancel at " + cancelAfter);
            assertTrue(B10Transfer.waitForCompletion(id, Duration.ofSeconds(10)));
            assertEquals(AsyncTransferStatus.CANCELLED, B10Transfer.getTransferStatus(id).status());
            assertEquals(before, TestTrees.snapshot(tmp.resolve("local")), "a cancelled load changed the local side");
        }
    }

    @Test
    void aSpaceMinimumAboveTheFreeSpace_interruptsTheSave_andTearsNothing() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        Path store = tmp.resolve("store");
        String id = saveAsync(settings(source, store, "B10_TRANSFER_MIN_FREE_MB", "999999999"), null);
        assertTrue(B10Transfer.waitForCompletion(id, Duration.ofSeconds(30)));
        TransferProgress p = B10Transfer.getTransferStatus(id);
        assertEquals(AsyncTransferStatus.INTERRUPTED, p.status(), p.toString());
        assertTrue(p.errorMessage().contains("MiB") && p.errorMessage().contains(store.getParent().toString().substring(0, 4)),
                p.errorMessage());
        assertEquals(List.of(), names(store));
    }

    @Test
    void aGenericTransfer_isInterruptedByItsSpaceWatch() throws Exception {
        String id = B10Transfer.startTransferAsync(tmp, tmp, (a, b) -> sleep(5_000), "watched",
                TransferOptions.watchLocal(tmp, Long.MAX_VALUE));
        assertTrue(B10Transfer.waitForCompletion(id, Duration.ofSeconds(3)));
        TransferProgress p = B10Transfer.getTransferStatus(id);
        assertEquals(AsyncTransferStatus.INTERRUPTED, p.status());
        assertTrue(p.errorMessage().startsWith("free space at " + tmp), p.errorMessage());
    }

    @Test
    void manyConcurrentOperations_reportIndependentStatuses() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int n = i;
            ids.add(B10Transfer.startTransferAsync(tmp, tmp.resolve("d" + i), (a, b) -> {
                sleep(50 + (n % 5) * 20);
                if (n % 3 == 0) {
                    throw new IllegalStateException("transfer " + n + " failed");
                }
            }, "op-" + i, TransferOptions.NONE));
        }
        String cancelled = ids.get(1);
        B10Transfer.cancelTransfer(cancelled);
        for (int i = 0; i < ids.size(); i++) {
            assertTrue(B10Transfer.waitForCompletion(ids.get(i), Duration.ofSeconds(10)));
            TransferProgress p = B10Transfer.getTransferStatus(ids.get(i));
            assertEquals("op-" + i, p.operationName());
            AsyncTransferStatus expected = i == 1 ? AsyncTransferStatus.CANCELLED
                    : i % 3 == 0 ? AsyncTransferStatus.ERROR : AsyncTransferStatus.SUCCESS;
            assertEquals(expected, p.status(), p.toString());
            if (expected == AsyncTransferStatus.ERROR) {
                assertTrue(p.errorMessage().contains("transfer " + i + " failed"), p.errorMessage());
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new IllegalStateException("interrupted", e);
        }
    }

    // the explicit-settings operations behind the API's functions (the API itself reads the environment)
    static String saveAsync(Settings s, java.util.function.Consumer<String> lines) {
        return b10.transfer.async.AsyncTransfers.save(b10.transfer.ops.Operations.of(s), b10.transfer.async.AsyncTransfers.lines(lines));
    }

    static String loadAsync(Settings s, boolean force, java.util.function.Consumer<String> lines) {
        return b10.transfer.async.AsyncTransfers.load(b10.transfer.ops.Operations.of(s), force, b10.transfer.async.AsyncTransfers.lines(lines));
    }

    static b10.transfer.ops.SaveResult save(Settings s) {
        b10.transfer.ops.Operations o = b10.transfer.ops.Operations.of(s);
        return o.saveAndReport(o.newControl());
    }
}
