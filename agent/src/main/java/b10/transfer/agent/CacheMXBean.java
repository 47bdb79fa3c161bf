package b10.transfer.agent;

/**
 * What the agent did in this JVM, as the MBean {@code b10.transfer:type=Cache}: any JMX console or
 * exporter (the Prometheus JMX exporter, OpenTelemetry's JMX metrics) reads it without code.
 * Statuses are the words the log uses (SUCCESS, SKIPPED, DOES_NOT_EXIST, ERROR); "NONE" before the
 * first restore or save.
 */
public interface CacheMXBean {
    String getKey();

    String getStore();

    String getLocalCacheDir();

    String getLastRestoreStatus();

    String getLastRestoreMessage();

    long getRestoredFiles();

    long getRestoredBytes();

    long getRestoreMillis();

    String getLastSaveStatus();

    String getLastSaveMessage();

    long getSavedFiles();

    long getSavedBytes();

    long getSaveMillis();

    /** Files in the local cache that were not there after the restore (a directory walk, on each read). */
    long getNewFilesSinceRestore();

    /** True once the restored cache appeared unused (many new files soon after a restore: a wrong key?). */
    boolean isUnusedCache();
}
