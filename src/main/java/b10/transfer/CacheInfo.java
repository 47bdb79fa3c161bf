package b10.transfer;

import java.util.Map;

/**
 * The configuration and the state of this environment's cache, as {@code info} shows them.
 *
 * @param version         b10-transfer's version
 * @param localCacheDir   the local cache directory
 * @param store           the store: a directory or an {@code s3://} URI
 * @param key             this environment's key, e.g. torch-2.11.0+cu130_cuda-13.0_gpu-NVIDIA-H200_cc-9.0_triton-3.6.0
 * @param hash            the key's hash, which names its archive
 * @param archive         where the key's archive is, or would be published
 * @param archiveExists   whether the store holds it
 * @param archiveBytes    its size, or null where it does not exist
 * @param archiveSignedBy the key id its header names as signer, "unsigned", or null where it does not exist
 * @param localFiles      files in the local cache (-1 where it cannot be walked)
 * @param components      the key's components by name
 * @param storeError      why the store could not be read, or null
 */
public record CacheInfo(String version, String localCacheDir, String store, String key, String hash, String archive,
                        boolean archiveExists, Long archiveBytes, String archiveSignedBy, long localFiles,
                        Map<String, Object> components, String storeError) {

    @SuppressWarnings("unchecked")
    static CacheInfo of(Map<String, Object> m) {
        return new CacheInfo((String) m.get("version"), (String) m.get("local_cache_dir"), (String) m.get("store_dir"),
                (String) m.get("key"), (String) m.get("hash"), (String) m.get("archive_path"),
                Boolean.TRUE.equals(m.get("archive_exists")), (Long) m.get("archive_bytes"), (String) m.get("archive_signed_by"),
                ((Number) m.get("local_files")).longValue(), (Map<String, Object>) m.get("components"), (String) m.get("store_error"));
    }
}
