package b10.transfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.ops.OperationControl;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressDisplayTest {
    static final long MIB = 1024 * 1024;
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    final OperationControl control = new OperationControl();

    ProgressDisplay display(boolean terminal) {
        return new ProgressDisplay("save", control, out, terminal, ProgressDisplay.PLAIN_TICK_NANOS, now::get);
    }

    String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void terminalLineHasBarBytesFilesRateAndTimeLeft() {
        ProgressDisplay d = display(true);
        control.totals(400 * MIB, 10_000);
        control.progress(100 * MIB, 2_500);
        now.addAndGet(2_000_000_000L); // 100 MiB in 2 s: 50 MiB/s, 300 MiB left: 6 s
        assertEquals("save [#####---------------]  25%  100.0/400.0 MiB  2500/10000 files  50.0 MiB/s  6 s left",
                d.render(2_000_000_000L));
        control.progress(400 * MIB, 10_000);
        assertEquals("save [####################] 100%  400.0/400.0 MiB  10000/10000 files  200.0 MiB/s",
                d.render(2_000_000_000L));
    }

    @Test
    void timeLeft_ofManySmallFilesBeforeALargeOne_followsTheFiles_notHours() {
        ProgressDisplay d = display(false);
        // 9,000 of 10,000 files (4 KiB each) done in 1.5 s, one 400 MiB file still to come:
        // the bytes alone (35 MiB at 23 MiB/s) would say 18 s; the files say under a second
        control.totals(435 * MIB, 10_000);
        control.progress(35 * MIB, 9_000);
        assertEquals(1, ProgressDisplay.secondsLeft(1.5, 35 * MIB, 435 * MIB, 9_000, 10_000));
        control.totals(3_000 * MIB, 10_000);
        control.progress(MIB, 5_000); // half the files, a thirtieth of a percent of the bytes, in 2 s
        String line = d.render(2_000_000_000L);
        assertTrue(line.endsWith("  2 s left"), line);
    }

    @Test
    void terminalRedrawsOneLineBlankingTheLongerPreviousOneAndEndsItOnClose() {
        ProgressDisplay d = display(true);
        control.totals(3_000 * MIB, 100_000);
        control.progress(1_234 * MIB, 12_345);
        now.addAndGet(1_000_000_000L);
        d.tick();
        String first = printed();
        assertTrue(first.startsWith("\r") && !first.contains("\n"), first);
        control.progress(3_000 * MIB, 100_000);
        d.tick();
        String second = printed().substring(first.length());
        assertTrue(second.startsWith("\rsave [####################] 100%"), second);
        assertTrue(second.length() >= first.length(), "the redraw must cover the previous line: " + second);
        d.close();
        assertTrue(printed().endsWith("\n"), "the last state stays on its own line");
    }

    @Test
    void plainLinesAreWholeLinesWithoutABarOrCarriageReturns() {
        ProgressDisplay d = display(false);
        control.totals(200 * MIB, 100);
        control.progress(50 * MIB, 20);
        now.addAndGet(5_000_000_000L);
        d.tick();
        control.progress(150 * MIB, 80);
        now.addAndGet(5_000_000_000L);
        d.tick();
        d.close();
        assertEquals("b10-transfer: save 25%  50.0/200.0 MiB  20/100 files  10.0 MiB/s  15 s left\n"
                + "b10-transfer: save 75%  150.0/200.0 MiB  80/100 files  15.0 MiB/s  4 s left\n", printed());
    }

    @Test
    void unknownTotalsShowWhatIsDoneAndNoTimeLeft() {
        ProgressDisplay d = display(false);
        control.progress(3 * MIB, 7);
        assertEquals("save  3.0 MiB  7 files  1.5 MiB/s", d.render(2_000_000_000L));
        assertEquals("save  3.0 MiB  7 files", d.render(100_000_000L), "no rate from a too short interval");
    }

    @Test
    void nothingOnATerminalCloseWhenNothingMoved() {
        display(true).close();
        assertFalse(printed().contains("save"), printed());
    }

    @Test
    void durationsReadNaturally() {
        assertEquals("59 s", ProgressDisplay.duration(59));
        assertEquals("2 min 5 s", ProgressDisplay.duration(125));
        assertEquals("3 h 1 min", ProgressDisplay.duration(3 * 3600 + 61));
    }

    @Test
    void quietAndBadIntervalsAreParsedByTheCli() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"save", "--progress-interval", "0"}, new PrintStream(o), new PrintStream(e));
        assertEquals(2, code);
        assertTrue(e.toString().contains("--progress-interval needs a number of seconds above 0"), e.toString());
        assertTrue(Main.USAGE.contains("--quiet"), Main.USAGE);
    }
}
