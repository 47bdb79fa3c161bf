package b10.transfer.ops;

import b10.transfer.key.EnvironmentKey;

/**
 * Where an operation gets this environment's key. On a GPU machine the key waits for the
 * driver's answer (cuInit: a few hundred milliseconds), so a source may start early and guess
 * which stored key is this machine's, for a restore that begins before the answer is in.
 */
public interface KeySource {
    /** The key; waits for whatever it is computed from. */
    EnvironmentKey key();

    /** Starts computing the key where that takes time; the default computes nothing ahead. */
    default void begin() {
    }

    /** Whether the key is still being computed and {@link #assuming} may answer (the store need not be asked otherwise). */
    default boolean guessing() {
        return false;
    }

    /**
     * This environment's key if its GPU is the one the stored key's text names, while the real
     * key is not yet known; null where it is known, or where the text differs in more than the GPU.
     */
    default EnvironmentKey assuming(String storedText) {
        return null;
    }
}
