package b10.transfer;

/**
 * What a save did: its status, the one-line message that says why (the same line the log gets),
 * and its figures.
 *
 * @param status       SUCCESS, SKIPPED or ERROR
 * @param message      the cause or the result in one line, e.g. "saved 121 files, 3.5 MiB as ..."
 * @param files        files archived (0 unless SUCCESS)
 * @param bytes        bytes of those files (0 unless SUCCESS)
 * @param archiveBytes the published archive's size (0 unless SUCCESS)
 * @param millis       how long the save took
 * @param archive      the archive's path or URI, or null where nothing was published
 */
public record SaveOutcome(SaveStatus status, String message, long files, long bytes, long archiveBytes, long millis,
                          String archive) {
}
