package b10.transfer.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The second real S3 server of the tests: Adobe's S3Mock (its standalone jar from Maven Central),
 * in its own JVM on a free loopback port, with the named buckets. Unlike S3Proxy it checks no
 * credentials, enforces conditional writes, and replaces an object in two steps that a reader can
 * see between (a GET racing a PUT may read a torn body), which is what the store must survive.
 */
final class S3MockServer implements AutoCloseable {
    private final int port;
    private final Process process;
    private final Path log;

    private S3MockServer(int port, Process process, Path log) {
        this.port = port;
        this.process = process;
        this.log = log;
    }

    static S3MockServer start(Path dir, String... buckets) throws Exception {
        String jar = System.getProperty("b10.test.s3mock");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("b10.test.s3mock does not name the S3Mock jar (the build copies it): " + jar);
        }
        int port = S3ProxyServer.freePort();
        int httpsPort = S3ProxyServer.freePort();
        Path data = Files.createDirectories(dir.resolve("s3mock-data"));
        Path log = dir.resolve("s3mock-" + port + ".log");
        // S3Mock stages every upload in a temporary file it does not always remove: inside the server's directory, deleted with it
        Path tmp = Files.createDirectories(dir.resolve("s3mock-tmp"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + tmp, "-jar", jar,
                "--com.adobe.testing.s3mock.httpPort=" + port, "--server.port=" + httpsPort,
                "--com.adobe.testing.s3mock.store.initialBuckets=" + String.join(",", buckets),
                "--com.adobe.testing.s3mock.store.root=" + data, "--logging.level.root=WARN")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3MockServer s = new S3MockServer(port, p, log);
        s.awaitListening(Duration.ofSeconds(90));
        return s;
    }

    private void awaitListening(Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Mock exited: " + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("S3Mock did not listen on " + port + " within " + bound + ": " + Files.readString(log));
    }

    long pid() {
        return process.pid();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
