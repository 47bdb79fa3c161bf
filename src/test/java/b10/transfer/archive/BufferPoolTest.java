package b10.transfer.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BufferPoolTest {
    @Test
    void arraysAreReusedBySizeClass_withinTheBound_andForeignOnesAreLeft() {
        BufferPool pool = new BufferPool(64 << 10);
        byte[] small = pool.take(1);
        assertEquals(4096, small.length, "the smallest class is 4 KiB");
        byte[] odd = pool.take(5000);
        assertEquals(8192, odd.length, "rounded up to a power of two");
        assertEquals(8192, pool.take(8192).length, "a power of two is its own class");

        pool.give(odd);
        assertSame(odd, pool.take(6000), "handed back, taken again by any size of its class");
        assertNotSame(odd, pool.take(6000), "taken once only");

        byte[] foreign = new byte[5000];
        pool.give(foreign);
        assertNotSame(foreign, pool.take(5000), "an array not of a class is not pooled");

        byte[] a = pool.take(32 << 10);
        byte[] b = pool.take(32 << 10);
        byte[] c = pool.take(32 << 10);
        pool.give(a);
        pool.give(b);
        pool.give(c); // past the 64 KiB bound: left to the collector
        byte[] first = pool.take(32 << 10);
        byte[] second = pool.take(32 << 10);
        byte[] third = pool.take(32 << 10);
        assertTrue((first == b || first == a) && (second == a || second == b) && third != c, "two kept, the third not");
    }
}
