package b10.transfer.s3;

import b10.transfer.CacheError;
import b10.transfer.config.S3Location;
import b10.transfer.store.StoreError;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/** Turns what the SDK throws into one line naming the cause: endpoint, bucket, credentials or server. */
final class S3Errors {
    private S3Errors() {
    }

    /** For an operation on one object: the message names it, with the operation, the status and the server's own words. */
    static CacheError describe(String doing, String object, Throwable t, S3Location where) {
        return describe(doing + " " + object + " in", t, where);
    }

    static CacheError describe(String doing, Throwable t, S3Location where) {
        String store = where.uri() + " (B10_TRANSFER_STORE)";
        String endpoint = where.endpoint() != null ? where.endpoint() + " (B10_TRANSFER_S3_ENDPOINT)" : "the AWS S3 endpoint";
        if (t instanceof AwsServiceException e) {
            String code = e.awsErrorDetails() != null ? e.awsErrorDetails().errorCode() : null;
            int status = e.statusCode();
            if ("NoSuchBucket".equals(code)) {
                return new StoreError("bucket '" + where.bucket() + "' does not exist: " + doing + " " + store, t);
            }
            if (status == 403 || "AccessDenied".equals(code) || "InvalidAccessKeyId".equals(code)
                    || "SignatureDoesNotMatch".equals(code) || "ExpiredToken".equals(code)) {
                return new StoreError("access denied (" + (code != null ? code : "403") + ") while " + doing + " " + store
                        + ": check the credentials (AWS_ACCESS_KEY_ID, AWS_PROFILE, the role) and the bucket's policy", t);
            }
            if (status == 301 || "PermanentRedirect".equals(code)) {
                return new StoreError("the bucket of " + store + " is in another region: set B10_TRANSFER_S3_REGION or AWS_REGION", t);
            }
            String said = firstLine(e.awsErrorDetails() != null ? e.awsErrorDetails().errorMessage() : null);
            if (said.isBlank()) {
                said = firstLine(e.getMessage());
            }
            return new StoreError("S3 answered " + status + " " + (code != null ? code : "(no error code)") + " while " + doing
                    + " " + store + (status >= 500 || status == 429 ? " after " + S3Clients.MAX_ATTEMPTS + " attempts" : "")
                    + ": " + (said.isBlank() ? "the server gave no message" : said), t);
        }
        Throwable root = rootCause(t);
        if (root instanceof ConnectException || root instanceof UnknownHostException) {
            return new StoreError("cannot reach " + endpoint + " while " + doing + " " + store + ": " + root, t);
        }
        if (root instanceof SocketTimeoutException) {
            return new StoreError("no answer from " + endpoint + " within " + S3Clients.SOCKET_TIMEOUT.toSeconds()
                    + " s while " + doing + " " + store + " (" + root.getMessage() + ")", t);
        }
        if (t instanceof SdkClientException && String.valueOf(t.getMessage()).contains("credentials")) {
            return new StoreError("no AWS credentials found for " + store
                    + ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or give the machine a role", t);
        }
        if (t instanceof SdkException) {
            return new StoreError("S3 client failed while " + doing + " " + store + ": " + firstLine(t.getMessage()), t);
        }
        if (t instanceof CacheError c) {
            return c;
        }
        return new StoreError(doing + " " + store + " failed: " + t, t);
    }

    private static Throwable rootCause(Throwable t) {
        Throwable r = t;
        for (int i = 0; i < 16 && r.getCause() != null && r.getCause() != r; i++) {
            r = r.getCause();
        }
        return r;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
