package b10.transfer.s3;

import b10.transfer.config.S3Location;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Whether the server keeps the promise the save protocol rests on: a PUT with
 * {@code If-None-Match: *} on an object that exists, or with {@code If-Match} on another ETag,
 * is refused (412), not carried out. Some S3-compatible servers accept both headers and simply
 * overwrite, answering 200; there every concurrent save "succeeds" while all but one pointer
 * update are lost. Asked once per process and store, before the first save, with a probe object
 * under the prefix that is deleted afterwards.
 */
final class ConditionalWrites {
    private static final Map<String, String> VERDICTS = new ConcurrentHashMap<>();
    static final String PROBE_FOLDER = ".b10-probe/";

    private ConditionalWrites() {
    }

    /** Null when the server honours conditional writes, else what it did instead. */
    static String check(S3Client s3, S3Location where) {
        String store = where.endpoint() + " " + where.bucket() + "/" + where.prefix();
        String cached = VERDICTS.get(store);
        if (cached != null) {
            return cached.isEmpty() ? null : cached;
        }
        String verdict = probe(s3, where);
        VERDICTS.put(store, verdict == null ? "" : verdict);
        return verdict;
    }

    private static String probe(S3Client s3, S3Location where) {
        String key = where.key(PROBE_FOLDER + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
        try {
            String etag = create(s3, where, key);
            if (!refused(() -> s3.putObject(b -> b.bucket(where.bucket()).key(key).ifNoneMatch("*"), RequestBody.fromString("2")))) {
                return "a PUT with If-None-Match: * over an existing object was carried out (200), not refused (412)";
            }
            String bare = etag == null ? "" : etag.replace("\"", "");
            String wrong = "\"" + (bare.isEmpty() ? "0" : (bare.charAt(0) == '0' ? "1" : "0") + bare.substring(1)) + "\"";
            if (!refused(() -> s3.putObject(b -> b.bucket(where.bucket()).key(key).ifMatch(wrong), RequestBody.fromString("3")))) {
                return "a PUT with If-Match on another ETag was carried out (200), not refused (412)";
            }
            return null;
        } finally {
            try {
                s3.deleteObject(b -> b.bucket(where.bucket()).key(key));
            } catch (SdkException e) {
                // an orphan probe of a few bytes; the next probe uses another name
            }
        }
    }

    /**
     * The probe object, created with If-None-Match: *. Its name is ours alone, so a 412 here means an
     * earlier attempt of this very request landed and its answer was lost (the SDK then retried):
     * the object is there, and the probe goes on with it.
     */
    private static String create(S3Client s3, S3Location where, String key) {
        try {
            return s3.putObject(b -> b.bucket(where.bucket()).key(key).ifNoneMatch("*"), RequestBody.fromString("1")).eTag();
        } catch (S3Exception e) {
            if (e.statusCode() != 412 && e.statusCode() != 409) {
                throw e;
            }
            return s3.headObject(b -> b.bucket(where.bucket()).key(key)).eTag();
        }
    }

    private static boolean refused(Runnable put) {
        try {
            put.run();
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return true;
            }
            throw e;
        }
    }
}
