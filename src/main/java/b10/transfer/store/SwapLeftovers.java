package b10.transfer.store;

import java.io.File;
import java.nio.file.Path;

/**
 * Whether something beside the local cache may need {@link LocalCache#recover}: a swap's set-aside
 * copy ({@code .<name>.b10-old-…}), or a parent that cannot be listed. Its own small class, java.io
 * only: the agent asks before the application's main, where every class loaded is the host's cost.
 */
public final class SwapLeftovers {
    private SwapLeftovers() {
    }

    public static boolean mayBeBeside(Path cacheDir) {
        Path dir = cacheDir.toAbsolutePath().normalize();
        Path parentPath = dir.getParent();
        if (parentPath == null) {
            return false;
        }
        File parent = parentPath.toFile();
        String[] names = parent.list();
        if (names == null) {
            return parent.exists(); // absent: nothing to recover; there but unreadable: let the load say why
        }
        String setAside = "." + dir.getFileName() + ".b10-old-"; // LocalCache's set-aside name
        for (String n : names) {
            if (n.startsWith(setAside)) {
                return true;
            }
        }
        return false;
    }
}
