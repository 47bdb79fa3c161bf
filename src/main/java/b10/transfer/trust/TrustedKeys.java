package b10.transfer.trust;

import b10.transfer.CacheValidationError;
import b10.transfer.archive.ArchiveSignature;
import b10.transfer.key.EnvironmentKey;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The public keys a loader trusts (B10_TRANSFER_TRUSTED_KEYS: a PEM file with one or more
 * {@code PUBLIC KEY} blocks, or a directory of such files), by key id. Rotation: add the new key,
 * let savers sign with it, then remove the old one.
 */
public final class TrustedKeys {
    static final String SETTING = "B10_TRANSFER_TRUSTED_KEYS";

    private final Map<String, PublicKey> byId;
    private final Path source;

    private TrustedKeys(Map<String, PublicKey> byId, Path source) {
        this.byId = byId;
        this.source = source;
    }

    public java.util.Set<String> ids() {
        return byId.keySet();
    }

    public static TrustedKeys load(Path fileOrDir) {
        List<Path> files = new ArrayList<>();
        try {
            if (Files.isDirectory(fileOrDir)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(fileOrDir)) {
                    for (Path p : ds) {
                        // a Kubernetes secret volume also holds ..data links and hidden entries: regular files only
                        if (Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".")) {
                            files.add(p);
                        }
                    }
                }
                files.sort(null);
            } else {
                files.add(fileOrDir);
            }
            Map<String, PublicKey> keys = new LinkedHashMap<>();
            for (Path f : files) {
                for (Pem.Block b : Pem.read(Files.readString(f))) {
                    if (b.type().equals("PUBLIC KEY")) {
                        PublicKey k = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(b.der()));
                        keys.put(Statement.keyId(k), k);
                    }
                }
            }
            if (keys.isEmpty()) {
                throw new CacheValidationError(fileOrDir + " (" + SETTING + ") holds no Ed25519 -----BEGIN PUBLIC KEY----- block");
            }
            return new TrustedKeys(keys, fileOrDir);
        } catch (IOException e) {
            throw new CacheValidationError("cannot read the trusted keys " + fileOrDir + " (" + SETTING + "): " + e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new CacheValidationError("the trusted keys " + fileOrDir + " (" + SETTING + ") hold a key that is not an"
                    + " Ed25519 public key in PEM (openssl pkey -pubout writes one): " + e.getMessage());
        }
    }

    /** A checker for archives published under the key. */
    public ArchiveSignature.Checker checkerFor(EnvironmentKey environment) {
        return new ArchiveSignature.Checker() {
            @Override
            public void claim(String keyId) {
                if (keyId == null) {
                    throw new CacheValidationError("archive rejected: it is not signed, and " + SETTING
                            + " asks for a signature by one of " + byId.keySet());
                }
                if (!byId.containsKey(keyId)) {
                    throw new CacheValidationError("archive rejected: signed by key " + keyId + ", which is not in "
                            + SETTING + " (" + source + ": " + byId.keySet() + ")");
                }
            }

            @Override
            public void verify(String keyId, String signature, Map<String, String> manifest) {
                claim(keyId);
                if (signature == null) {
                    throw new CacheValidationError("archive rejected: its header names signer " + keyId
                            + " but it ends without a signature (truncated or altered)");
                }
                boolean ok;
                try {
                    Signature v = Signature.getInstance("Ed25519");
                    v.initVerify(byId.get(keyId));
                    v.update(Statement.of(environment, manifest));
                    ok = v.verify(Base64.getDecoder().decode(signature));
                } catch (GeneralSecurityException | IllegalArgumentException e) {
                    ok = false;
                }
                if (!ok) {
                    throw new CacheValidationError("archive rejected: its signature by key " + keyId + " does not match"
                            + " its content and key " + environment.hash() + " (altered after signing, or signed for another key)");
                }
            }
        };
    }
}
