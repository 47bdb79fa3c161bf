package b10.transfer;

/** Base of the errors of cache operations; the message names the cause and the path involved. */
public class CacheError extends RuntimeException {
    public CacheError(String message) {
        super(message);
    }

    public CacheError(String message, Throwable cause) {
        super(message, cause);
    }
}
