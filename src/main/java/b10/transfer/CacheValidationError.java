package b10.transfer;

/** A path, setting or archive failed validation (bad configuration, hostile or corrupt archive). */
public class CacheValidationError extends CacheError {
    public CacheValidationError(String message) {
        super(message);
    }

    public CacheValidationError(String message, Throwable cause) {
        super(message, cause);
    }
}
