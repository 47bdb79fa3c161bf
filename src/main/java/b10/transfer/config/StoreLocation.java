package b10.transfer.config;

import java.nio.file.Path;

/**
 * Where the store is, parsed once by {@link Settings}: a directory (a shared mount) or an S3
 * bucket and prefix. The scheme picks the store's implementation (see {@code store.Stores}).
 */
public sealed interface StoreLocation permits StoreLocation.Directory, S3Location {
    /** {@code file} or {@code s3}: the key of the store factory. */
    String scheme();

    /** The location as the user wrote it, for messages. */
    String uri();

    /**
     * A directory store.
     *
     * @param setting the variable that named it, for messages: B10_TRANSFER_STORE or B10FS_CACHE_DIR
     */
    record Directory(Path dir, String setting) implements StoreLocation {
        @Override
        public String scheme() {
            return "file";
        }

        @Override
        public String uri() {
            return dir.toString();
        }
    }
}
