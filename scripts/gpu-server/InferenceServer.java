import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * A small inference server, JDK only, that knows nothing of b10-transfer: at start it spawns a
 * Python worker that torch.compiles GPT-2, waits for the worker's READY line, then serves POST
 * /infer on loopback by passing each request to the worker. It prints one line when ready:
 * seconds since the JVM started, and the worker's own report (compile time, cache counters).
 *
 * Usage: java InferenceServer WORKER_SCRIPT [PORT]   (PORT 0, the default, picks a free one)
 */
public final class InferenceServer {
    public static void main(String[] args) throws Exception {
        Instant jvmStart = ProcessHandle.current().info().startInstant().orElse(Instant.now());
        ProcessBuilder pb = new ProcessBuilder(System.getenv().getOrDefault("PYTHON", "python3"), args[0])
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        Process worker = pb.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.destroy();
            System.out.println("server stopping");
        }, "server-stop"));
        BufferedReader fromWorker = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter toWorker = new PrintWriter(worker.getOutputStream(), true, StandardCharsets.UTF_8);
        String line;
        while ((line = fromWorker.readLine()) != null && !line.startsWith("READY ")) {
            System.out.println("worker: " + line);
        }
        if (line == null) {
            System.err.println("the worker exited before it was ready (exit " + worker.waitFor() + ")");
            System.exit(1);
        }
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                args.length > 1 ? Integer.parseInt(args[1]) : 0), 0);
        http.createContext("/infer", exchange -> {
            String answer;
            synchronized (worker) {
                toWorker.println("infer");
                answer = fromWorker.readLine();
            }
            byte[] body = (answer == null ? "{\"error\":\"worker gone\"}" : answer).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer == null ? 500 : 200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        double seconds = Duration.between(jvmStart, Instant.now()).toMillis() / 1000.0;
        System.out.println("SERVER READY port=" + http.getAddress().getPort() + " seconds_since_jvm_start=" + seconds
                + " worker=" + line.substring(6));
        worker.waitFor();
        http.stop(0);
    }
}
