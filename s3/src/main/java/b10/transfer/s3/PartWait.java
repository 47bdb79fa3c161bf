package b10.transfer.s3;

import b10.transfer.archive.TransferControl;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for one part of a transfer without missing a cancel or a timeout: the control is checked every second. */
final class PartWait {
    private PartWait() {
    }

    /** The part's result; its failure as thrown (the SDK's own exceptions are named by the store), or as an IOException. */
    static <T> T await(Future<T> part, TransferControl control, String doing) throws IOException {
        try {
            while (true) {
                try {
                    return part.get(1, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    control.checkpoint();
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(doing + " failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while " + doing);
        }
    }
}
