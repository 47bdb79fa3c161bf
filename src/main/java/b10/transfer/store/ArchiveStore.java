package b10.transfer.store;

import b10.transfer.archive.ArchiveWriter;
import b10.transfer.archive.TransferControl;
import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where archives are shared between machines: a directory on a mount ({@link FileStore}) or a
 * bucket on the S3 API (module s3). A key's content is a base archive and the layers published
 * over it ({@link Content}). Every implementation keeps the same promises: a reader sees a whole
 * content, never a part of an archive; concurrent publishers need no lock and lose nothing (a
 * layer is a new immutable archive; a base that finds one already there becomes a layer); what a
 * crashed writer leaves, and what a compaction folded, is removed once older than the
 * temporaries' age, so a reader that started before still finds it. The archives' own manifests
 * are verified by the reader, not by the store.
 */
public interface ArchiveStore extends AutoCloseable {

    /** Why an operation cannot start: {@code absent} marks the normal states (no store, no archive yet). */
    record Refusal(boolean absent, String message) {
    }

    /** One published archive of a key: its base or one of its layers. */
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

        /** Whether this archive is one of its key's layers (not its base). */
        default boolean layer() {
            return false;
        }

        /** The archive's id (what a base's header names among the layers it folds); null where it has none. */
        default String id() {
            return null;
        }

        /**
         * The files the archive holds (relative path to size) from its index, or null where it has
         * none (an archive of an earlier version, or of the Python package): then the archive is read.
         */
        default Map<String, Long> listing() throws IOException {
            return null;
        }
    }

    /**
     * A key's content: the base (null where only layers exist) and the layers not folded into it,
     * oldest first. A load applies the base, then each layer over it (the newest file wins).
     *
     * @param version an identity of this content that changes whenever it does (compared, never parsed)
     * @param note    what a load must say of it besides its files (layers that could not be listed), or null
     */
    record Content(Stored base, List<Stored> layers, String version, String note) {
        public static final Content NONE = new Content(null, List.of(), "none");

        public Content(Stored base, List<Stored> layers, String version) {
            this(base, layers, version, null);
        }

        public boolean isEmpty() {
            return base == null && layers.isEmpty();
        }

        /** The base first, then the layers in order. */
        public List<Stored> archives() {
            List<Stored> all = new ArrayList<>();
            if (base != null) {
                all.add(base);
            }
            all.addAll(layers);
            return all;
        }

        public long layerBytes() {
            long b = 0;
            for (Stored s : layers) {
                b += Math.max(0, s.size());
            }
            return b;
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

    /**
     * Removes what crashed writers left, and what compactions folded, last changed before the
     * cutoff (now less B10_TRANSFER_TEMP_MAX_AGE_S, by the settings' clock). Never throws. Loads
     * remove nothing where they may not write.
     */
    void removeStale(Instant cutoff, boolean forSave);

    /** The key's content; {@link Content#NONE} where the store holds nothing for it. */
    Content content(EnvironmentKey key) throws IOException;

    /** The key's base archive, or its newest layer where it has no base. */
    default Optional<Stored> find(EnvironmentKey key) throws IOException {
        Content c = content(key);
        return Optional.ofNullable(c.base() != null ? c.base() : c.layers().isEmpty() ? null : c.layers().get(c.layers().size() - 1));
    }

    /** Where the key's archive is or would be published, for {@code info}. */
    String locationFor(EnvironmentKey key, Settings.Compression compression);

    /**
     * Publishes the body as the key's base where the key has no content when it lands, else as a
     * layer over what is there (so two first saves racing both keep their files). In the Python
     * layout: the key's one archive, replaced.
     */
    Stored publish(EnvironmentKey key, Settings.Compression compression, Publisher.Body body, TransferControl control)
            throws IOException;

    /** Publishes the body as a new layer of the key: a new immutable archive, nothing replaced. */
    Stored publishLayer(EnvironmentKey key, Settings.Compression compression, Publisher.Body body, TransferControl control)
            throws IOException;

    /**
     * Publishes the body as the key's new base, folding {@code seen}'s layers: a compaction (the
     * body holds {@code seen}'s base with its layers applied), or a replacement (the body is what
     * the key's content is to be). Layers published meanwhile stay over it.
     *
     * @param onlyIfBaseUnchanged a compaction: null, with nothing published, where {@code seen}'s
     *                            base is no longer current (another compaction landed first)
     */
    Stored compact(EnvironmentKey key, Content seen, boolean onlyIfBaseUnchanged, Settings.Compression compression,
                   Publisher.Body body, TransferControl control) throws IOException;

    /** Records that the key was used now (a load). Best effort: a reader without write access still loads. */
    void touch(EnvironmentKey key);

    /** A key the store holds, with what retention decides by. */
    record KeyUsage(String hash, String keyText, int archives, long bytes, Instant lastSaved, Instant lastUsed) {
    }

    /** Every key with its size and last use (a listing and small records; no archive is read). */
    List<KeyUsage> usage() throws IOException;

    /**
     * Removes every object of the key, unless it was used or saved after {@code usage.lastUsed()}
     * (then false: a load or save raced the decision).
     */
    boolean remove(KeyUsage usage) throws IOException;

    /** When the retention policy last ran on this store (null: never), so that saves run it rarely. */
    Instant lastPolicyRun();

    /** Records that the retention policy ran now. Best effort. */
    void policyRan();

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
