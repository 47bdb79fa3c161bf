package b10.transfer.ops;

import b10.transfer.CacheOperationInterrupted;
import b10.transfer.archive.TransferControl;
import b10.transfer.base.PausePoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One running operation's progress, cancellation and free-space watch. The worker calls
 * {@link #checkpoint()} often; a cancel, a passed deadline or free space under a watched minimum
 * makes the next checkpoint throw, and the operation unwinds, removing its temporaries.
 */
public final class OperationControl implements TransferControl {
    /**
     * A control for one operation of these settings, watching free space as they ask
     * (B10_TRANSFER_MIN_FREE_MB): the one place the agent, the CLI and the library get theirs from.
     */
    public static OperationControl of(b10.transfer.config.Settings s) {
        OperationControl c = new OperationControl();
        if (s.minFreeBytes > 0) {
            c.watchFreeSpace(s.localCacheDir, s.minFreeBytes);
            if (s.store instanceof b10.transfer.config.StoreLocation.Directory d) {
                c.watchFreeSpace(d.dir(), s.minFreeBytes);
            }
        }
        return c;
    }

    private final AtomicLong bytesDone = new AtomicLong();
    private final AtomicLong filesDone = new AtomicLong();
    private volatile long bytesTotal = -1;
    private volatile long filesTotal = -1;
    private volatile String cancelReason;
    private final List<Watch> watches = new ArrayList<>();
    private volatile Consumer<OperationControl> onProgress;
    private volatile Runnable onFinish;
    private long nextSpaceCheck;

    private record Watch(Path path, long minFreeBytes) {
    }

    /** Stops the operation at its next checkpoint with a CacheOperationInterrupted when free space under path drops below the minimum. */
    public OperationControl watchFreeSpace(Path path, long minFreeBytes) {
        watches.add(new Watch(path, minFreeBytes));
        return this;
    }

    public OperationControl onProgress(Consumer<OperationControl> listener) {
        this.onProgress = listener;
        return this;
    }

    /** Runs once the operation has its result, before the result is logged (the CLI ends its progress line there). */
    public OperationControl onFinish(Runnable listener) {
        this.onFinish = listener;
        return this;
    }

    /** Called by the operation's runner when it has a result; runs the finish listener once. */
    public void finish() {
        Runnable r = onFinish;
        onFinish = null;
        if (r != null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                // a listener's failure is not the operation's
            }
        }
    }

    private volatile SaveResult settled;

    /**
     * Records the result an operation has earned before its optional last steps (a save's
     * compaction): what its runner reports if the bound cuts those steps, instead of an error for
     * something that did happen.
     */
    public void settle(SaveResult result) {
        settled = result;
    }

    public SaveResult settled() {
        return settled;
    }

    public void cancel(String reason) {
        if (cancelReason == null) {
            cancelReason = reason;
        }
    }

    public boolean cancelled() {
        return cancelReason != null;
    }

    @Override
    public void progress(long bytes, long files) {
        bytesDone.set(bytes);
        long before = filesDone.getAndSet(files);
        if (PausePoints.armed() && filesTotal > 0 && before * 2 < filesTotal && files * 2 >= filesTotal) {
            PausePoints.reach("mid-transfer");
        }
        Consumer<OperationControl> l = onProgress;
        if (l != null) {
            l.accept(this);
        }
    }

    @Override
    public void totals(long bytes, long files) {
        bytesTotal = bytes;
        filesTotal = files;
    }

    @Override
    public void checkpoint() {
        String reason = cancelReason;
        if (reason != null) {
            throw new CancellationException(reason);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("interrupted");
        }
        long now = System.nanoTime();
        if (!watches.isEmpty() && now - nextSpaceCheck >= 0) {
            nextSpaceCheck = now + 100_000_000L; // at most every 100 ms: a statfs is cheap, not free
            checkFreeSpace();
        }
    }

    public boolean watchesFreeSpace() {
        return !watches.isEmpty();
    }

    /** Throws CacheOperationInterrupted when a watched path has less free space than its minimum. */
    public void checkFreeSpace() {
        for (Watch w : watches) {
            checkSpace(w);
        }
    }

    private static void checkSpace(Watch w) {
        Path p = w.path;
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return;
        }
        try {
            long free = Files.getFileStore(p).getUsableSpace();
            if (free < w.minFreeBytes) {
                throw new CacheOperationInterrupted("free space at " + w.path + " fell to " + free / (1024 * 1024)
                        + " MiB, below the minimum of " + w.minFreeBytes / (1024 * 1024) + " MiB");
            }
        } catch (IOException e) {
            // cannot tell: writes will report a full disk themselves
        }
    }

    public long bytesDone() {
        return bytesDone.get();
    }

    public long filesDone() {
        return filesDone.get();
    }

    public long bytesTotal() {
        return bytesTotal;
    }

    public long filesTotal() {
        return filesTotal;
    }
}
