package b10.transfer.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.LoadStatus;
import b10.transfer.SaveStatus;
import b10.transfer.TestTrees;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.ops.CacheOperations;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.OperationControl;
import b10.transfer.ops.SaveResult;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 store against servers that do not behave as S3 does, each made by a proxy in front of a
 * real S3 server: the product refuses what it cannot do safely, never reports SUCCESS for what did
 * not happen, and names the object, the operation, the status and the server's words when it fails.
 */
class ServerBehaviourTest {
    static final String BUCKET = "b10-cache";
    static final EnvironmentKey KEY = S3StoreTest.KEY;

    @RegisterExtension
    static final TestS3Server server = TestS3Server.unsignedWithBucket(BUCKET);
    static S3Client client;

    @TempDir
    Path tmp;

    @BeforeAll
    static void connect() {
        client = server.client();
    }

    private CacheOperations ops(URI endpoint, Path local, String prefix, String... extra) throws Exception {
        Map<String, String> env = TestTrees.env(tmp);
        env.put("TORCH_CACHE_DIR", local.toString());
        env.putAll(server.env(prefix));
        env.put("B10_TRANSFER_S3_ENDPOINT", endpoint.toString());
        env.put("B10_TRANSFER_S3_REGION", "us-east-1");
        for (int i = 0; i + 1 < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return new CacheOperations(Settings.from(env, Map.of()), KEY);
    }

    private List<String> keys(String prefix) {
        return client.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix + "/")).contents().stream()
                .map(o -> o.key()).sorted().toList();
    }

    private byte[] pointer(String prefix) {
        return client.getObjectAsBytes(b -> b.bucket(BUCKET).key(prefix + "/cache_" + KEY.hash() + ".latest")).asByteArray();
    }

    private Path fixture() throws Exception {
        return TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
    }

    @Test
    void aServerThatIgnoresConditionalWrites_isRefusedForSaves_publishesNothing_andStillServesLoads() throws Exception {
        Path source = fixture();
        assertEquals(SaveStatus.SUCCESS, ops(server.endpoint(), source, "cond").save(new OperationControl()).status());
        List<String> before = keys("cond");
        byte[] pointer = pointer("cond");
        try (MisbehavingS3Proxy proxy = new MisbehavingS3Proxy(server.endpoint(), MisbehavingS3Proxy.Mode.IGNORES_CONDITIONS)) {
            java.nio.file.Files.writeString(source.resolve("new-kernel.py"), "x");
            SaveResult refused = ops(proxy.endpoint(), source, "cond").save(new OperationControl());
            assertEquals(SaveStatus.ERROR, refused.status(), refused.message());
            assertTrue(refused.message().contains("ignores conditional writes") && refused.message().contains(proxy.endpoint().toString())
                    && refused.message().contains("B10_TRANSFER_S3_ACCEPT_LOST_UPDATES"), refused.message());
            assertEquals(before, keys("cond"), "nothing published, no probe left");
            assertArrayEquals(pointer, pointer("cond"));

            LoadResult loaded = ops(proxy.endpoint(), tmp.resolve("l/cache"), "cond").load(false, new OperationControl());
            assertEquals(LoadStatus.SUCCESS, loaded.status(), loaded.message());

            SaveResult accepted = ops(proxy.endpoint(), source, "cond", "B10_TRANSFER_S3_ACCEPT_LOST_UPDATES", "true")
                    .save(new OperationControl());
            assertEquals(SaveStatus.SUCCESS, accepted.status(), accepted.message());
        }
    }

    @Test
    void aServerThatStoresOtherBytesThanWereSent_failsTheSave_andNothingIsPublished() throws Exception {
        Path source = fixture();
        try (MisbehavingS3Proxy proxy = new MisbehavingS3Proxy(server.endpoint(), MisbehavingS3Proxy.Mode.STORES_FRAMING)) {
            SaveResult r = ops(proxy.endpoint(), source, "framing").save(new OperationControl());
            assertEquals(SaveStatus.ERROR, r.status(), r.message());
            assertTrue(r.message().contains("bytes as s3://" + BUCKET + "/framing/archives/") && r.message().contains("were sent"),
                    r.message());
        }
        assertEquals(List.of(), keys("framing"), "no pointer, and the bad archive deleted");
    }

    @Test
    void aTornReadOfThePointer_isReadAgain_andOnlyPersistentDamageIsAnError() throws Exception {
        Path source = fixture();
        assertEquals(SaveStatus.SUCCESS, ops(server.endpoint(), source, "torn").save(new OperationControl()).status());
        try (MisbehavingS3Proxy proxy = new MisbehavingS3Proxy(server.endpoint(), MisbehavingS3Proxy.Mode.TORN_POINTER_READS)) {
            proxy.tornLeft.set(2);
            LoadResult r = ops(proxy.endpoint(), tmp.resolve("a/cache"), "torn").load(false, new OperationControl());
            assertEquals(LoadStatus.SUCCESS, r.status(), r.message());
            assertTrue(proxy.tornLeft.get() < 0, "the torn reads were met");
            java.nio.file.Files.writeString(source.resolve("new-kernel.py"), "x");
            proxy.tornLeft.set(2);
            SaveResult s = ops(proxy.endpoint(), source, "torn").save(new OperationControl());
            assertEquals(SaveStatus.SUCCESS, s.status(), s.message());

            proxy.tornLeft.set(1000);
            LoadResult broken = ops(proxy.endpoint(), tmp.resolve("b/cache"), "torn").load(false, new OperationControl());
            assertEquals(LoadStatus.ERROR, broken.status(), broken.message());
            assertTrue(broken.message().contains("cache_" + KEY.hash() + ".latest") && broken.message().contains("read 6 times"),
                    broken.message());
        }
    }

    /** Credentials that may read objects but not list them: the base loads, and the load says the layers were left out and why. */
    @Test
    void aReaderThatMayNotList_restoresTheBase_andSaysItsLayersWereNotRestored() throws Exception {
        Path source = fixture();
        assertEquals(SaveStatus.SUCCESS, ops(server.endpoint(), source, "nolist").save(new OperationControl()).status());
        Path replica = tmp.resolve("replica/cache");
        TestTrees.copyTree(source, replica);
        java.nio.file.Files.writeString(replica.resolve("new-kernel.py"), "# compiled later");
        SaveResult layer = ops(server.endpoint(), replica, "nolist").save(new OperationControl());
        assertTrue(layer.status() == SaveStatus.SUCCESS && layer.message().contains("as a layer"), layer.message());
        try (MisbehavingS3Proxy proxy = new MisbehavingS3Proxy(server.endpoint(), MisbehavingS3Proxy.Mode.DENIES_LISTING)) {
            Path local = tmp.resolve("nolist/cache");
            LoadResult r = ops(proxy.endpoint(), local, "nolist").load(false, new OperationControl());
            assertEquals(LoadStatus.SUCCESS, r.status(), r.message());
            assertTrue(r.message().contains("the key's layers (if it has any) were not restored")
                    && r.message().contains("s3:ListBucket"), r.message());
            assertEquals(TestTrees.snapshot(source), TestTrees.snapshot(local), "the base, without the layer");
        }
    }

    @Test
    void aServerError_namesTheObjectTheOperationTheStatusAndTheServersWords() throws Exception {
        Path source = fixture();
        try (MisbehavingS3Proxy proxy = new MisbehavingS3Proxy(server.endpoint(), MisbehavingS3Proxy.Mode.FAILS_ARCHIVE_UPLOADS)) {
            SaveResult r = ops(proxy.endpoint(), source, "failing").save(new OperationControl());
            assertEquals(SaveStatus.ERROR, r.status(), r.message());
            String m = r.message();
            assertTrue(m.contains("S3 answered 500 InternalError while uploading s3://" + BUCKET + "/failing/archives/cache_")
                    && m.contains("after 5 attempts") && m.contains("We encountered an internal error"), m);
            assertFalse(m.contains(".latest]"), "the pointer is not the object that failed: " + m);
        }
    }
}
