package b10.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.ops.CacheOperations;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.OperationControl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every hostile or broken archive is refused whole, with an error naming the cause; the local
 * cache is as before (a marker file in it, replaced only by a successful forced load), and nothing
 * is created or changed outside the cache directory and the store.
 */
class HostileArchiveTest {
    @TempDir
    Path tmp;
    Path local;
    Path store;
    Map<String, String> env;
    static final EnvironmentKey KEY = RoundTripTest.KEY;

    @BeforeEach
    void setUp() throws Exception {
        env = TestTrees.env(tmp, "MAX_CACHE_SIZE_MB", "64", "B10_TRANSFER_MAX_ENTRIES", "1000");
        local = Path.of(env.get("TORCH_CACHE_DIR"));
        store = Files.createDirectories(Path.of(env.get("B10FS_CACHE_DIR")));
        Files.createDirectories(local);
        Files.writeString(local.resolve("marker.py"), "before");
    }

    record Case(String name, String expected, Archive archive) {
        @Override
        public String toString() {
            return name;
        }
    }

    interface Archive {
        byte[] bytes(Path target) throws Exception;
    }

    static Stream<Case> hostile() {
        return Stream.of(
                new Case("traversal", "'..'", t -> HostileArchives.zstdTar(tar -> HostileArchives.file(tar, "../evil.py", "x"))),
                new Case("nested traversal", "'..'", t -> HostileArchives.zstdTar(tar -> HostileArchives.file(tar, "a/../../evil.py", "x"))),
                // near miss: a sibling sharing the staging directory's name prefix
                new Case("sibling prefix", "'..'", t -> HostileArchives.zstdTar(tar ->
                        HostileArchives.file(tar, "../" + t.getFileName() + "x/a.py", "x"))),
                new Case("absolute", "absolute", t -> HostileArchives.zstdTar(tar -> HostileArchives.file(tar, "/tmp/b10-evil.py", "x"))),
                new Case("symlink", "symbolic link", t -> HostileArchives.zstdTar(tar ->
                        HostileArchives.special(tar, "link", TarConstants.LF_SYMLINK, "/etc"))),
                new Case("symlink then write through it", "symbolic link", t -> HostileArchives.zstdTar(tar -> {
                    HostileArchives.special(tar, "up", TarConstants.LF_SYMLINK, "..");
                    HostileArchives.file(tar, "up/evil.py", "x");
                })),
                new Case("hard link", "hard link", t -> HostileArchives.zstdTar(tar ->
                        HostileArchives.special(tar, "hl", TarConstants.LF_LINK, "/etc/passwd"))),
                new Case("char device", "device", t -> HostileArchives.zstdTar(tar ->
                        HostileArchives.special(tar, "null", TarConstants.LF_CHR, null))),
                new Case("block device", "device", t -> HostileArchives.zstdTar(tar ->
                        HostileArchives.special(tar, "sda", TarConstants.LF_BLK, null))),
                new Case("fifo", "FIFO", t -> HostileArchives.zstdTar(tar ->
                        HostileArchives.special(tar, "pipe", TarConstants.LF_FIFO, null))),
                new Case("entry count bomb", "entries", t -> HostileArchives.zstdTar(tar -> {
                    for (int i = 0; i < 1500; i++) {
                        HostileArchives.file(tar, "f" + i, "");
                    }
                })),
                new Case("deep path", "deeper", t -> HostileArchives.zstdTar(tar ->
                        HostileArchives.file(tar, "d/".repeat(40) + "f.py", "x"))),
                new Case("long path", "longer", t -> HostileArchives.zstdTar(tar ->
                        HostileArchives.file(tar, ("abcdefgh/".repeat(130)) + "f.py", "x"))),
                new Case("duplicate", "twice", t -> HostileArchives.zstdTar(tar -> {
                    HostileArchives.file(tar, "a.py", "1");
                    HostileArchives.file(tar, "a.py", "2");
                })),
                new Case("file then dir of same name", "'a'", t -> HostileArchives.zstdTar(tar -> {
                    HostileArchives.file(tar, "a", "1");
                    HostileArchives.file(tar, "a/b", "2");
                })),
                new Case("bomb", "MAX_CACHE_SIZE_MB", t -> HostileArchives.bomb(3L << 30)),
                new Case("split bomb", "MAX_CACHE_SIZE_MB", t -> HostileArchives.splitBomb(80, 1 << 20)),
                new Case("bad header checksum without a manifest", "checksum does not match", t -> HostileArchives.badChecksum()),
                // the Python package's archives are gzip without a manifest: the tar headers' own checksums are all there is
                new Case("bad header checksum in gzip", "checksum does not match", t -> HostileArchives.gzip(HostileArchives.badChecksumTar())),
                new Case("file named like a directory with a header as its data", "directory with 512 bytes of data",
                        t -> HostileArchives.gzip(HostileArchives.smuggledHeader())),
                new Case("file named '.'", "cache directory itself", t -> HostileArchives.gzip(HostileArchives.fileNamedDot())),
                new Case("pax negative size", "corrupt", t -> HostileArchives.paxSize("-1000")),
                new Case("pax huge size", "MAX_CACHE_SIZE_MB", t -> HostileArchives.paxSize("99999999999999999")),
                new Case("pax absolute path", "absolute", t -> HostileArchives.pax("path", "/tmp/b10-evil-pax.py")),
                new Case("random bytes", "unknown magic", t -> {
                    byte[] b = new byte[4096];
                    new Random(7).nextBytes(b);
                    b[0] = 1;
                    return b;
                }),
                new Case("empty file", "empty", t -> new byte[0]),
                new Case("uncompressed tar", "uncompressed tar", t -> {
                    byte[] z = HostileArchives.zstdTar(tar -> HostileArchives.file(tar, "a.py", "x"));
                    return new com.github.luben.zstd.ZstdInputStream(new java.io.ByteArrayInputStream(z)).readAllBytes();
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileArchive_isRefusedWhole_andTouchesNothing(Case c) throws Exception {
        byte[] archive = c.archive.bytes(local.resolveSibling(".cache.b10-staging"));
        Path file = store.resolve(b10.transfer.store.StoreNames.archive(KEY, Settings.Compression.ZSTD));
        Files.write(file, archive);
        Map<String, String> outside = TestTrees.snapshot(tmp);
        long t0 = System.nanoTime();
        LoadResult r = new CacheOperations(Settings.from(env, Map.of()), KEY).load(true, new OperationControl());
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(LoadStatus.ERROR, r.status(), c.name + ": " + r.message());
        assertTrue(r.message().contains(c.expected), c.name + ": " + r.message());
        assertEquals(outside, TestTrees.snapshot(tmp), "something changed on disk");
        assertEquals("before", Files.readString(local.resolve("marker.py")));
        assertTrue(millis < 10_000, c.name + " took " + millis + " ms");
        assertTrue(Files.notExists(Path.of("/tmp/b10-evil.py")));
        synchronized (REFUSED) {
            REFUSED.add(c.name);
            slowestMillis = Math.max(slowestMillis, millis);
        }
    }

    static final java.util.List<String> REFUSED = new java.util.ArrayList<>();
    static long slowestMillis;
    static int truncations;
    static int flips;
    static long bombBytesWritten = -1;

    @org.junit.jupiter.api.AfterAll
    static void writeReport() throws Exception {
        Path dir = Files.createDirectories(Path.of(System.getProperty("b10.test.report", "target/survival-report")));
        Files.write(dir.resolve("hostile.md"), java.util.List.of("| hostile and broken archives, one forced load each | "
                + REFUSED.size() + " kinds: " + String.join(", ", REFUSED) + "; truncated at " + truncations
                + " points; " + flips + " single-bit flips | every one refused whole with its cause named, slowest in "
                + slowestMillis + " ms; local cache and everything outside unchanged; the split bomb stopped after "
                + bombBytesWritten / (1024 * 1024) + " MiB of a 64 MiB limit |"));
    }

    @Test
    void splitBomb_writesNoMoreThanTheLimit() throws Exception {
        Files.write(store.resolve(b10.transfer.store.StoreNames.archive(KEY, Settings.Compression.ZSTD)), HostileArchives.splitBomb(200, 1 << 20));
        java.util.concurrent.atomic.AtomicLong most = new java.util.concurrent.atomic.AtomicLong();
        OperationControl control = new OperationControl().onProgress(c -> most.accumulateAndGet(c.bytesDone(), Math::max));
        LoadResult r = new CacheOperations(Settings.from(env, Map.of()), KEY).load(true, control);
        assertEquals(LoadStatus.ERROR, r.status(), r.message());
        assertTrue(r.message().contains("MAX_CACHE_SIZE_MB=64"), r.message());
        assertTrue(most.get() <= 64L << 20, "extracted " + most.get() + " bytes past the 64 MiB limit");
        assertTrue(most.get() > 0, "the bomb was read until the limit");
        bombBytesWritten = most.get();
    }

    @Test
    void anArchiveWhoseFirstHeaderFailsItsChecksum_hasNoHeaderToRead_itIsAnError() throws Exception {
        // read as "no header", it would pass for an archive of the Python package
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> b10.transfer.archive.ArchiveListing.header(new java.io.ByteArrayInputStream(HostileArchives.badChecksum())));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void truncatedArchive_isRefusedBeforeTheCacheChanges() throws Exception {
        Path file = savedFixtureArchive();
        byte[] whole = Files.readAllBytes(file);
        for (int cut : new int[] {whole.length - 1, whole.length - 600, whole.length / 2, 100}) {
            Files.write(file, java.util.Arrays.copyOf(whole, cut));
            assertForcedLoadRefused("cut at " + cut);
            truncations++;
        }
    }

    @Test
    void bitFlippedArchive_isRefused_wherever_theFlipIs() throws Exception {
        Path file = savedFixtureArchive();
        byte[] whole = Files.readAllBytes(file);
        Random rnd = new Random(42);
        for (int i = 0; i < 12; i++) {
            byte[] flipped = whole.clone();
            int at = 16 + rnd.nextInt(whole.length - 32);
            flipped[at] ^= (byte) (1 << rnd.nextInt(8));
            Files.write(file, flipped);
            assertForcedLoadRefused("flip at " + at);
            flips++;
        }
    }

    /** Saves the H200 fixture into the store under KEY and returns the archive. */
    private Path savedFixtureArchive() throws Exception {
        Path source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        Map<String, String> withSource = new java.util.HashMap<>(env);
        withSource.put("TORCH_CACHE_DIR", source.toString());
        new CacheOperations(Settings.from(withSource, Map.of()), KEY).save(new OperationControl());
        return store.resolve(b10.transfer.store.StoreNames.archive(KEY, Settings.Compression.ZSTD));
    }

    /** A forced load of the store's archive fails, and the local cache still holds only its marker. */
    private void assertForcedLoadRefused(String what) throws Exception {
        LoadResult r = new CacheOperations(Settings.from(env, Map.of()), KEY).load(true, new OperationControl());
        assertEquals(LoadStatus.ERROR, r.status(), what + ": " + r.message());
        assertEquals(Map.of("", "dir", "marker.py", TestTrees.sha256("before".getBytes())), TestTrees.snapshot(local));
    }
}
