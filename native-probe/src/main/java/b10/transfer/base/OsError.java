package b10.transfer.base;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.ReadOnlyFileSystemException;

/**
 * The kind of a local filesystem failure, so that messages can name the cause and the fix.
 * Where the JDK has a type, the type decides. A full disk has none: the JDK throws a plain
 * IOException (or a FileSystemException) carrying the system's own words for ENOSPC and
 * EDQUOT, so those words are matched here, and nowhere else.
 */
public enum OsError {
    NO_SPACE, READ_ONLY, PERMISSION, OTHER;

    public static OsError of(Throwable t) {
        if (t instanceof AccessDeniedException) {
            return PERMISSION;
        }
        if (t instanceof ReadOnlyFileSystemException) {
            return READ_ONLY;
        }
        String said = t instanceof FileSystemException f && f.getReason() != null ? f.getReason() : String.valueOf(t.getMessage());
        if (said.contains("No space left on device") || said.contains("Disk quota exceeded")) {
            return NO_SPACE;
        }
        if (said.contains("Read-only file system")) {
            return READ_ONLY;
        }
        return OTHER;
    }
}
