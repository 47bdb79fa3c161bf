package b10.transfer.store;

import b10.transfer.archive.ArchiveWriter;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.archive.TransferControl;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where archives are shared between machines: a directory on a mount ({@link FileStore}) or a
 * bucket on the S3 API (module s3). Every implementation keeps the same promises: a reader sees
 * a key's previous archive or its new one, whole, never a part; concurrent publishers need no
 * lock; what a crashed writer leaves is removed by later operations once older than the
 * temporaries' age. The archive's own manifest is verified by the reader, not by the store.
 */
public interface ArchiveStore extends AutoCloseable {

    /** Why an operation cannot start: {@code absent} marks the normal states (no store, no archive yet). */
    record Refusal(boolean absent, String message) {
    }

    /** One published archive of a key. */
    interface Stored {
        /** The path or URI, for messages. */
        String location();

        long size();

        /** The archive's bytes from the first; the store may read ahead in parallel. */
        InputStream open(TransferControl control) throws IOException;

        /**
         * The archive's first bytes, enough for its header (its first zstd frame, up to
         * {@code bytes}): what {@code info} reads, without the read-ahead of a whole transfer.
         */
        default InputStream openHead(int bytes) throws IOException {
            return open(TransferControl.NONE);
        }

        /** The manifest kept beside an archive that cannot carry its own (the Python layout), when it describes this one. */
        default Map<String, String> sideManifest() {
            return null;
        }
    }

    /** The members the store's archives have: the Python package's layout where a store is shared with it. */
    default ArchiveWriter.Layout layout() {
        return ArchiveWriter.Layout.NATIVE;
    }

    /** The path or URI, and the setting that chose it, for messages. */
    String describe();

    /** Null when a load may go on, else why not; cheap, and needs no key (an empty store costs no GPU probe). */
    Refusal checkLoad();

    /** Null when a save may go on, else why not; creates the store's directory where that is safe. */
    Refusal checkSave();

    /** Removes what crashed writers left, older than the age. Never throws. */
    void removeStale(Duration maxAge, boolean forSave);

    Optional<Stored> find(EnvironmentKey key) throws IOException;

    /** Where the key's archive is or would be published, for {@code info}. */
    String locationFor(EnvironmentKey key, Settings.Compression compression);

    /** Publishes the body as the key's archive, atomically; readers see the old one until it is whole. */
    Stored publish(EnvironmentKey key, Settings.Compression compression, Publisher.Body body, TransferControl control)
            throws IOException;

    /** Every key's archive, with what the store knows of it. */
    List<Map<String, Object>> list() throws IOException;

    /**
     * A key the store holds.
     *
     * @param text the key's text where a small record says it (null where none does)
     */
    record StoredKey(String hash, String text, java.time.Instant modified) {
    }

    /**
     * The keys the store holds, newest first, the texts of at most {@code most} of them read (from
     * small records, never from archives): what a miss is compared with.
     */
    List<StoredKey> keys(int most) throws IOException;

    /** Releases connections; the filesystem store holds none. */
    @Override
    void close();
}
