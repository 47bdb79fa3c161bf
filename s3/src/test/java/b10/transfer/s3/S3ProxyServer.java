package b10.transfer.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server for the tests: S3Proxy with its filesystem provider, in its own JVM, on a
 * free loopback port, with one identity. Buckets are folders of its data directory.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String IDENTITY = "b10-test";
    public static final String CREDENTIAL = "b10-test-secret";

    private final Path data;
    private final int port;
    private final Process process;
    private final Path log;

    private S3ProxyServer(Path data, int port, Process process, Path log) {
        this.data = data;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** Starts a server whose data lives under {@code dir}, with the named buckets, and waits until it answers. */
    public static S3ProxyServer start(Path dir, String... buckets) throws Exception {
        return start(dir, freePort(), buckets);
    }

    /** Starts on a given port (a restart on the same endpoint). */
    public static S3ProxyServer start(Path dir, int port, String... buckets) throws Exception {
        return start(dir, port, true, buckets);
    }

    /**
     * @param authorize false: the server checks no signature, so that a proxy in front of it may
     *                  change what a signed request carries (MisbehavingS3Proxy)
     */
    public static S3ProxyServer start(Path dir, int port, boolean authorize, String... buckets) throws Exception {
        String jar = System.getProperty("b10.test.s3proxy");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("b10.test.s3proxy does not name the S3Proxy jar (the build copies it): " + jar);
        }
        Path data = dir.resolve("data");
        for (String b : buckets) {
            Files.createDirectories(data.resolve(b));
        }
        Path conf = dir.resolve("s3proxy-" + port + ".conf");
        Files.writeString(conf, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=" + (authorize ? "aws-v2-or-v4" : "none"),
                "s3proxy.identity=" + IDENTITY,
                "s3proxy.credential=" + CREDENTIAL,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + data) + "\n");
        Path log = dir.resolve("s3proxy-" + port + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx512m", "-XX:+UseSerialGC", "-jar", jar, "--properties", conf.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3ProxyServer s = new S3ProxyServer(data, port, p, log);
        s.awaitListening(Duration.ofSeconds(60));
        return s;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void awaitListening(Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited: " + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("S3Proxy did not listen on " + port + " within " + bound + ": " + Files.readString(log));
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    public Path data() {
        return data;
    }

    long pid() {
        return process.pid();
    }

    private void signal(String name) throws Exception {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    /** The settings for a bucket of any test server at the endpoint (S3Mock takes any credentials). */
    public static Map<String, String> env(URI endpoint, String bucket, String prefix) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("B10_TRANSFER_STORE", "s3://" + bucket + "/" + prefix);
        m.put("B10_TRANSFER_S3_ENDPOINT", endpoint.toString());
        m.put("AWS_ACCESS_KEY_ID", IDENTITY);
        m.put("AWS_SECRET_ACCESS_KEY", CREDENTIAL);
        m.put("AWS_REGION", "us-east-1");
        return m;
    }

    public static S3Client client(URI endpoint) {
        return S3Client.builder()
                .endpointOverride(endpoint)
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                .httpClient(UrlConnectionHttpClient.create())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(IDENTITY, CREDENTIAL)))
                .build();
    }

    public List<String> logTail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return lines.subList(Math.max(0, lines.size() - 20), lines.size());
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            signal("CONT");
            process.destroy();
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
