package b10.transfer.trust;

import b10.transfer.CacheValidationError;
import b10.transfer.archive.ArchiveSignature;
import b10.transfer.key.EnvironmentKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Map;

/**
 * A saver's Ed25519 private key (B10_TRANSFER_SIGNING_KEY: a PKCS#8 PEM file, as
 * {@code openssl genpkey -algorithm ed25519} writes it). Its public half, and so its key id, is
 * derived from it: Ed25519's public key is a function of the private one.
 */
public final class SigningKey {
    static final String SETTING = "B10_TRANSFER_SIGNING_KEY";

    private final PrivateKey key;
    private final PublicKey publicKey;
    private final String id;

    private SigningKey(PrivateKey key, PublicKey publicKey) {
        this.key = key;
        this.publicKey = publicKey;
        this.id = Statement.keyId(publicKey);
    }

    public String id() {
        return id;
    }

    public static SigningKey load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new CacheValidationError("cannot read the signing key " + file + " (" + SETTING + "): " + e);
        }
        try {
            for (Pem.Block b : Pem.read(text)) {
                if (b.type().equals("PRIVATE KEY")) {
                    PrivateKey k = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(b.der()));
                    return new SigningKey(k, Ed25519.publicOf(k));
                }
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new CacheValidationError("the signing key " + file + " (" + SETTING + ") is not an Ed25519 PKCS#8 PEM key"
                    + " (openssl genpkey -algorithm ed25519 writes one): " + e.getMessage());
        }
        throw new CacheValidationError("the signing key " + file + " (" + SETTING + ") holds no -----BEGIN PRIVATE KEY----- block");
    }

    /** A signer of archives published under the key. */
    public ArchiveSignature.Signer signerFor(EnvironmentKey environment) {
        return new ArchiveSignature.Signer() {
            @Override
            public String keyId() {
                return id;
            }

            @Override
            public String sign(Map<String, String> manifest) {
                try {
                    Signature s = Signature.getInstance("Ed25519");
                    s.initSign(key);
                    s.update(Statement.of(environment, manifest));
                    return Base64.getEncoder().encodeToString(s.sign());
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("Ed25519 signing failed: " + e, e);
                }
            }
        };
    }

    /**
     * Writes a new key pair into {@code dir}: {@code b10-signing-key.pem} (private, owner-only) and
     * {@code b10-signing-key.pub.pem}; refuses to replace existing files.
     *
     * @return the new key's id
     */
    public static String generate(Path dir) throws IOException {
        Path priv = dir.resolve("b10-signing-key.pem");
        Path pub = dir.resolve("b10-signing-key.pub.pem");
        if (Files.exists(priv) || Files.exists(pub)) {
            throw new IOException(priv + " or " + pub + " exists; not replaced");
        }
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IOException("this JDK cannot make Ed25519 keys: " + e, e);
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".b10-signing-key", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX filesystem: the directory's own protection applies
            }
            Files.writeString(tmp, Pem.write("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Files.move(tmp, priv);
        } finally {
            Files.deleteIfExists(tmp);
        }
        Files.writeString(pub, Pem.write("PUBLIC KEY", pair.getPublic().getEncoded()));
        return Statement.keyId(pair.getPublic());
    }
}
