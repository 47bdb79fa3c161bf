package b10.transfer;

/**
 * Result of a save. SKIPPED: the local cache is missing or empty, the local cache is unchanged
 * since this process restored or saved it, or the operation is disabled.
 */
public enum SaveStatus { SUCCESS, ERROR, SKIPPED }
