package b10.transfer.base;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Thread pools of daemon threads named b10-transfer-<role>-N: they never keep the host's JVM alive. */
public final class Workers {
    private Workers() {
    }

    public static ThreadFactory daemons(String role) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "b10-transfer-" + role + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public static ExecutorService pool(String role, int threads) {
        return Executors.newFixedThreadPool(threads, daemons(role));
    }

    public static Thread daemon(String role, Runnable r) {
        Thread t = new Thread(r, "b10-transfer-" + role);
        t.setDaemon(true);
        return t;
    }
}
