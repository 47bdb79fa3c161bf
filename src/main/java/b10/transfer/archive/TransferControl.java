package b10.transfer.archive;

/**
 * How a running transfer reports progress and learns it must stop. The archive code calls
 * {@link #checkpoint()} between entries and between chunks of large files, so a cancel or a
 * free-space monitor takes effect within one chunk.
 */
public interface TransferControl {
    TransferControl NONE = new TransferControl() {
    };

    /** Called as bytes and files are done (cumulative counts). */
    default void progress(long bytesDone, long filesDone) {
    }

    /** The totals, once known. */
    default void totals(long bytesTotal, long filesTotal) {
    }

    /** Throws (CancellationException, CacheOperationInterrupted) to stop the transfer. */
    default void checkpoint() {
    }
}
