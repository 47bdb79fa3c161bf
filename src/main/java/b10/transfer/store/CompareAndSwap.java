package b10.transfer.store;

import b10.transfer.archive.TransferControl;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * The stores' one compare-and-swap loop: read a value and its version, compute the next value,
 * write it on the condition that the version is unchanged, and go around again when another
 * writer got there first or the answer was lost. A store gives only the read and the conditional
 * write (an ETag and If-Match on S3, a file's identity and a rename in a directory); the loop,
 * its bound, the back-off and the read-back live here.
 */
public final class CompareAndSwap {
    /** Enough for dozens of savers of one key at once; each attempt costs a read and a write. */
    public static final int MAX_ATTEMPTS = 50;

    /** A value and the version it was read at (an ETag, a file's identity). */
    public record Current<V>(V value, String version) {
    }

    /** What a store offers for one versioned value. */
    public interface Versioned<V> {
        /** The value now; null where there is none yet. */
        Current<V> read() throws IOException;

        /**
         * Writes {@code next} unless the value changed since {@code seen} was read (with
         * {@code seen} null: unless one exists now). Returns null where it was written, else why
         * not (another writer's change, or no answer), which is thrown once the attempts run out.
         */
        RuntimeException tryWrite(Current<V> seen, V next) throws IOException;

        /**
         * Whether a write that was told yes must be read back: true where a server may check the
         * condition and write in two steps (S3-compatible servers), false where the write is one
         * atomic step (a rename).
         */
        default boolean readBackAfterWrite() {
            return true;
        }
    }

    /** The next value from the current one (null where there is none); null to give up. */
    public interface Update<V> {
        V next(V current) throws IOException;
    }

    private CompareAndSwap() {
    }

    /**
     * Applies the update until it lands; returns the value written, or the value read where it
     * already holds our change ({@code ours}: an earlier attempt landed and its answer was lost),
     * or null where the update gave up. After a write the value is read back: some servers check
     * the condition and write in two steps, so two racing writers can both be told yes.
     */
    public static <V> V apply(Versioned<V> target, Update<V> update, Predicate<V> ours, TransferControl control)
            throws IOException {
        for (int attempt = 1; ; attempt++) {
            control.checkpoint();
            Current<V> current = target.read();
            if (current != null && ours.test(current.value())) {
                return current.value();
            }
            V next = update.next(current == null ? null : current.value());
            if (next == null) {
                return null;
            }
            RuntimeException refused = target.tryWrite(current, next);
            boolean last = attempt >= MAX_ATTEMPTS;
            if (refused == null) {
                if (!target.readBackAfterWrite()) {
                    return next;
                }
                Current<V> after = target.read();
                if (last || after != null && ours.test(after.value())) {
                    return next;
                }
            } else if (last) {
                throw refused;
            } else {
                backOff(attempt);
            }
        }
    }

    private static void backOff(int attempt) throws IOException {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20L * Math.min(attempt, 10)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while publishing");
        }
    }
}
