package b10.transfer.archive;

import b10.transfer.config.Settings;

/** What an archive may contain before it is refused whole. */
public record ExtractionLimits(long maxBytes, long maxEntries, int maxDepth, int maxPathLength, long minFreeBytes,
                               int writerThreads) {
    public static ExtractionLimits of(Settings s) {
        return new ExtractionLimits(s.maxCacheBytes, s.maxEntries, s.maxPathDepth, s.maxPathLength, s.minFreeBytes,
                s.writerThreads);
    }
}
