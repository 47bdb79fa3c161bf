package b10.transfer;

/** An operation stopped because free space fell below the minimum; the message names the path and the numbers. */
public class CacheOperationInterrupted extends CacheError {
    public CacheOperationInterrupted(String message) {
        super(message);
    }

    public CacheOperationInterrupted(String message, Throwable cause) {
        super(message, cause);
    }
}
