package b10.transfer.async;

import b10.transfer.CacheOperationInterrupted;
import b10.transfer.LoadStatus;
import b10.transfer.SaveStatus;
import b10.transfer.ops.CacheOperations;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.Operations;
import b10.transfer.ops.SaveResult;
import b10.transfer.ops.OperationControl;
import b10.transfer.base.Workers;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The registry of asynchronous operations in this JVM. Each runs on its own daemon thread
 * ({@code b10-transfer-async-<name>}); progress callbacks run on one separate daemon thread, at
 * most ten times a second, so a slow or throwing callback never slows or breaks a transfer.
 * Finished operations are kept for {@link #KEEP_FINISHED} and at most {@link #MAX_FINISHED} of
 * them, so a long-running server that starts many operations does not grow without bound.
 */
public final class AsyncTransfers {
    public static final Duration KEEP_FINISHED = Duration.ofMinutes(10);
    public static final int MAX_FINISHED = 256;
    private static final long CALLBACK_EVERY_NANOS = 100_000_000L;

    private static final Map<String, Operation> OPS = new ConcurrentHashMap<>();
    private static volatile ExecutorService callbacks;

    private AsyncTransfers() {
    }

    /** What the body of a cache operation reports when it ends. */
    public record Outcome(boolean failed, String message, Throwable error) {
    }

    /**
     * Starts a cache operation (load or save) whose body checks {@code control} at its checkpoints;
     * a cancel makes the next checkpoint stop it, and the body removes its own temporaries.
     */
    public static String start(String name, OperationControl control, Function<OperationControl, Outcome> body,
                               Consumer<String> progress) {
        return startTyped(name, control, body, lines(progress));
    }

    /** The same, with each progress snapshot given as it is (status, bytes and files done and total). */
    public static String startTyped(String name, OperationControl control, Function<OperationControl, Outcome> body,
                                    Consumer<TransferProgress> progress) {
        Operation op = register(name, control, progress, false);
        control.onProgress(c -> op.progressed(false));
        op.run(() -> {
            Outcome o = body.apply(control);
            op.finish(o.failed ? statusOfFailure(op, o.error) : AsyncTransferStatus.SUCCESS,
                    o.failed ? o.message : null, o.message);
        });
        return op.id;
    }

    /**
     * Starts {@code callback.accept(source, dest)}. It has no checkpoints, so cancel and a free-space
     * watch interrupt its thread: a callback that does blocking I/O through interruptible channels
     * (or checks {@link Thread#interrupted()}) stops promptly.
     */
    /** A line callback as a snapshot callback: each snapshot described in one line (see {@link #describe}). */
    public static Consumer<TransferProgress> lines(Consumer<String> lines) {
        return lines == null ? null : p -> lines.accept(describe(p));
    }

    /** A load of these operations' settings, with the free-space watch they ask for. */
    public static String load(Operations ops, boolean force, Consumer<TransferProgress> progress) {
        return startTyped("load", ops.newControl(), c -> {
            LoadResult r = ops.loadAndReport(force, c);
            return new Outcome(r.status() == LoadStatus.ERROR, r.status() + ": " + r.message(), r.error());
        }, progress);
    }

    public static String save(Operations ops, Consumer<TransferProgress> progress) {
        return startTyped("save", ops.newControl(), c -> {
            SaveResult r = ops.saveAndReport(c);
            return new Outcome(r.status() == SaveStatus.ERROR, r.status() + ": " + r.message(), r.error());
        }, progress);
    }

    public static String transfer(Path source, Path dest, BiConsumer<Path, Path> callback, String name, TransferOptions options) {
        OperationControl control = new OperationControl();
        if (options != null && options.localPath() != null) {
            control.watchFreeSpace(options.localPath(), options.minFreeLocalBytes());
        }
        if (options != null && options.storePath() != null) {
            control.watchFreeSpace(options.storePath(), options.minFreeStoreBytes());
        }
        Operation op = register(name, control, null, true);
        op.run(() -> {
            Throwable failure = null;
            try {
                callback.accept(source, dest);
            } catch (Throwable t) {
                failure = t;
            }
            String why = op.interruptedBy;
            if (why != null) {
                op.finish(AsyncTransferStatus.INTERRUPTED, why, null);
            } else if (op.cancelRequested) {
                op.finish(AsyncTransferStatus.CANCELLED, "cancelled", null);
            } else if (failure != null) {
                op.finish(AsyncTransferStatus.ERROR, String.valueOf(failure), null);
            } else {
                op.finish(AsyncTransferStatus.SUCCESS, null, "done");
            }
        });
        return op.id;
    }

    /** @return the operation's state, or null for an id never issued or already forgotten */
    public static TransferProgress status(String id) {
        Operation op = OPS.get(id);
        return op == null ? null : op.snapshot();
    }

    /** Asks the operation to stop; true when it was still running. Its final status says how it ended. */
    public static boolean cancel(String id) {
        Operation op = OPS.get(id);
        if (op == null || op.status.finished()) {
            return false;
        }
        op.cancelRequested = true;
        op.control.cancel("cancelled by cancelTransfer");
        Thread t = op.worker;
        if (t != null && op.generic) {
            t.interrupt(); // a generic callback has no checkpoints
        }
        return true;
    }

    /** @return true when the operation finished within the timeout; it keeps running otherwise */
    public static boolean await(String id, Duration timeout) {
        CompletableFuture<TransferProgress> f = future(id);
        try {
            if (timeout == null) {
                f.get();
            } else {
                f.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true; // not thrown: operations complete the future normally, whatever their status
        }
    }

    /** A future completed with the final snapshot; completing or cancelling it does not touch the operation. */
    public static CompletableFuture<TransferProgress> future(String id) {
        Operation op = OPS.get(id);
        if (op == null) {
            throw new IllegalArgumentException("unknown operation id '" + id + "' (never issued, or finished more than "
                    + KEEP_FINISHED.toMinutes() + " minutes ago)");
        }
        return op.done.copy();
    }

    /** Operations not yet finished. */
    public static Map<String, TransferProgress> active() {
        prune();
        Map<String, TransferProgress> m = new LinkedHashMap<>();
        OPS.values().stream().filter(o -> !o.status.finished()).sorted(Comparator.comparing(o -> o.startedAt))
                .forEach(o -> m.put(o.id, o.snapshot()));
        return m;
    }

    /** How many operations, running or finished, the registry holds now. */
    static int held() {
        return OPS.size();
    }

    private static AsyncTransferStatus statusOfFailure(Operation op, Throwable error) {
        if (op.cancelRequested) {
            return AsyncTransferStatus.CANCELLED;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof CacheOperationInterrupted) {
                return AsyncTransferStatus.INTERRUPTED;
            }
        }
        return AsyncTransferStatus.ERROR;
    }

    private static Operation register(String name, OperationControl control, Consumer<TransferProgress> progress, boolean generic) {
        prune();
        Operation op = new Operation(UUID.randomUUID().toString(), name, control, progress, generic);
        OPS.put(op.id, op);
        return op;
    }

    private static void prune() {
        Instant cutoff = Instant.now().minus(KEEP_FINISHED);
        List<Operation> finished = new ArrayList<>();
        for (Operation o : OPS.values()) {
            Instant done = o.completedAt;
            if (done != null && done.isBefore(cutoff)) {
                OPS.remove(o.id);
            } else if (done != null) {
                finished.add(o);
            }
        }
        if (finished.size() > MAX_FINISHED) {
            finished.sort(Comparator.comparing(o -> o.completedAt));
            for (Operation o : finished.subList(0, finished.size() - MAX_FINISHED)) {
                OPS.remove(o.id);
            }
        }
    }

    private static ExecutorService callbacks() {
        ExecutorService e = callbacks;
        if (e == null) {
            synchronized (AsyncTransfers.class) {
                if (callbacks == null) {
                    callbacks = Executors.newSingleThreadExecutor(Workers.daemons("callbacks"));
                }
                e = callbacks;
            }
        }
        return e;
    }

    private static final class Operation {
        final String id;
        final String name;
        final OperationControl control;
        final Consumer<TransferProgress> progress;
        final Instant startedAt = Instant.now();
        final CompletableFuture<TransferProgress> done = new CompletableFuture<>();
        volatile AsyncTransferStatus status = AsyncTransferStatus.NOT_STARTED;
        volatile Instant completedAt;
        volatile String error;
        volatile String result;
        volatile boolean cancelRequested;
        volatile String interruptedBy;
        /** A generic transfer: no checkpoints, so cancel and the space watch interrupt its thread. */
        final boolean generic;
        volatile Thread worker;
        private long nextCallback;

        Operation(String id, String name, OperationControl control, Consumer<TransferProgress> progress, boolean generic) {
            this.id = id;
            this.name = name;
            this.control = control;
            this.progress = progress;
            this.generic = generic;
        }

        void run(Runnable body) {
            Thread t = Workers.daemon("async-" + name, () -> {
                status = AsyncTransferStatus.IN_PROGRESS;
                Thread monitor = generic && control.watchesFreeSpace() ? startWatch() : null;
                try {
                    body.run();
                } catch (Throwable e) {
                    finish(AsyncTransferStatus.ERROR, String.valueOf(e), null);
                } finally {
                    if (monitor != null) {
                        monitor.interrupt();
                    }
                }
            });
            worker = t;
            t.start();
        }

        /** Free-space checks for a generic transfer, which has no checkpoints of its own: the control's watches, every 100 ms. */
        private Thread startWatch() {
            Thread m = Workers.daemon("async-watch", () -> {
                while (!status.finished()) {
                    try {
                        control.checkFreeSpace();
                        Thread.sleep(100);
                    } catch (CacheOperationInterrupted e) {
                        interruptedBy = e.getMessage();
                        worker.interrupt();
                        return;
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            m.start();
            return m;
        }

        void progressed(boolean last) {
            Consumer<TransferProgress> cb = progress;
            if (cb == null) {
                return;
            }
            long now = System.nanoTime();
            synchronized (this) {
                if (!last && now - nextCallback < 0) {
                    return;
                }
                nextCallback = now + CALLBACK_EVERY_NANOS;
            }
            TransferProgress line = snapshot();
            try {
                callbacks().execute(() -> {
                    try {
                        cb.accept(line);
                    } catch (Throwable ignored) {
                        // a callback's failure is the caller's, never the transfer's
                    }
                });
            } catch (RuntimeException rejected) {
                // the callback thread is gone (JVM shutting down): drop the line
            }
        }

        void finish(AsyncTransferStatus s, String errorMessage, String resultMessage) {
            if (status.finished()) {
                return;
            }
            error = errorMessage;
            result = resultMessage;
            completedAt = Instant.now();
            status = s;
            progressed(true);
            done.complete(snapshot());
        }

        TransferProgress snapshot() {
            return new TransferProgress(id, name, status, startedAt, completedAt, error, control.bytesDone(),
                    control.bytesTotal(), control.filesDone(), control.filesTotal(), result);
        }
    }

    /** One line for a progress callback: "load IN_PROGRESS: 12.5 of 420.0 MiB, 1200 of 10000 files". */
    static String describe(TransferProgress p) {
        StringBuilder b = new StringBuilder(p.operationName()).append(' ').append(p.status()).append(": ")
                .append(CacheOperations.mibNumber(p.bytesDone()));
        if (p.bytesTotal() >= 0) {
            b.append(" of ").append(CacheOperations.mibNumber(p.bytesTotal()));
        }
        b.append(" MiB, ").append(p.filesDone());
        if (p.filesTotal() >= 0) {
            b.append(" of ").append(p.filesTotal());
        }
        b.append(" files");
        if (p.errorMessage() != null) {
            b.append(" (").append(p.errorMessage()).append(')');
        } else if (p.result() != null && p.status().finished()) {
            b.append(" (").append(p.result()).append(')');
        }
        return b.toString();
    }

}
