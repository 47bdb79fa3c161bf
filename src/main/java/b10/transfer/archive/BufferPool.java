package b10.transfer.archive;

import java.util.ArrayDeque;

/**
 * Byte arrays handed back and taken again, by power-of-two size classes, so that a restore's
 * hundreds of MiB of file contents pass through a few MiB of arrays. A fresh array per file cost
 * the restore its zeroing, a page fault per 4 KiB of heap first touched and the collections of a
 * heap churned through several times (on 2 cores a JFR profile put the tar reader's time mostly in
 * allocating its arrays). An array taken is at least the size asked for: its user keeps the length.
 * At most {@code maxPooledBytes} wait in the pool; what is handed back beyond that is left to the
 * collector.
 */
final class BufferPool {
    private static final int SMALLEST_CLASS = 12; // 4 KiB

    @SuppressWarnings("unchecked")
    private final ArrayDeque<byte[]>[] free = new ArrayDeque[31];
    private final long maxPooledBytes;
    private long pooledBytes;

    BufferPool(long maxPooledBytes) {
        this.maxPooledBytes = maxPooledBytes;
    }

    /** An array of at least {@code size} bytes; its content is whatever its last user left. */
    byte[] take(int size) {
        int c = sizeClass(size);
        if (c >= free.length) {
            return new byte[size];
        }
        synchronized (this) {
            ArrayDeque<byte[]> q = free[c];
            byte[] b = q == null ? null : q.poll();
            if (b != null) {
                pooledBytes -= b.length;
                return b;
            }
        }
        return new byte[1 << c];
    }

    /** Hands an array back; its user must hold no reference to it any more. */
    void give(byte[] b) {
        int c = sizeClass(b.length);
        if (c >= free.length || b.length != 1 << c) {
            return; // not one of ours
        }
        synchronized (this) {
            if (pooledBytes + b.length > maxPooledBytes) {
                return;
            }
            if (free[c] == null) {
                free[c] = new ArrayDeque<>();
            }
            free[c].push(b);
            pooledBytes += b.length;
        }
    }

    private static int sizeClass(int size) {
        return size <= 1 << SMALLEST_CLASS ? SMALLEST_CLASS : 32 - Integer.numberOfLeadingZeros(size - 1);
    }
}
