package b10.transfer.archive;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * The small files' writes of an extraction, in lanes: a lane runs its writes one after another,
 * on whichever writer thread is free, and a run of files in one directory goes to one lane, the
 * next directory to the next lane. So two writers do not create files in one directory at once:
 * creating a file holds its directory's lock, and on ext4 an inode's allocation can be slow (after
 * many deletions it passes over the recently deleted ones one by one); a second writer in the same
 * directory then spins on the lock, burning a CPU (a quarter of a 2-core restore's CPU on the build
 * machine's disk) where in another directory it would have allocated in parallel. A directory of
 * more than {@link #RUN} files is spread over the lanes {@link #RUN} files at a time, so that it
 * is still written by every writer. Used by the one thread that reads the archive.
 */
final class WriteLanes {
    /** The most files of one directory given to one lane in a row. */
    static final int RUN = 32;

    private final Lane[] lanes;
    private int lane;
    private int inLane;

    WriteLanes(Executor writers, int count) {
        lanes = new Lane[Math.max(1, count)];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new Lane(writers);
        }
    }

    /**
     * Queues a write: in the lane of the write before it where {@code sameDirectory} (the file is
     * in that one's directory), else in the next lane. Throws as the writers' executor does where
     * it refuses the lane's runner; the write is then not queued.
     */
    void add(Runnable write, boolean sameDirectory) {
        if (!sameDirectory || ++inLane > RUN) {
            lane = (lane + 1) % lanes.length;
            inLane = 1;
        }
        lanes[lane].add(write);
    }

    /** One lane: its writes in order, one at a time; its runner is on the executor while it has writes. */
    private static final class Lane implements Runnable {
        private final Executor writers;
        private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
        /** Whether this lane's runner is queued on or running in the executor. */
        private boolean scheduled;

        Lane(Executor writers) {
            this.writers = writers;
        }

        void add(Runnable write) {
            synchronized (this) {
                queue.add(write);
                if (scheduled) {
                    return;
                }
                scheduled = true;
            }
            try {
                writers.execute(this);
            } catch (RuntimeException e) {
                synchronized (this) { // the runner had ended with the queue empty: this write is the only one queued
                    queue.clear();
                    scheduled = false;
                }
                throw e;
            }
        }

        @Override
        public void run() {
            while (true) {
                Runnable w;
                synchronized (this) {
                    w = queue.poll();
                    if (w == null) {
                        scheduled = false;
                        return;
                    }
                }
                try {
                    w.run();
                } catch (RuntimeException | Error e) {
                    // a write reports its own failure (the extraction's writes record it); the lane's others still run
                }
            }
        }
    }
}
