package b10.transfer.agent;

import b10.transfer.s3.TestS3Server;

/** {@link S3Scenarios} on the second S3 server, S3Mock: its replaces can be read torn, and it checks no credentials. */
@TestS3Server.On(TestS3Server.Kind.S3MOCK)
class S3OnS3MockTest extends S3Scenarios {
    /**
     * Fewer than S3Proxy's fleet: this server is here for how it behaves (conditional writes
     * enforced, replaces readable torn), which 4 savers racing on one pointer meet as 8 do; S3Proxy
     * runs 8.
     */
    @Override
    protected int fleet() {
        return 4;
    }
}
