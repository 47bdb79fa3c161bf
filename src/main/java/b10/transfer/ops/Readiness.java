package b10.transfer.ops;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a server to be ready: polls its readiness URL (DJL Serving's {@code /ping}, vLLM's
 * {@code /v1/models}, a Spring Boot actuator) until it answers 200, and then for the cache
 * directory to be quiet for a moment, so that a kernel being written is not cut. Readiness is the
 * moment the compile work of a start-up is done: the save that follows holds it.
 * <p>Plain {@link HttpURLConnection}: no client threads, nothing kept between polls; each poll is
 * bounded by its own connect and read timeouts.
 */
public final class Readiness {
    /** How long the cache directory must be unchanged after readiness before the save. */
    static final Duration QUIET = Duration.ofSeconds(2);
    /** The most the save waits for quiet after readiness: a server compiling non-stop is saved anyway. */
    static final Duration MOST_QUIET_WAIT = Duration.ofSeconds(60);

    public enum Outcome { READY, TIMED_OUT, STOPPED }

    private Readiness() {
    }

    /**
     * @param stop checked between polls: true ends the wait (the JVM is exiting)
     * @return READY at the first 200; TIMED_OUT when the timeout passed first; STOPPED when asked
     */
    public static Outcome await(URI url, Duration interval, Duration timeout, BooleanSupplier stop) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int perPoll = (int) Math.max(200, Math.min(5_000, interval.toMillis()));
        while (true) {
            if (stop.getAsBoolean()) {
                return Outcome.STOPPED;
            }
            if (answers200(url, perPoll)) {
                return Outcome.READY;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Outcome.TIMED_OUT;
            }
            Thread.sleep(Math.max(1, Math.min(interval.toMillis(), left / 1_000_000)));
        }
    }

    /** One poll: a GET that answers 200. Refused connections, other statuses and timeouts are "not yet". */
    static boolean answers200(URI url, int timeoutMillis) {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) url.toURL().openConnection();
            c.setConnectTimeout(timeoutMillis);
            c.setReadTimeout(timeoutMillis);
            c.setInstanceFollowRedirects(false);
            c.setUseCaches(false);
            int status = c.getResponseCode();
            // read the body away so that the connection can be reused or closed cleanly
            try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                if (in != null) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                }
            }
            return status == 200;
        } catch (IOException | RuntimeException e) {
            return false;
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    /** Waits until the directory has not changed for {@link #QUIET}, at most {@link #MOST_QUIET_WAIT}. */
    public static void awaitQuiet(Path dir) throws InterruptedException {
        awaitQuiet(dir, QUIET, MOST_QUIET_WAIT);
    }

    static void awaitQuiet(Path dir, Duration quiet, Duration most) throws InterruptedException {
        long end = System.nanoTime() + most.toNanos();
        long step = Math.max(50, quiet.toMillis() / 4);
        long signature = TreeFingerprint.signature(dir);
        long quietSince = System.nanoTime();
        while (System.nanoTime() < end) {
            Thread.sleep(step);
            long s = TreeFingerprint.signature(dir);
            if (s != signature) {
                signature = s;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= quiet.toNanos()) {
                return;
            }
        }
    }
}
