package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saving when the server is ready: a real HTTP server (the JDK's own) answers 503 until it turns
 * ready a while after its first poll, then 200. The agent in a real child JVM, and the CLI's
 * run-until-ready, save after readiness and not before; a server that never gets ready leads to
 * no save and one line at the timeout.
 */
class SaveAfterReadyTest {
    @TempDir
    Path tmp;
    Path store;
    Path venv;
    HttpServer server;
    /** Milliseconds after the first poll at which the server answers 200; negative: never. */
    volatile long readyAfterMillis;
    final AtomicLong firstPoll = new AtomicLong();
    final AtomicLong readyAt = new AtomicLong();
    final AtomicInteger polls = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        store = Files.createDirectories(tmp.resolve("store"));
        venv = SurvivalKit.fakeVenv(tmp);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/ready", exchange -> {
            long now = System.currentTimeMillis();
            polls.incrementAndGet();
            firstPoll.compareAndSet(0, now);
            boolean ready = readyAfterMillis >= 0 && now - firstPoll.get() >= readyAfterMillis;
            if (ready) {
                readyAt.compareAndSet(0, now);
            }
            byte[] body = (ready ? "{\"ready\":true}" : "starting").getBytes();
            exchange.sendResponseHeaders(ready ? 200 : 503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/ready";
    }

    Map<String, String> env(Path local, String... kv) {
        Map<String, String> e = SurvivalKit.env(local, store, venv, kv);
        e.putIfAbsent("B10_TRANSFER_READY_INTERVAL_S", "0.2");
        return e;
    }

    List<Path> archives() throws Exception {
        try (Stream<Path> s = Files.list(store)) {
            return s.filter(p -> p.getFileName().toString().matches("cache_.*\\.tar\\.(zst|gz)")).toList();
        }
    }

    @Test
    void theAgent_savesAfterTheServerAnswers200_andNotBefore() throws Exception {
        readyAfterMillis = 1500;
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"),
                env(tmp.resolve("a/cache"), "APP_WARMUP", "1", "APP_SLEEP_MS", "9000", "B10_TRANSFER_SAVE_AFTER_READY_URL", url()),
                120, "-javaagent:" + ChildJvm.jar() + "=SAVE_ON_EXIT=false", "-cp", ChildJvm.testClasses(),
                "b10.transfer.agent.testapp.App");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("save after the server became ready SUCCESS"), r.err());
        List<Path> archives = archives();
        assertEquals(1, archives.size(), archives.toString());
        long published = Files.getLastModifiedTime(archives.get(0)).toMillis();
        assertTrue(readyAt.get() > 0 && published >= readyAt.get(),
                "published at " + published + ", the server was ready at " + readyAt.get());
        assertTrue(polls.get() >= 3, "polled until ready: " + polls.get());
    }

    @Test
    void aServerThatNeverGetsReady_leadsToNoSave_andOneLineAtTheTimeout() throws Exception {
        readyAfterMillis = -1;
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"),
                env(tmp.resolve("n/cache"), "APP_WARMUP", "1", "APP_SLEEP_MS", "4000", "B10_TRANSFER_SAVE_AFTER_READY_URL", url(),
                        "B10_TRANSFER_READY_TIMEOUT_S", "1"),
                120, "-javaagent:" + ChildJvm.jar() + "=SAVE_ON_EXIT=false", "-cp", ChildJvm.testClasses(),
                "b10.transfer.agent.testapp.App");
        assertEquals(0, r.exit(), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.contains("no save after readiness")).count(), r.err());
        assertTrue(r.err().contains(url()) && r.err().contains("B10_TRANSFER_READY_TIMEOUT_S"), r.err());
        assertFalse(r.err().contains("save after the server became ready"), r.err());
        assertEquals(List.of(), archives());
        assertTrue(r.out().contains("DONE"), r.out());
    }

    @Test
    void theCli_loadsWaitsAndSaves_exit0_orExits3WhenNeverReady() throws Exception {
        Path local = Files.createDirectories(tmp.resolve("c/cache"));
        Files.writeString(local.resolve("kernel.py"), "compiled\n");
        readyAfterMillis = 1000;
        ChildJvm.Result ready = ChildJvm.run(System.getProperty("java.home"), env(local), 120,
                "-jar", ChildJvm.jar().toString(), "run-until-ready", url(), "--json");
        assertEquals(0, ready.exit(), ready.err());
        assertTrue(ready.out().contains("\"status\":\"SUCCESS\"") && ready.out().contains("\"ready\":true"), ready.out());
        List<Path> archives = archives();
        assertEquals(1, archives.size(), archives.toString());
        assertTrue(Files.getLastModifiedTime(archives.get(0)).toMillis() >= readyAt.get());

        readyAfterMillis = -1;
        Path other = Files.createDirectories(tmp.resolve("d/cache"));
        Files.writeString(other.resolve("other.py"), "compiled\n");
        ChildJvm.Result never = ChildJvm.run(System.getProperty("java.home"),
                env(other, "B10_TRANSFER_TORCH_VERSION", "2.10.0+cu130", "B10_TRANSFER_READY_TIMEOUT_S", "1",
                        "B10_TRANSFER_SAVE_AFTER_READY_URL", url()),
                120, "-jar", ChildJvm.jar().toString(), "run-until-ready");
        assertEquals(3, never.exit(), never.out() + never.err());
        assertTrue(never.out().strip().endsWith("NOT_READY"), never.out());
        assertEquals(1, archives().size(), "nothing saved under the second key: " + archives());

        ChildJvm.Result bad = ChildJvm.run(System.getProperty("java.home"), env(other), 60,
                "-jar", ChildJvm.jar().toString(), "run-until-ready", "ftp://x");
        assertEquals(2, bad.exit(), bad.err());
    }
}
