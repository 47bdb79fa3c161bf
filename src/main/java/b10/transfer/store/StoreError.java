package b10.transfer.store;

import b10.transfer.CacheError;

/** A failure of the store that names the object or path it concerns, in the store's own terms (an S3 URI, say). */
public class StoreError extends CacheError {
    public StoreError(String message) {
        super(message);
    }

    public StoreError(String message, Throwable cause) {
        super(message, cause);
    }
}
