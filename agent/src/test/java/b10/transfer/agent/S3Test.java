package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The S3 scenarios that need S3Proxy itself (see {@link S3Scenarios} for those run on both
 * servers): a host's own AWS SDK beside the agent's, a server stopped mid-restore, and wrong
 * credentials (S3Mock checks none).
 */
class S3Test extends S3Scenarios {

    /** A host with its own, older AWS SDK keeps it, and the agent restores from S3 with its own. */
    @Test
    void aHostsOwnAwsSdk_runsUnchanged_besideTheAgentsCopy() throws Exception {
        Path seed = Files.createDirectories(root.resolve("clash-seed/cache/triton"));
        Files.writeString(seed.resolve("kernel.py"), "compiled kernel\n".repeat(100));
        ChildJvm.Result saved = SurvivalKit.cli(env(seed.getParent(), "clash"), "save");
        assertEquals(0, saved.exit(), saved.out() + saved.err());
        String libs;
        try (var s = Files.list(Path.of(System.getProperty("b10.test.awsClashLibs")))) {
            libs = s.map(Path::toString).sorted().collect(Collectors.joining(java.io.File.pathSeparator));
        }
        Path local = root.resolve("clash/cache");
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"), env(local, "clash"), 120,
                "-javaagent:" + ChildJvm.jar(), "-cp", ChildJvm.testClasses() + java.io.File.pathSeparator + libs,
                "b10.transfer.agent.testapp.AwsClashApp");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().matches("(?s).*StringUtils FROM \\S*utils-2\\.20\\.0\\.jar.*"), r.out());
        assertTrue(r.out().contains("UPPER=OWN SDK") && r.out().contains("FILES=1"), r.out());
        assertTrue(r.err().contains("restore SUCCESS: restored 1 files"), r.err());
        AgentTest.noStackTraces(r);
    }

    /** SIGSTOP of the server in the middle of a restore: the load timeout cuts it and the application starts. */
    @Test
    void theServerStoppedMidRestore_isCutByTheLoadTimeout_andTheApplicationStarts() throws Exception {
        Path seed = root.resolve("big/cache");
        SurvivalKit.generate(seed, 200, 120L << 20, 3);
        String[] slow = {"B10_TRANSFER_S3_PART_MB", "5", "B10_TRANSFER_S3_CONNECTIONS", "1", "B10_TRANSFER_COMPRESSION", "gzip"};
        ChildJvm.Result saved = SurvivalKit.cli(env(seed, "stopped", slow), "save");
        assertEquals(0, saved.exit(), saved.out() + saved.err());

        Path local = root.resolve("stopped-replica/cache");
        Map<String, String> e = new HashMap<>(env(local, "stopped", slow));
        e.put("B10_TRANSFER_LOAD_TIMEOUT_S", "4");
        e.put("APP_EXIT", "7");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-javaagent:" + ChildJvm.jar(),
                "-cp", ChildJvm.testClasses(), "b10.transfer.agent.testapp.App");
        ProcessBuilder pb = ChildJvm.withEnvironment(new ProcessBuilder(cmd), e);
        Path out = root.resolve("app.out");
        Path err = root.resolve("app.err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        long t0 = System.nanoTime();
        Process app = pb.start();
        // wait for the restore to be writing files into its staging directory, then stop the server
        boolean paused = false;
        while (app.isAlive() && System.nanoTime() - t0 < 60_000_000_000L) {
            if (stagedFiles(local.getParent()) > 5) {
                server.pause();
                paused = true;
                break;
            }
            Thread.sleep(10);
        }
        try {
            assertTrue(paused, "the restore was seen mid-transfer");
            assertTrue(app.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the application ended");
            long millis = (System.nanoTime() - t0) / 1_000_000;
            String stderr = Files.readString(err);
            assertEquals(7, app.exitValue(), stderr);
            assertTrue(Files.readString(out).startsWith("FILES=0"), "the application started without the cache");
            List<String> errors = stderr.lines().filter(line -> line.startsWith("ERROR")).toList();
            assertEquals(1, errors.size(), stderr);
            assertTrue(errors.get(0).contains("restore timed out after 7 s (B10_TRANSFER_LOAD_TIMEOUT_S)"), errors.get(0));
            assertTrue(millis < 30_000, "bounded by the timeout: " + millis + " ms");
            assertFalse(Files.exists(local), "nothing was swapped in");
            SurvivalKit.report("s3-stopped.md", List.of("| S3: server stopped (SIGSTOP) mid-restore | agent at start, load timeout 4 s (it waits the load plus the probe timeout) | "
                    + "the application started after " + millis / 100 / 10.0 + " s with one error line and no cache |"));
        } finally {
            server.resume();
        }
    }

    private static long stagedFiles(Path parent) throws Exception {
        if (!Files.isDirectory(parent)) {
            return 0;
        }
        try (var s = Files.walk(parent)) {
            return s.filter(p -> p.toString().contains(".b10-staging-") && Files.isRegularFile(p)).count();
        } catch (java.io.UncheckedIOException | java.io.IOException raced) {
            return 0;
        }
    }

    @Test
    void wrongCredentials_aMissingBucket_andAnUnreachableEndpoint_areOneLineEach_andTheApplicationStarts() throws Exception {
        Path local = root.resolve("misconfigured/cache");
        ChildJvm.Result denied = SurvivalKit.app(env(local, "x", "AWS_SECRET_ACCESS_KEY", "wrong"));
        SurvivalKit.assertOneLineNaming(denied, "restore failed", "access denied");
        ChildJvm.Result bucket = SurvivalKit.app(env(local, "x", "B10_TRANSFER_STORE", "s3://no-such-bucket/x"));
        SurvivalKit.assertOneLineNaming(bucket, "restore failed", "bucket 'no-such-bucket' does not exist");
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        ChildJvm.Result unreachable = SurvivalKit.app(env(local, "x", "B10_TRANSFER_S3_ENDPOINT", "http://127.0.0.1:" + closed));
        SurvivalKit.assertOneLineNaming(unreachable, "restore failed", "cannot reach http://127.0.0.1:" + closed);
        ChildJvm.Result noKeys = SurvivalKit.app(env(local, "x", "AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", ""));
        SurvivalKit.assertOneLineNaming(noKeys, "restore failed", "no AWS credentials found");
        SurvivalKit.report("s3-misconfigured.md", List.of(
                "| S3: wrong secret key | agent at start | " + firstError(denied) + " |",
                "| S3: missing bucket | agent at start | " + firstError(bucket) + " |",
                "| S3: endpoint not listening | agent at start | " + firstError(unreachable) + " |",
                "| S3: no credentials anywhere | agent at start | " + firstError(noKeys) + " |"));
    }

    private static String firstError(ChildJvm.Result r) {
        return r.errLines().stream().filter(l -> l.startsWith("ERROR")).findFirst().orElse("(no error line)")
                .replace("|", "\\|") + "; the application started";
    }
}
