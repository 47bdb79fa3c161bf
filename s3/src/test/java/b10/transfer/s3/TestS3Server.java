package b10.transfer.s3;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The one way the tests get a real S3 server on loopback: a JUnit extension, registered as a
 * static field, that starts the server before a class's first test and stops it after its last.
 * Which server runs is the class's {@link On} annotation (S3Proxy where there is none), so a
 * subclass that only adds the annotation runs every inherited test on the other server.
 *
 * <pre>
 * {@literal @}RegisterExtension
 * static final TestS3Server server = TestS3Server.withBucket("b10-cache");
 * </pre>
 */
public final class TestS3Server implements BeforeAllCallback, AfterAllCallback {
    /** The servers the tests run: S3Proxy (atomic replaces, checks signatures) and S3Mock (torn reads, no signatures). */
    public enum Kind { S3PROXY, S3MOCK }

    /** Picks the server for a test class and its subclasses (a subclass's own annotation wins). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @Inherited
    public @interface On {
        Kind value();
    }

    private final String bucket;
    private final boolean authorize;
    private Kind kind;
    private Path dir;
    private S3ProxyServer s3proxy;
    private S3MockServer s3mock;
    private S3Client client;

    private TestS3Server(String bucket, boolean authorize) {
        this.bucket = bucket;
        this.authorize = authorize;
    }

    /** A server with the bucket, checking signatures where the server can. */
    public static TestS3Server withBucket(String bucket) {
        return new TestS3Server(bucket, true);
    }

    /** S3Proxy that checks no signature, so that a proxy in front of it may change what a signed request carries. */
    public static TestS3Server unsignedWithBucket(String bucket) {
        return new TestS3Server(bucket, false);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        On on = context.getRequiredTestClass().getAnnotation(On.class);
        kind = on == null ? Kind.S3PROXY : on.value();
        dir = Files.createTempDirectory("b10-s3-server-");
        if (kind == Kind.S3MOCK) {
            s3mock = S3MockServer.start(dir, bucket);
        } else {
            s3proxy = S3ProxyServer.start(dir, S3ProxyServer.freePort(), authorize, bucket);
        }
        client = S3ProxyServer.client(endpoint());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try (AutoCloseable server = s3mock != null ? s3mock : s3proxy; S3Client c = client) {
            // closed in reverse: the client, then the server
        } finally {
            s3mock = null;
            s3proxy = null;
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    public Kind kind() {
        return kind;
    }

    public String bucket() {
        return bucket;
    }

    public URI endpoint() {
        return s3mock != null ? s3mock.endpoint() : s3proxy.endpoint();
    }

    /** A client of the test's own, to look at the bucket as any S3 user would. */
    public S3Client client() {
        return client;
    }

    /** The settings that point a child JVM or Settings at a prefix of the bucket. */
    public Map<String, String> env(String prefix) {
        return S3ProxyServer.env(endpoint(), bucket, prefix);
    }

    /** SIGSTOP: the server holds its connections and answers nothing, as a hung server does. */
    public void pause() throws Exception {
        signal("STOP");
    }

    public void resume() throws Exception {
        signal("CONT");
    }

    private void signal(String name) throws Exception {
        long pid = s3mock != null ? s3mock.pid() : s3proxy.pid();
        new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor();
    }
}
