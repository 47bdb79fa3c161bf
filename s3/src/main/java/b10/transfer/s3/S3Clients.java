package b10.transfer.s3;

import b10.transfer.config.S3Location;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** Builds the one S3 client of a store: the SDK's default credential and region chains, bounded retries and timeouts. */
final class S3Clients {
    /** No byte for this long on an open connection is a failed attempt (a stopped server, a dead link). */
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** One request, body included: a part of 8 MiB at 1 MiB/s fits. */
    static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(60);
    /** Throttling and 5xx are retried with the SDK's jittered exponential backoff, this many attempts in all. */
    static final int MAX_ATTEMPTS = 5;

    private S3Clients() {
    }

    static S3Client build(S3Location where) {
        S3ClientBuilder b = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(SOCKET_TIMEOUT)
                        .build())
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .region(region(where))
                .forcePathStyle(where.pathStyle())
                // S3-compatible stores refuse the newer default checksum headers; the archive's manifest is our check
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallAttemptTimeout(ATTEMPT_TIMEOUT)
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(MAX_ATTEMPTS).build())
                        .build());
        if (where.endpoint() != null) {
            b.endpointOverride(where.endpoint());
        } else {
            // a bucket in another region than the chain's answers with a redirect the client then follows
            b.crossRegionAccessEnabled(true);
        }
        return b.build();
    }

    /**
     * The setting, else the SDK's chain (AWS_REGION, the profile, on AWS the instance), else
     * us-east-1. For an S3-compatible endpoint the chain skips the instance metadata service: it
     * is not there to answer, and asking it costs about a second.
     */
    private static Region region(S3Location where) {
        if (where.region() != null) {
            return Region.of(where.region());
        }
        AwsRegionProvider chain = where.endpoint() != null
                ? new AwsRegionProviderChain(new SystemSettingsRegionProvider(), new AwsProfileRegionProvider())
                : new DefaultAwsRegionProviderChain();
        try {
            return chain.getRegion();
        } catch (SdkClientException e) {
            // S3-compatible services ignore the region; on AWS, cross-region access finds the bucket's
            return Region.US_EAST_1;
        }
    }
}
