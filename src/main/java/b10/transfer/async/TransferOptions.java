package b10.transfer.async;

import java.nio.file.Path;

/**
 * Free-space watches for a generic transfer, as the seed's {@code monitor_local} and
 * {@code monitor_b10fs}: while it runs, free space under each watched path is checked every
 * 100 ms, and falling below the minimum stops it with INTERRUPTED. A null path watches nothing.
 */
public record TransferOptions(Path localPath, long minFreeLocalBytes, Path storePath, long minFreeStoreBytes) {
    public static final TransferOptions NONE = new TransferOptions(null, 0, null, 0);

    public static TransferOptions watchLocal(Path path, long minFreeBytes) {
        return new TransferOptions(path, minFreeBytes, null, 0);
    }

    public TransferOptions andStore(Path path, long minFreeBytes) {
        return new TransferOptions(localPath, minFreeLocalBytes, path, minFreeBytes);
    }
}
