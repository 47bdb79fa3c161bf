package b10.transfer;

/**
 * What a load did: its status, the one-line message that says why (the same line the log gets),
 * and its figures.
 *
 * @param status  SUCCESS, SKIPPED, DOES_NOT_EXIST or ERROR
 * @param message the cause or the result in one line, e.g. "restored 121 files, 3.5 MiB from ..."
 * @param files   files restored (0 unless SUCCESS)
 * @param bytes   bytes restored (0 unless SUCCESS)
 * @param millis  how long the load took
 * @param archive the archive's path or URI, or null where none was read
 */
public record LoadOutcome(LoadStatus status, String message, long files, long bytes, long millis, String archive) {
}
