package b10.transfer.s3;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy on loopback in front of a real S3 server (S3Proxy without signature checks), which
 * behaves as S3-compatible servers were seen to: one that ignores conditional writes (it drops
 * If-None-Match and If-Match, so every PUT overwrites and answers 200); one that stores the SDK's
 * aws-chunked upload framing as the object's bytes; one whose replacement of an object is not
 * atomic for readers (the first GETs of a pointer answer a body that is neither version); one that
 * refuses listings, as for credentials that may read objects but not list them.
 */
final class MisbehavingS3Proxy implements AutoCloseable {
    enum Mode { IGNORES_CONDITIONS, STORES_FRAMING, TORN_POINTER_READS, FAILS_ARCHIVE_UPLOADS, DENIES_LISTING }

    private static final Set<String> HOP = Set.of("host", "content-length", "connection", "transfer-encoding", "expect",
            "keep-alive", "upgrade");

    private final HttpServer server;
    private final URI upstream;
    private final Mode mode;
    /** Pointer GETs still to be torn, in TORN_POINTER_READS. */
    final AtomicInteger tornLeft = new AtomicInteger();

    MisbehavingS3Proxy(URI upstream, Mode mode) throws IOException {
        this.upstream = upstream;
        this.mode = mode;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "misbehaving-s3");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::forward);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** An S3 error answer: the status and the XML body S3 sends with it. */
    private static void sendError(HttpExchange ex, int status, String code, String message) throws IOException {
        byte[] error = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
                + "</Message></Error>").getBytes();
        ex.getResponseHeaders().set("Content-Type", "application/xml");
        ex.sendResponseHeaders(status, error.length);
        ex.getResponseBody().write(error);
    }

    private void forward(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            if (mode == Mode.FAILS_ARCHIVE_UPLOADS && (method.equals("PUT") || method.equals("POST"))
                    && ex.getRequestURI().getPath().contains("/archives/")) {
                ex.getRequestBody().readAllBytes();
                sendError(ex, 500, "InternalError", "We encountered an internal error. Please try again.");
                return;
            }
            if (mode == Mode.DENIES_LISTING && method.equals("GET") && String.valueOf(ex.getRequestURI().getQuery()).contains("list-type=2")) {
                sendError(ex, 403, "AccessDenied", "Access Denied"); // credentials allowed to read objects, not to list them
                return;
            }
            HttpURLConnection c = (HttpURLConnection) URI.create(upstream + ex.getRequestURI().toString()).toURL().openConnection();
            c.setRequestMethod(method);
            c.setInstanceFollowRedirects(false);
            boolean chunked = "aws-chunked".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"));
            for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
                String name = h.getKey().toLowerCase(Locale.ROOT);
                if (HOP.contains(name)
                        || (mode == Mode.IGNORES_CONDITIONS && (name.equals("if-none-match") || name.equals("if-match")))
                        || (mode == Mode.STORES_FRAMING && chunked && (name.equals("content-encoding")
                                || name.equals("x-amz-decoded-content-length") || name.equals("x-amz-content-sha256")))) {
                    continue;
                }
                for (String v : h.getValue()) {
                    c.addRequestProperty(h.getKey(), v);
                }
            }
            byte[] body = ex.getRequestBody().readAllBytes();
            if (mode == Mode.STORES_FRAMING && method.equals("PUT") && !chunked && body.length > 0) {
                // a server that keeps framing: what it stores is longer than what was sent
                byte[] framed = new byte[body.length + 86];
                System.arraycopy(body, 0, framed, 0, body.length);
                body = framed;
            }
            if (body.length > 0 || method.equals("PUT") || method.equals("POST")) {
                c.setDoOutput(true);
                c.setFixedLengthStreamingMode(body.length);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body);
                }
            }
            int code = c.getResponseCode();
            byte[] answer;
            try (InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
                answer = in == null ? new byte[0] : in.readAllBytes();
            }
            if (mode == Mode.TORN_POINTER_READS && method.equals("GET") && code == 200
                    && ex.getRequestURI().getPath().endsWith(".latest") && tornLeft.getAndDecrement() > 0) {
                answer = java.util.Arrays.copyOf(answer, answer.length / 3); // neither version: cut mid-write
            }
            for (Map.Entry<String, List<String>> h : c.getHeaderFields().entrySet()) {
                if (h.getKey() != null && !HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    ex.getResponseHeaders().put(h.getKey(), h.getValue());
                }
            }
            if (method.equals("HEAD")) {
                String length = c.getHeaderField("Content-Length");
                if (length != null) {
                    ex.getResponseHeaders().set("Content-Length", length);
                }
                ex.sendResponseHeaders(code, -1);
                return;
            }
            ex.sendResponseHeaders(code, answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                ex.getResponseBody().write(answer);
            }
        } catch (IOException | RuntimeException e) {
            try {
                ex.sendResponseHeaders(502, -1);
            } catch (IOException | RuntimeException alreadySent) {
                // the client sees a broken answer, as from a failing server
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
