package b10.transfer.async;

/** Where an asynchronous operation stands, as in the Python package. */
public enum AsyncTransferStatus {
    NOT_STARTED, IN_PROGRESS, SUCCESS, ERROR,
    /** Stopped because free space fell below the configured minimum. */
    INTERRUPTED,
    /** Stopped by {@code cancelTransfer}; the local cache and the store are as they were. */
    CANCELLED;

    public boolean finished() {
        return this != NOT_STARTED && this != IN_PROGRESS;
    }
}
