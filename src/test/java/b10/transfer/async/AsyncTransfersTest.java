package b10.transfer.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AsyncTransfersTest {
    @Test
    void finishedOperations_areForgotten_pastTheBound() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < AsyncTransfers.MAX_FINISHED + 100; i++) {
            String id = AsyncTransfers.transfer(Path.of("."), Path.of("."), (a, b) -> { }, "quick", TransferOptions.NONE);
            assertTrue(AsyncTransfers.await(id, Duration.ofSeconds(10)));
            ids.add(id);
        }
        AsyncTransfers.transfer(Path.of("."), Path.of("."), (a, b) -> { }, "one more", TransferOptions.NONE);
        assertTrue(AsyncTransfers.held() <= AsyncTransfers.MAX_FINISHED + 1, "held " + AsyncTransfers.held());
        assertThrows(IllegalArgumentException.class, () -> AsyncTransfers.future(ids.get(0)));
    }

    @Test
    void progressLines_sayBytesFilesAndTheOutcome() {
        TransferProgress p = new TransferProgress("id", "load", AsyncTransferStatus.IN_PROGRESS, Instant.EPOCH, null, null,
                13_107_200, 440_401_916, 1200, 10_000, null);
        assertEquals("load IN_PROGRESS: 12.5 of 420.0 MiB, 1200 of 10000 files", AsyncTransfers.describe(p));
    }
}
