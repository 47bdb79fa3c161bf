package b10.transfer.config;

import b10.transfer.CacheValidationError;
import java.net.URI;

/**
 * An {@code s3://bucket/prefix} store and how to reach it. Region and credentials are not here:
 * they come from the AWS SDK's default chains (environment, profile, container or instance role).
 *
 * @param endpoint    an S3-compatible service's URL (MinIO, Ceph RGW, GCS), or null for AWS
 * @param region      a region that overrides the chain's, or null
 * @param partBytes   the size of an upload's parts and of a download's ranged reads
 * @param connections parallel part uploads and ranged reads per transfer
 * @param acceptLostUpdates save to a server that ignores conditional writes (last writer wins, a
 *                          racing save can be lost), where the store otherwise refuses to save
 */
public record S3Location(String bucket, String prefix, URI endpoint, boolean pathStyle, String region,
                         int partBytes, int connections, boolean acceptLostUpdates) implements StoreLocation {

    @Override
    public String scheme() {
        return "s3";
    }

    /** The URI as the user writes it. */
    @Override
    public String uri() {
        return "s3://" + bucket + "/" + prefix;
    }

    /** The object key of a name inside the prefix. */
    public String key(String name) {
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    /** Splits {@code s3://bucket/some/prefix/} into bucket and prefix (no slash at either end). */
    static String[] parse(String store, String setting) {
        String rest = store.substring(5);
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : rest.substring(slash + 1);
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        if (bucket.isEmpty() || !bucket.matches("[A-Za-z0-9._-]{1,255}")) {
            throw new CacheValidationError(setting + "='" + store + "' does not name a bucket: write s3://bucket/prefix");
        }
        if (prefix.startsWith("/") || prefix.contains("//") || prefix.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw new CacheValidationError(setting + "='" + store + "' has an empty or control-character path segment in its prefix");
        }
        return new String[] {bucket, prefix};
    }

    static URI endpoint(String raw, String setting) {
        if (raw == null) {
            return null;
        }
        try {
            URI u = new URI(raw);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return u;
        } catch (Exception e) {
            throw new CacheValidationError(setting + "='" + raw + "' is not an http(s)://host[:port] URL");
        }
    }
}
