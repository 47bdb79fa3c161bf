package b10.transfer;

/**
 * Result of a load. SKIPPED: the local cache directory already holds files (a load never
 * overwrites a cache that may be in use; {@code load --force} replaces it atomically), or the
 * operation is disabled by B10_TRANSFER_ENABLED=false.
 */
public enum LoadStatus { SUCCESS, ERROR, DOES_NOT_EXIST, SKIPPED }
