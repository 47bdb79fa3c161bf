package b10.transfer.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The readiness poll against a real HTTP server: 200 is ready, anything else (and no server) is not yet. */
class ReadinessTest {
    @TempDir
    Path tmp;

    @Test
    void readyAtTheFirst200_afterStatusesThatAreNot() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // 503, 404, a redirect, then 200
        int[] statuses = {503, 404, 302, 200};
        server.createContext("/", x -> {
            int n = Math.min(polls.getAndIncrement(), statuses.length - 1);
            x.sendResponseHeaders(statuses[n], -1);
            x.close();
        });
        server.start();
        try {
            URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/models");
            Readiness.Outcome o = Readiness.await(url, Duration.ofMillis(20), Duration.ofSeconds(30), () -> false);
            assertEquals(Readiness.Outcome.READY, o);
            assertEquals(4, polls.get(), "ready at the fourth poll, the first 200");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void noServer_isNotReady_untilTheTimeout_andAStopEndsTheWait() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + port + "/ping");
        assertFalse(Readiness.answers200(url, 200));
        long t0 = System.nanoTime();
        assertEquals(Readiness.Outcome.TIMED_OUT, Readiness.await(url, Duration.ofMillis(50), Duration.ofMillis(400), () -> false));
        assertTrue(System.nanoTime() - t0 >= 400_000_000L, "waited the whole timeout");
        assertEquals(Readiness.Outcome.STOPPED, Readiness.await(url, Duration.ofMillis(50), Duration.ofSeconds(30), () -> true));
    }

    @Test
    void quiet_waitsUntilTheDirectoryStopsChanging() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("cache"));
        long t0 = System.nanoTime();
        Files.writeString(dir.resolve("k0.py"), "kernel 0");
        Thread writer = new Thread(() -> {
            try {
                for (int i = 1; i < 6; i++) {
                    Files.writeString(dir.resolve("k" + i + ".py"), "kernel " + i);
                    Thread.sleep(100);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        writer.start();
        Readiness.awaitQuiet(dir, Duration.ofMillis(800), Duration.ofSeconds(20));
        writer.join();
        assertEquals(6, Files.list(dir).count(), "quiet only after the last write");
    }
}
