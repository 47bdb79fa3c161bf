package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store whose read hangs, as on a stuck network mount: another process holds a write lease on
 * the archive, so opening it blocks in the kernel (for up to 45 s, the lease-break time). The load
 * timeout must cut it, and the application must start. A FIFO where the archive should be is
 * refused without being opened.
 */
class StuckStoreTest {
    static final List<String> ROWS = new ArrayList<>();
    static final int LOAD_TIMEOUT_S = 3;

    @TempDir
    Path tmp;

    @AfterAll
    static void writeReport() {
        SurvivalKit.report("stuck-store.md", ROWS);
    }

    static Map<String, String> env(Path local, Path store, Path venv) {
        return SurvivalKit.env(local, store, venv, "B10_TRANSFER_LOAD_TIMEOUT_S", String.valueOf(LOAD_TIMEOUT_S));
    }

    @Test
    void aLoadBlockedInTheKernel_isCutByTheLoadTimeout_andTheApplicationStarts() throws Exception {
        Path venv = SurvivalKit.fakeVenv(tmp);
        Path store = tmp.resolve("store");
        Path source = tmp.resolve("source/cache");
        Files.createDirectories(source);
        Files.writeString(source.resolve("kernel.py"), "compiled\n");
        ChildJvm.Result saved = SurvivalKit.cli(env(source, store, venv), "save");
        assertTrue(saved.out().strip().endsWith("SUCCESS"), saved.out() + saved.err());
        Path archive;
        try (var s = Files.list(store)) {
            archive = s.filter(p -> p.getFileName().toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }

        Path holderBinary = tmp.resolve("hold_write_lease");
        Process cc = new ProcessBuilder("gcc", "-O2", "-o", holderBinary.toString(),
                Path.of("src/test/c/hold_write_lease.c").toAbsolutePath().toString()).redirectErrorStream(true).start();
        String said = new String(cc.getInputStream().readAllBytes());
        assertEquals(0, cc.waitFor(), "gcc builds the lease holder: " + said);
        Process holder = new ProcessBuilder(holderBinary.toString(), archive.toString()).redirectErrorStream(true).start();
        try {
            String first = new BufferedReader(new InputStreamReader(holder.getInputStream())).readLine();
            if (!"leased".equals(first)) {
                System.err.println("StuckStoreTest: SKIPPED the hanging read, this filesystem refuses a write lease: " + first);
                ROWS.add("| a store read that hangs | skipped | the filesystem refused a write lease: " + first + " |");
                Assumptions.abort("no write lease here: " + first);
            }
            Path local = tmp.resolve("app/cache");
            ChildJvm.Result app = SurvivalKit.app(env(local, store, venv));
            assertTrue(app.out().startsWith("FILES=0"), app.out());
            List<String> errors = app.errLines().stream().filter(l -> l.contains("ERROR")).toList();
            assertEquals(1, errors.size(), app.err());
            assertTrue(errors.get(0).contains("restore timed out after") && errors.get(0).contains("B10_TRANSFER_LOAD_TIMEOUT_S"),
                    errors.get(0));
            assertTrue(app.millis() < 20_000, "cut by the timeout, not by the kernel's lease break: " + app.millis() + " ms");
            assertFalse(Files.exists(local), "no partial cache");

            ChildJvm.Result cli = SurvivalKit.cli(env(local, store, venv), "load");
            assertEquals(1, cli.exit(), cli.out());
            assertTrue(cli.out().contains("load timed out after " + LOAD_TIMEOUT_S + " s (B10_TRANSFER_LOAD_TIMEOUT_S)"), cli.out());
            assertTrue(cli.millis() < 20_000, cli.millis() + " ms");
            ROWS.add("| a store read that hangs (another process holds a write lease on the archive: open(2) blocks up to 45 s)"
                    + " | agent at start, CLI `load`; load timeout " + LOAD_TIMEOUT_S + " s (the agent waits the load plus the"
                    + " probe timeout) | cut at the timeout: the application"
                    + " started after " + app.millis() / 100 / 10.0 + " s with its exit code, one line naming the timeout; no partial cache |");
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }

        Files.delete(archive);
        assertEquals(0, new ProcessBuilder("mkfifo", archive.toString()).start().waitFor());
        Path local = tmp.resolve("fifo/cache");
        ChildJvm.Result app = SurvivalKit.app(env(local, store, venv));
        SurvivalKit.assertOneLineNaming(app, "restore", "is not a regular file");
        assertTrue(app.millis() < LOAD_TIMEOUT_S * 1000L, "refused without opening: " + app.millis() + " ms");
        ROWS.add("| a FIFO where the archive should be | agent at start | refused without opening it, in "
                + app.millis() + " ms: \"... is not a regular file\"; application started |");
    }
}
