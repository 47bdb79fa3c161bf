package b10.transfer.trust;

import b10.transfer.key.EnvironmentKey;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a signature covers, as canonical text: a format line, the key the archive is published
 * under (its text and hash: a signed archive cannot be replayed under another key) and the
 * manifest's fields in sorted order (files, bytes and the content digest over every file's path,
 * size and checksum). The store's mount path is not in it: replicas mount one store at different
 * paths, and the key already names what the archive is for.
 */
final class Statement {
    static final String FORMAT = "b10-transfer-signature-1";

    private Statement() {
    }

    static byte[] of(EnvironmentKey key, Map<String, String> manifest) {
        StringBuilder b = new StringBuilder(FORMAT).append('\n');
        b.append("key=").append(key.text()).append('\n');
        b.append("hash=").append(key.hash()).append('\n');
        for (Map.Entry<String, String> e : new TreeMap<>(manifest).entrySet()) {
            b.append("manifest.").append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A key's id: the first 16 hex digits of SHA-256 over its X.509 encoding (as {@code openssl pkey -pubout -outform DER} writes it). */
    static String keyId(PublicKey key) {
        return HexFormat.of().formatHex(b10.transfer.base.Sha256.of(key.getEncoded()), 0, 8);
    }
}
