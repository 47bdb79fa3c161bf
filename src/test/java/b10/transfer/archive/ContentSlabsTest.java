package b10.transfer.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The slabs small files wait in: packed in order, reused once written, bounded in number. */
class ContentSlabsTest {
    @Test
    void reservationsPackOneAfterAnother_andASlabIsReusedOnlyWhenAllItsFilesAreReleased() throws Exception {
        ContentSlabs slabs = new ContentSlabs(100, 4);
        ContentSlabs.Slab a = slabs.reserve(40);
        assertEquals(0, a.at());
        ContentSlabs.Slab b = slabs.reserve(60);
        assertSame(a, b);
        assertEquals(40, b.at());
        ContentSlabs.Slab c = slabs.reserve(1); // no room left: the next slab
        assertNotSame(a, c);
        assertEquals(0, c.at());
        slabs.release(a);
        ContentSlabs.Slab d = slabs.reserve(100); // a still holds an unwritten file: a third slab
        assertNotSame(a, d);
        slabs.release(b); // a's last file: a is free now
        ContentSlabs.Slab e = slabs.reserve(1);
        assertSame(a, e);
        assertEquals(0, e.at());
    }

    @Test
    void atTheBound_aReservationWaitsForAWriterToRelease() throws Exception {
        ContentSlabs slabs = new ContentSlabs(10, 2);
        ContentSlabs.Slab first = slabs.reserve(10);
        ContentSlabs.Slab second = slabs.reserve(10);
        CompletableFuture<ContentSlabs.Slab> third = CompletableFuture.supplyAsync(() -> {
            try {
                return slabs.reserve(10);
            } catch (java.io.InterruptedIOException e) {
                throw new IllegalStateException(e);
            }
        });
        // both slabs hold an unwritten file, and no third may be made
        assertThrows(TimeoutException.class, () -> third.get(300, TimeUnit.MILLISECONDS));
        slabs.release(first);
        assertSame(first, third.get(10, TimeUnit.SECONDS));
        assertNotSame(first, second);
    }

    @Test
    void aReservationOutsideTheSlab_isRefused() {
        ContentSlabs slabs = new ContentSlabs(10, 2);
        assertThrows(IllegalArgumentException.class, () -> slabs.reserve(11));
        assertThrows(IllegalArgumentException.class, () -> slabs.reserve(0));
    }
}
