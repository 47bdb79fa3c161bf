package b10.transfer.archive;

import java.util.Map;

/**
 * Where an archive's signature plugs in, without the archive code knowing keys: a saver's
 * {@link Signer} names itself in the header and signs the manifest (files, bytes, content digest)
 * for the key the archive is published under; a loader's {@link Checker} refuses an unsigned or
 * untrusted archive at its header, before any file is extracted, and an altered one at its end,
 * before the local cache changes.
 */
public final class ArchiveSignature {
    /** The entry after the manifest: {@code signer} and {@code signature}. */
    public static final String ENTRY = ArchiveMetadata.DIR + "signature.properties";
    /** The header's claim of who signed (checked against the signature at the end). */
    public static final String SIGNER = "signer";
    public static final String SIGNATURE = "signature";

    private ArchiveSignature() {
    }

    public interface Signer {
        String keyId();

        /** @return the signature, base64, over the manifest's fields and the key it is published under */
        String sign(Map<String, String> manifest);
    }

    public interface Checker {
        /** Refuses (CacheValidationError) an archive whose claimed signer is absent or not trusted. */
        void claim(String keyId);

        /** Refuses an archive whose signature does not verify over its manifest under a trusted key. */
        void verify(String keyId, String signature, Map<String, String> manifest);
    }
}
