package b10.transfer.archive;

import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where a restore's small files wait for their writer: packed one after another into a few large
 * arrays (slabs), each reused once every file in it is written. An array per file, even a pooled
 * one, kept tens of MiB of small arrays alive in the young generation, which every young collection
 * copied (a 2-core restore paused 30-70 ms four times, retaining nearly all of it); a slab of 4 MiB
 * is one object, and on heaps up to 8 GiB one G1 allocates outside the young generation and never
 * copies. The reading thread fills; writer threads release.
 * <p>Slabs are direct buffers: a file channel writes a heap buffer through a temporary direct copy
 * of it, which on 2 cores cost a copy of every byte restored and, as files grew, a fresh zeroed
 * buffer of each new largest size (a fifth of the restore's page faults). Where the JVM's direct
 * memory is used up (-XX:MaxDirectMemorySize), a slab is a heap buffer instead.
 */
final class ContentSlabs {
    /** One slab: its bytes, the filler's position, and the holds on it (one per unwritten file, one while filled). */
    static final class Slab {
        final ByteBuffer bytes;
        private int used;
        private int at;
        private final AtomicInteger holds = new AtomicInteger();

        private Slab(ByteBuffer bytes) {
            this.bytes = bytes;
        }

        /** Where the last reservation starts. */
        int at() {
            return at;
        }

        /** The last reservation's bytes, as a buffer of their own (its position and limit are the caller's). */
        ByteBuffer reserved(int size) {
            return bytes.slice(at, size);
        }
    }

    private final int slabBytes;
    private final int maxSlabs;
    private final ArrayDeque<Slab> free = new ArrayDeque<>();
    /** Slabs made so far. Guarded by this. */
    private int made;
    /** Whether the JVM refused a direct slab (its -XX:MaxDirectMemorySize used up). Guarded by this. */
    private boolean directRefused;
    /** The slab being filled; the filling thread's own. */
    private Slab filling;

    ContentSlabs(int slabBytes, int maxSlabs) {
        this.slabBytes = slabBytes;
        this.maxSlabs = maxSlabs;
    }

    /**
     * Room for {@code size} bytes (1 to the slab's size) at {@code slab.at()} of the slab
     * returned, which must be {@link #release released} once when the file is written. Waits while
     * every slab holds unwritten files and no more may be made.
     */
    Slab reserve(int size) throws InterruptedIOException {
        if (size < 1 || size > slabBytes) {
            throw new IllegalArgumentException("a reservation of " + size + " bytes in slabs of " + slabBytes);
        }
        if (filling == null || filling.used + size > slabBytes) {
            Slab full = filling;
            filling = null;
            if (full != null) {
                release(full); // the filler's own hold: the slab returns when its last file is written
            }
            Slab next = next();
            next.used = 0;
            next.holds.set(1);
            filling = next;
        }
        filling.at = filling.used;
        filling.used += size;
        filling.holds.incrementAndGet();
        return filling;
    }

    /** A file in {@code slab} is written (or will not be): its bytes may be reused. */
    void release(Slab slab) {
        if (slab.holds.decrementAndGet() == 0) {
            synchronized (this) {
                free.push(slab);
                notifyAll();
            }
        }
    }

    private synchronized Slab next() throws InterruptedIOException {
        try {
            while (free.isEmpty() && made >= maxSlabs) {
                wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the writers");
        }
        if (!free.isEmpty()) {
            return free.pop();
        }
        made++;
        return new Slab(allocate());
    }

    /** A direct buffer, or a heap one from the first time the JVM refuses direct memory on (each refusal costs it a collection). */
    private ByteBuffer allocate() {
        if (!directRefused) {
            try {
                return ByteBuffer.allocateDirect(slabBytes);
            } catch (OutOfMemoryError directMemoryUsedUp) {
                directRefused = true;
            }
        }
        return ByteBuffer.allocate(slabBytes);
    }
}
