package b10.transfer.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WriteLanesTest {
    /** A write that takes a little time and records which directory it was in, on which thread, and how many of its directory ran with it. */
    static final class Write implements Runnable {
        final String dir;
        final int index;
        final Map<String, AtomicInteger> running;
        final List<String> order;
        final CountDownLatch done;
        volatile int concurrentInDir;
        volatile String thread;

        Write(String dir, int index, Map<String, AtomicInteger> running, List<String> order, CountDownLatch done) {
            this.dir = dir;
            this.index = index;
            this.running = running;
            this.order = order;
            this.done = done;
        }

        @Override
        public void run() {
            AtomicInteger r = running.computeIfAbsent(dir, k -> new AtomicInteger());
            concurrentInDir = r.incrementAndGet();
            thread = Thread.currentThread().getName();
            try {
                Thread.sleep(0, 200_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (order) {
                order.add(dir + "#" + index);
            }
            r.decrementAndGet();
            done.countDown();
        }
    }

    @Test
    void aDirectorysFilesAreWrittenOneAtATime_inOrder_whileOtherDirectoriesRunAlongside() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
            List<String> order = new ArrayList<>();
            List<Write> writes = new ArrayList<>();
            int[] sizes = {8, 1, 2, 8, 32, 8, 3, 8, 8, 1, 8, 20, 8, 8, 5, 8};
            int total = 0;
            for (int size : sizes) {
                total += size;
            }
            CountDownLatch done = new CountDownLatch(total * 4);
            WriteLanes lanes = new WriteLanes(pool, 3);
            for (int round = 0; round < 4; round++) {
                for (int d = 0; d < sizes.length; d++) {
                    for (int i = 0; i < sizes[d]; i++) {
                        Write w = new Write("r" + round + "/d" + d, i, running, order, done);
                        writes.add(w);
                        lanes.add(w, i > 0);
                    }
                }
            }
            assertTrue(done.await(60, TimeUnit.SECONDS));
            Set<String> threads = new HashSet<>();
            for (Write w : writes) {
                assertEquals(1, w.concurrentInDir, "another write of " + w.dir + " ran alongside #" + w.index);
                threads.add(w.thread);
            }
            assertEquals(3, threads.size(), "every writer thread wrote: " + threads);
            Map<String, Integer> last = new java.util.HashMap<>();
            for (String o : order) {
                String dir = o.substring(0, o.indexOf('#'));
                int index = Integer.parseInt(o.substring(o.indexOf('#') + 1));
                assertEquals(last.getOrDefault(dir, -1) + 1, index, "in archive order within " + dir + ": " + order);
                last.put(dir, index);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aDirectoryOfManyFiles_isSpreadOverTheLanesARunAtATime() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
            List<String> order = new ArrayList<>();
            List<Write> writes = new ArrayList<>();
            int files = WriteLanes.RUN * 8;
            CountDownLatch done = new CountDownLatch(files);
            WriteLanes lanes = new WriteLanes(pool, 2);
            for (int i = 0; i < files; i++) {
                Write w = new Write("flat", i, running, order, done);
                writes.add(w);
                lanes.add(w, i > 0);
            }
            assertTrue(done.await(60, TimeUnit.SECONDS));
            assertEquals(files, order.size());
            assertTrue(writes.stream().anyMatch(w -> w.concurrentInDir == 2),
                    "a flat directory still keeps both writers busy (its runs of " + WriteLanes.RUN + " in different lanes)");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRefusedRunner_leavesTheWriteUnqueued_andTheLaneUsable() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        WriteLanes lanes = new WriteLanes(pool, 1);
        pool.shutdown();
        AtomicInteger ran = new AtomicInteger();
        assertThrows(RejectedExecutionException.class, () -> lanes.add(ran::incrementAndGet, false));
        ExecutorService second = Executors.newSingleThreadExecutor();
        try {
            // a lane whose runner was refused is not left marked as running: a new lane set over a live pool runs
            WriteLanes again = new WriteLanes(second, 1);
            CountDownLatch one = new CountDownLatch(1);
            again.add(one::countDown, false);
            assertTrue(one.await(10, TimeUnit.SECONDS));
            assertEquals(0, ran.get(), "the refused write never ran");
            assertThrows(RejectedExecutionException.class, () -> lanes.add(ran::incrementAndGet, true),
                    "the refused lane tries its executor again (it is not left marked as running)");
        } finally {
            second.shutdownNow();
        }
    }
}
