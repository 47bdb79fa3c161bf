package b10.transfer.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import b10.transfer.LoadStatus;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.OperationControl;
import org.junit.jupiter.api.Test;

/**
 * The S3 store's suite on a second, independent S3 server: S3Mock. It enforces conditional writes,
 * replaces objects in two steps a reader can see between, and checks no credentials.
 */
@TestS3Server.On(TestS3Server.Kind.S3MOCK)
class S3StoreOnS3MockTest extends S3StoreTest {
    /** S3Mock checks no signature: a wrong secret is not refused there, and the load goes on as with the right one. */
    @Override
    @Test
    void wrongCredentials_areOneClearError() throws Exception {
        String good = System.getProperty("aws.secretAccessKey");
        System.setProperty("aws.secretAccessKey", "not-the-secret");
        try {
            LoadResult l = ops(tmp.resolve("local/cache"), "x").load(false, new OperationControl());
            assertEquals(LoadStatus.DOES_NOT_EXIST, l.status(), l.message());
        } finally {
            System.setProperty("aws.secretAccessKey", good);
        }
    }
}
