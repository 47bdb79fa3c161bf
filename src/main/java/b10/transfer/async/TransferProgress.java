package b10.transfer.async;

import java.time.Instant;

/**
 * A snapshot of one asynchronous operation. Totals are -1 until known; {@code result} is the
 * underlying operation's own outcome (e.g. "DOES_NOT_EXIST: no archive for key ..."), since a load
 * that finds nothing to restore still completes successfully.
 */
public record TransferProgress(String operationId, String operationName, AsyncTransferStatus status, Instant startedAt,
                               Instant completedAt, String errorMessage, long bytesDone, long bytesTotal,
                               long filesDone, long filesTotal, String result) {
}
