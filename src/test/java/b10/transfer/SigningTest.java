package b10.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.archive.ArchiveMetadata;
import b10.transfer.archive.ArchiveSignature;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.ops.CacheOperations;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.OperationControl;
import b10.transfer.ops.SaveResult;
import b10.transfer.store.StoreNames;
import b10.transfer.trust.SigningKey;
import b10.transfer.trust.TrustedKeys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed archives with keys openssl made (src/test/resources/keys): a trusted signature loads byte
 * for byte; unsigned, untrusted, tampered and replayed archives are refused with the local cache
 * untouched; a hostile archive is refused whatever it claims.
 */
class SigningTest {
    @TempDir
    Path tmp;

    static final EnvironmentKey KEY = new EnvironmentKey("2.11.0+cu130", "13.0", "3.6.0", "NVIDIA H200", "9.0", Settings.KeyMode.FULL);
    static final EnvironmentKey OTHER = new EnvironmentKey("2.10.0+cu130", "13.0", "3.6.0", "NVIDIA H200", "9.0", Settings.KeyMode.FULL);

    Path source;
    Path store;
    Map<String, String> before;

    static Path key(String name) throws Exception {
        return Path.of(SigningTest.class.getResource("/keys/" + name).toURI());
    }

    @BeforeEach
    void fixture() throws Exception {
        source = TestTrees.extractFixture("inductor-cache-gpt2-h200.tgz", tmp.resolve("fixture"));
        before = TestTrees.snapshot(source);
        store = tmp.resolve("store");
    }

    CacheOperations ops(EnvironmentKey key, Path local, String... extra) throws Exception {
        Map<String, String> env = TestTrees.env(tmp, extra);
        env.put("TORCH_CACHE_DIR", local.toString());
        env.put("B10FS_CACHE_DIR", store.toString());
        env.put("B10_TRANSFER_COMPRESSION", "gzip"); // so that the tests below can rewrite archives with the JDK's gzip
        return new CacheOperations(Settings.from(env, Map.of()), key);
    }

    SaveResult saveSigned(EnvironmentKey key, String signer) throws Exception {
        // a fresh copy each time: this JVM remembers what it saved of a directory and would skip it
        Path copy = tmp.resolve("copy-" + System.nanoTime());
        TestTrees.copyTree(source, copy);
        SaveResult s = ops(key, copy, "B10_TRANSFER_SIGNING_KEY", key(signer).toString()).save(new OperationControl());
        assertEquals(SaveStatus.SUCCESS, s.status(), s.message());
        return s;
    }

    LoadResult loadTrusting(String trusted, Path local) throws Exception {
        return ops(KEY, local, "B10_TRANSFER_TRUSTED_KEYS", key(trusted).toString()).load(false, new OperationControl());
    }

    Path archive(EnvironmentKey key) {
        return store.resolve(StoreNames.archive(key, Settings.Compression.GZIP));
    }

    static String idOf(String pub) throws Exception {
        return TrustedKeys.load(key(pub)).ids().iterator().next();
    }

    @Test
    void theKeyIdOfOpensslsPrivateKey_isTheIdOfItsPublicKey() throws Exception {
        assertEquals(idOf("signer-a.pub.pem"), SigningKey.load(key("signer-a.pem")).id());
        assertEquals(idOf("signer-b.pub.pem"), SigningKey.load(key("signer-b.pem")).id());
        assertFalse(idOf("signer-a.pub.pem").equals(idOf("signer-b.pub.pem")));
    }

    @Test
    void signedByATrustedKey_loadsByteForByte_andSaysWhoSigned() throws Exception {
        SaveResult s = saveSigned(KEY, "signer-a.pem");
        assertTrue(s.message().contains("signed by key " + idOf("signer-a.pub.pem")), s.message());
        Path local = tmp.resolve("r/cache");
        LoadResult r = loadTrusting("signer-a.pub.pem", local);
        assertEquals(LoadStatus.SUCCESS, r.status(), r.message());
        assertTrue(r.message().contains("signed by trusted key " + idOf("signer-a.pub.pem")), r.message());
        assertEquals(before, TestTrees.snapshot(local));

        // a directory of keys (rotation: the old and the new side by side) trusts each of them
        Path dir = Files.createDirectories(tmp.resolve("trusted"));
        Files.copy(key("signer-a.pub.pem"), dir.resolve("a.pem"));
        Files.copy(key("signer-b.pub.pem"), dir.resolve("b.pem"));
        assertEquals(Set.of(idOf("signer-a.pub.pem"), idOf("signer-b.pub.pem")), TrustedKeys.load(dir).ids());
        LoadResult fromDir = ops(KEY, tmp.resolve("d/cache"), "B10_TRANSFER_TRUSTED_KEYS", dir.toString()).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, fromDir.status(), fromDir.message());

        // without trusted keys a signed archive loads like any other
        LoadResult plain = ops(KEY, tmp.resolve("p/cache")).load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, plain.status(), plain.message());
    }

    @Test
    void unsigned_orSignedByAnotherKey_isRefused_andTheLocalCacheIsUntouched() throws Exception {
        assertEquals(SaveStatus.SUCCESS, ops(KEY, source).save(new OperationControl()).status());
        Path local = tmp.resolve("u/cache");
        LoadResult unsigned = loadTrusting("signer-a.pub.pem", local);
        assertEquals(LoadStatus.ERROR, unsigned.status());
        assertTrue(unsigned.message().contains("not signed") && unsigned.message().contains("B10_TRANSFER_TRUSTED_KEYS"), unsigned.message());
        assertUntouched(local);

        Files.delete(archive(KEY));
        saveSigned(KEY, "signer-b.pem");
        LoadResult other = loadTrusting("signer-a.pub.pem", local);
        assertEquals(LoadStatus.ERROR, other.status());
        assertTrue(other.message().contains("signed by key " + idOf("signer-b.pub.pem") + ", which is not in B10_TRANSFER_TRUSTED_KEYS"),
                other.message());
        assertUntouched(local);
    }

    @Test
    void oneFlippedByte_isRefused() throws Exception {
        saveSigned(KEY, "signer-a.pem");
        byte[] b = Files.readAllBytes(archive(KEY));
        b[b.length / 2] ^= 0x01;
        Files.write(archive(KEY), b);
        Path local = tmp.resolve("f/cache");
        assertEquals(LoadStatus.ERROR, loadTrusting("signer-a.pub.pem", local).status());
        assertUntouched(local);
    }

    @Test
    void aFileChangedWithItsManifestRewritten_failsTheSignature() throws Exception {
        saveSigned(KEY, "signer-a.pem");
        // the attacker changes a kernel and writes a manifest that matches the new content
        rewrite(archive(KEY), (name, content) -> name.endsWith(".py") && !name.startsWith(ArchiveMetadata.DIR)
                ? (new String(content, StandardCharsets.UTF_8) + "\nimport os  # injected\n").getBytes(StandardCharsets.UTF_8) : content,
                true);
        Path local = tmp.resolve("m/cache");
        LoadResult r = loadTrusting("signer-a.pub.pem", local);
        assertEquals(LoadStatus.ERROR, r.status());
        assertTrue(r.message().contains("does not match its content"), r.message());
        assertUntouched(local);
    }

    @Test
    void aSignatureFromAnotherKeysArchive_isRefused_andSoIsOneThatWasRemoved() throws Exception {
        saveSigned(KEY, "signer-a.pem");
        saveSigned(OTHER, "signer-a.pem"); // the same content and signer, published under another key
        Map<String, byte[]> otherEntries = entries(archive(OTHER));
        rewrite(archive(KEY), (name, content) -> name.equals(ArchiveSignature.ENTRY) ? otherEntries.get(name) : content, false);
        Path local = tmp.resolve("c/cache");
        LoadResult replayed = loadTrusting("signer-a.pub.pem", local);
        assertEquals(LoadStatus.ERROR, replayed.status());
        assertTrue(replayed.message().contains("signed for another key") || replayed.message().contains("does not match"), replayed.message());
        assertUntouched(local);

        rewrite(archive(KEY), (name, content) -> name.equals(ArchiveSignature.ENTRY) ? null : content, false);
        LoadResult stripped = loadTrusting("signer-a.pub.pem", local);
        assertEquals(LoadStatus.ERROR, stripped.status());
        assertTrue(stripped.message().contains("without a signature"), stripped.message());
        assertUntouched(local);
    }

    @Test
    void aHostileArchiveClaimingATrustedSigner_isRefusedBeforeAnythingLeavesStaging() throws Exception {
        Files.createDirectories(store);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            Map<String, String> header = new LinkedHashMap<>();
            header.put("format", ArchiveMetadata.FORMAT);
            header.put("key", KEY.text());
            header.put(ArchiveSignature.SIGNER, idOf("signer-a.pub.pem"));
            put(tar, ArchiveMetadata.HEADER, ArchiveMetadata.encode(header));
            put(tar, "../escaped.py", "import os\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.write(archive(KEY), bytes.toByteArray());
        Path local = tmp.resolve("h/cache");
        LoadResult r = loadTrusting("signer-a.pub.pem", local);
        assertEquals(LoadStatus.ERROR, r.status());
        assertFalse(Files.exists(tmp.resolve("h/escaped.py")) || Files.exists(tmp.resolve("escaped.py")));
        assertUntouched(local);
    }

    @Test
    void seedModeArchives_areSignedBesideTheArchive_andThePythonPackagesOwnIsRefusedWhenSignaturesAreAsked() throws Exception {
        SaveResult s = ops(KEY, source, "B10_TRANSFER_KEY_MODE", "seed", "B10_TRANSFER_SIGNING_KEY", key("signer-a.pem").toString())
                .save(new OperationControl());
        assertEquals(SaveStatus.SUCCESS, s.status(), s.message());
        Path local = tmp.resolve("s/cache");
        LoadResult r = ops(KEY, local, "B10_TRANSFER_KEY_MODE", "seed", "B10_TRANSFER_TRUSTED_KEYS", key("signer-a.pub.pem").toString())
                .load(false, new OperationControl());
        assertEquals(LoadStatus.SUCCESS, r.status(), r.message());
        assertEquals(before, TestTrees.snapshot(local));

        // what the Python package writes over it: no signature anywhere
        try (var files = Files.list(store)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Path archive = store.resolve(StoreNames.archive(KEY, Settings.Compression.GZIP));
        assertEquals(0, new ProcessBuilder("tar", "-czf", archive.toString(), "-C", source.toString(), ".").inheritIO().start().waitFor());
        Path other = tmp.resolve("s2/cache");
        LoadResult python = ops(KEY, other, "B10_TRANSFER_KEY_MODE", "seed", "B10_TRANSFER_TRUSTED_KEYS", key("signer-a.pub.pem").toString())
                .load(false, new OperationControl());
        assertEquals(LoadStatus.ERROR, python.status());
        assertTrue(python.message().contains("not signed"), python.message());
        assertUntouched(other);
    }

    @Test
    void keygen_writesAPairThatSignsAndVerifies_thePrivateHalfOwnerOnly() throws Exception {
        Path dir = tmp.resolve("keys");
        String id = SigningKey.generate(dir);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("b10-signing-key.pem"))));
        assertEquals(id, SigningKey.load(dir.resolve("b10-signing-key.pem")).id());
        assertEquals(Set.of(id), TrustedKeys.load(dir.resolve("b10-signing-key.pub.pem")).ids());
        ArchiveSignature.Signer signer = SigningKey.load(dir.resolve("b10-signing-key.pem")).signerFor(KEY);
        Map<String, String> manifest = Map.of("files", "1", "bytes", "2", "digest", "abc");
        TrustedKeys.load(dir.resolve("b10-signing-key.pub.pem")).checkerFor(KEY).verify(id, signer.sign(manifest), manifest);
        assertThrowsValidation(() -> TrustedKeys.load(dir.resolve("b10-signing-key.pub.pem")).checkerFor(OTHER)
                .verify(id, signer.sign(manifest), manifest));
        assertThrowsValidation(() -> SigningKey.generate(dir)); // never replaces a key
    }

    static void assertThrowsValidation(org.junit.jupiter.api.function.Executable e) {
        Throwable t = org.junit.jupiter.api.Assertions.assertThrows(Throwable.class, e);
        assertTrue(t instanceof CacheValidationError || t instanceof java.io.IOException, t.toString());
    }

    static void assertUntouched(Path local) {
        assertFalse(Files.exists(local), "the local cache was not created: " + local);
    }

    static void put(TarArchiveOutputStream tar, String name, byte[] content) throws Exception {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    static Map<String, byte[]> entries(Path gzipTar) throws Exception {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(gzipTar)))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                m.put(e.getName(), e.isDirectory() ? null : in.readAllBytes());
            }
        }
        return m;
    }

    /**
     * Rewrites a gzip archive entry by entry (null drops an entry); with {@code fixManifest} the
     * manifest is recomputed over the new content, as an attacker who can write the store would.
     */
    static void rewrite(Path gzipTar, BiFunction<String, byte[], byte[]> change, boolean fixManifest) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b10.transfer.archive.ContentDigest digest = new b10.transfer.archive.ContentDigest();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(gzipTar)));
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (e.isDirectory()) {
                    tar.putArchiveEntry(e);
                    tar.closeArchiveEntry();
                    continue;
                }
                byte[] content = change.apply(e.getName(), in.readAllBytes());
                if (content == null) {
                    continue;
                }
                if (fixManifest && e.getName().equals(ArchiveMetadata.MANIFEST)) {
                    content = ArchiveMetadata.encode(Map.of("files", Long.toString(digest.files()),
                            "bytes", Long.toString(digest.bytes()), "digest", digest.finish()));
                } else if (!e.getName().startsWith(ArchiveMetadata.DIR)) {
                    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                    crc.update(content);
                    digest.add(e.getName(), content.length, (int) crc.getValue());
                }
                TarArchiveEntry copy = new TarArchiveEntry(e.getName());
                copy.setMode(e.getMode());
                copy.setModTime(e.getModTime());
                copy.setSize(content.length);
                tar.putArchiveEntry(copy);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        Files.write(gzipTar, out.toByteArray());
        // a read-back check that the rewrite itself is a whole archive
        try (TarArchiveInputStream check = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(out.toByteArray())))) {
            while (check.getNextEntry() != null) {
                check.readAllBytes();
            }
        }
    }
}
