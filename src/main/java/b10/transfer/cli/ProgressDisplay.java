package b10.transfer.cli;

import b10.transfer.ops.CacheOperations;
import b10.transfer.ops.OperationControl;
import b10.transfer.base.Workers;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * The CLI's view of a running load or save, on stderr so that stdout (and {@code --json}) stays
 * clean. On a terminal one line is redrawn ten times a second: a bar, bytes, files, rate and time
 * left. Otherwise (a log file, a pipe) a plain line is printed every few seconds. A ticker thread
 * reads the operation's counters, so the worker never waits on the output.
 */
final class ProgressDisplay implements AutoCloseable {
    static final long TERMINAL_TICK_NANOS = 100_000_000L;
    static final long PLAIN_TICK_NANOS = 5_000_000_000L;
    private static final int BAR_WIDTH = 20;

    private final String label;
    private final OperationControl control;
    private final PrintStream out;
    private final boolean terminal;
    private final long tickNanos;
    private final LongSupplier clock;
    private final long startedAt;
    private int lastWidth;
    private Thread ticker;
    private boolean closed;

    ProgressDisplay(String label, OperationControl control, PrintStream out, boolean terminal, long plainTickNanos,
            LongSupplier clock) {
        this.label = label;
        this.control = control;
        this.out = out;
        this.terminal = terminal;
        this.tickNanos = terminal ? TERMINAL_TICK_NANOS : plainTickNanos;
        this.clock = clock;
        this.startedAt = clock.getAsLong();
    }

    /** Starts the ticker; {@link #close()} stops it and, on a terminal, leaves the final state on its own line. */
    static ProgressDisplay start(String label, OperationControl control, PrintStream out, long plainTickNanos) {
        ProgressDisplay d = new ProgressDisplay(label, control, out, stderrIsTerminal(), plainTickNanos, System::nanoTime);
        d.ticker = Workers.daemon("progress", d::tickUntilInterrupted);
        d.ticker.start();
        control.onFinish(d::close); // the line ends before the result is logged
        return d;
    }

    private void tickUntilInterrupted() {
        try {
            while (true) {
                Thread.sleep(Math.max(1, tickNanos / 1_000_000));
                tick();
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /** Prints the current state: redraws the line on a terminal, prints a new line otherwise. */
    synchronized void tick() {
        String line = render(clock.getAsLong() - startedAt);
        if (terminal) {
            StringBuilder b = new StringBuilder(line.length() + lastWidth + 1).append('\r').append(line);
            for (int i = line.length(); i < lastWidth; i++) {
                b.append(' '); // blank what a longer previous line left
            }
            lastWidth = line.length();
            out.print(b);
        } else {
            out.println("b10-transfer: " + line);
        }
        out.flush();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (ticker != null) {
            ticker.interrupt();
            try {
                ticker.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (terminal && control.bytesDone() > 0) {
                tick();
                out.println();
                out.flush();
            }
        }
    }

    /** One line: "save [#####-----]  52%  180.2/345.0 MiB  5200/10000 files  95.3 MiB/s  2 s left". */
    String render(long elapsedNanos) {
        long done = control.bytesDone();
        long total = control.bytesTotal();
        long files = control.filesDone();
        long filesTotal = control.filesTotal();
        StringBuilder b = new StringBuilder(96).append(label);
        if (total > 0) {
            long percent = Math.min(100, done * 100 / total);
            int filled = (int) Math.min(BAR_WIDTH, done * BAR_WIDTH / total);
            b.append(terminal ? " [" : " ");
            if (terminal) {
                b.append("#".repeat(filled)).append("-".repeat(BAR_WIDTH - filled)).append("] ");
            }
            if (terminal) {
                b.append(percent < 10 ? "  " : percent < 100 ? " " : ""); // the bar stays in place
            }
            b.append(percent).append("%  ");
            b.append(CacheOperations.mibNumber(done)).append('/').append(CacheOperations.mibNumber(total)).append(" MiB");
        } else {
            b.append("  ").append(CacheOperations.mibNumber(done)).append(" MiB");
        }
        b.append("  ").append(files);
        if (filesTotal >= 0) {
            b.append('/').append(filesTotal);
        }
        b.append(" files");
        double seconds = elapsedNanos / 1e9;
        if (seconds >= 0.2 && done > 0) {
            double rate = done / seconds;
            b.append("  ").append(CacheOperations.mibNumber(Math.round(rate))).append(" MiB/s");
            if (total > 0 && done < total) {
                b.append("  ").append(duration(secondsLeft(seconds, done, total, files, filesTotal))).append(" left");
            }
        }
        return b.toString();
    }

    /**
     * Time left from the share of the work done: by bytes, unless the files are far ahead of the
     * bytes, as when many small files come before a few large ones (a cache's usual order): then a
     * rate in bytes alone would promise hours for a save of seconds.
     */
    static long secondsLeft(double elapsed, long done, long total, long files, long filesTotal) {
        double share = (double) done / total;
        if (filesTotal > 0 && files <= filesTotal) {
            double fileShare = (double) files / filesTotal;
            if (fileShare > 2 * share) {
                share = fileShare;
            }
        }
        return share <= 0 || share >= 1 ? 0 : (long) Math.ceil(elapsed * (1 - share) / share);
    }

    static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return seconds / 60 + " min " + seconds % 60 + " s";
        }
        return seconds / 3600 + " h " + seconds % 3600 / 60 + " min";
    }

    /** Whether stderr is a terminal: its descriptor links to a tty on Linux; TERM=dumb says no. */
    static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (Exception e) {
            return false;
        }
    }
}
