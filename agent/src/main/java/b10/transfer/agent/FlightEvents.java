package b10.transfer.agent;

import b10.transfer.ops.LoadResult;
import b10.transfer.ops.SaveResult;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * JFR events, so that a flight recording of the server shows the restore and the saves beside
 * everything else: {@code b10.transfer.Restore}, {@code b10.transfer.Save} (status, key, files,
 * bytes, store; the event's duration is the operation's) and {@code b10.transfer.UnusedCache}.
 * Free when no recording runs (the JDK's events are disabled then). A runtime without the jdk.jfr
 * module only loses the events: every entry point catches the linkage error once and turns itself off.
 */
final class FlightEvents {
    private static volatile boolean off;

    private FlightEvents() {
    }

    @Name("b10.transfer.Restore")
    @Label("Compile cache restore")
    @Category("b10-transfer")
    static final class Restore extends Event {
        @Label("Started") @jdk.jfr.Timestamp(jdk.jfr.Timestamp.MILLISECONDS_SINCE_EPOCH) long started;
        @Label("Elapsed") @jdk.jfr.Timespan(jdk.jfr.Timespan.MILLISECONDS) long elapsed;
        @Label("Status") String status;
        @Label("Key") String key;
        @Label("Files") long files;
        @Label("Bytes") @DataAmount long bytes;
        @Label("Store") String store;
        @Label("Message") String message;
    }

    @Name("b10.transfer.Save")
    @Label("Compile cache save")
    @Category("b10-transfer")
    static final class Save extends Event {
        @Label("Status") String status;
        @Label("Trigger") String trigger;
        @Label("Key") String key;
        @Label("Files") long files;
        @Label("Bytes") @DataAmount long bytes;
        @Label("Store") String store;
        @Label("Message") String message;
    }

    @Name("b10.transfer.UnusedCache")
    @Label("Restored compile cache appears unused")
    @Category("b10-transfer")
    static final class UnusedCache extends Event {
        @Label("Key") String key;
        @Label("Restored files") long restoredFiles;
        @Label("New files") long newFiles;
    }

    /**
     * The restore, recorded once a recording runs. It ends before a recording given on the command
     * line starts (JFR starts after the agent's premain), so it is not timed by the event itself:
     * {@code started} and {@code elapsed} say when it ran, and the event is committed when a
     * recording is (or becomes) running. Called after the restore, off the start-up path.
     */
    static void restored(LoadResult r, long startedEpochMillis, String key, String store) {
        if (off) {
            return;
        }
        try {
            java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
            Runnable commit = () -> {
                if (once.compareAndSet(false, true)) {
                    Restore e = new Restore();
                    e.started = startedEpochMillis;
                    e.elapsed = r.millis();
                    e.status = r.status().name();
                    e.key = key;
                    e.files = r.files();
                    e.bytes = r.bytes();
                    e.store = store;
                    e.message = r.message();
                    e.commit();
                }
            };
            jdk.jfr.FlightRecorderListener listener = new jdk.jfr.FlightRecorderListener() {
                @Override
                public void recordingStateChanged(jdk.jfr.Recording recording) {
                    if (recording.getState() == jdk.jfr.RecordingState.RUNNING) {
                        commit.run();
                        jdk.jfr.FlightRecorder.removeListener(this);
                    }
                }
            };
            jdk.jfr.FlightRecorder.addListener(listener);
            // getFlightRecorder() would start JFR: ask only once it is up
            if (jdk.jfr.FlightRecorder.isInitialized() && jdk.jfr.FlightRecorder.getFlightRecorder().getRecordings().stream()
                    .anyMatch(rec -> rec.getState() == jdk.jfr.RecordingState.RUNNING)) {
                commit.run();
                jdk.jfr.FlightRecorder.removeListener(listener);
            }
        } catch (Throwable t) {
            off = true;
        }
    }

    static Object beginSave() {
        if (off) {
            return null;
        }
        try {
            Save e = new Save();
            e.begin();
            return e;
        } catch (Throwable t) {
            off = true;
            return null;
        }
    }

    static void endSave(Object begun, SaveResult s, String trigger, String key, String store) {
        if (begun == null || off) {
            return;
        }
        try {
            Save e = (Save) begun;
            e.end();
            if (e.shouldCommit()) {
                e.status = s.status().name();
                e.trigger = trigger;
                e.key = key;
                e.files = s.files();
                e.bytes = s.bytes();
                e.store = store;
                e.message = s.message();
                e.commit();
            }
        } catch (Throwable t) {
            off = true;
        }
    }

    static void unusedCache(String key, long restoredFiles, long newFiles) {
        if (off) {
            return;
        }
        try {
            UnusedCache e = new UnusedCache();
            if (e.shouldCommit()) {
                e.key = key;
                e.restoredFiles = restoredFiles;
                e.newFiles = newFiles;
                e.commit();
            }
        } catch (Throwable t) {
            off = true;
        }
    }
}
