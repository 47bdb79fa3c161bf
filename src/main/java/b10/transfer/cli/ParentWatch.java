package b10.transfer.cli;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * In a JVM that {@link OneShotJvm} started: ends it when the JVM that waits for it is gone. That
 * one forwards the signals that end it, but not SIGKILL; without this, a restore whose command was
 * killed would run on unowned. Linux only (where the relaunch is): the parent's pid is read from
 * {@code /proc/self/stat}, which changes when the parent dies and this process is given to another.
 */
final class ParentWatch {
    static final long INTERVAL_MS = 250;

    private ParentWatch() {
    }

    /** Starts the watch where this JVM was started by the CLI's relaunch; does nothing otherwise. */
    static void startIfRelaunched() {
        String expected = System.getProperty(OneShotJvm.PARENT_PROPERTY);
        if (expected == null || parentPid(Path.of("/proc/self/stat")) == null) {
            return;
        }
        Thread t = new Thread(() -> {
            while (true) {
                String now = parentPid(Path.of("/proc/self/stat"));
                if (now != null && !now.equals(expected)) {
                    Runtime.getRuntime().halt(1); // as if killed with it: the store and the cache stay whole
                }
                try {
                    Thread.sleep(INTERVAL_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "b10-transfer-parent-watch");
        t.setDaemon(true);
        t.start();
    }

    /** The parent's pid from a {@code /proc/<pid>/stat} file (its fourth field, after the command's closing parenthesis), or null. */
    static String parentPid(Path stat) {
        String s;
        // a FileInputStream, not Files: a channel would keep a direct buffer on this thread, memory the restore may want
        try (FileInputStream in = new FileInputStream(stat.toFile())) {
            s = new String(in.readNBytes(4096), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        int close = s.lastIndexOf(')');
        if (close < 0) {
            return null;
        }
        String[] fields = s.substring(close + 1).trim().split(" ");
        return fields.length > 1 ? fields[1] : null;
    }
}
