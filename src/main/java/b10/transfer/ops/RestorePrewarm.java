package b10.transfer.ops;

import b10.transfer.archive.ZstdCodecs;
import b10.transfer.base.Workers;

/**
 * Readies what a restore will need while the environment key is still being computed (on a GPU
 * machine the driver's cuInit alone takes a few hundred milliseconds): the native zstd library.
 * (commons-compress's tar reader, whose first use initialised commons-lang3 helpers for tens of
 * milliseconds, was readied here too; the restore now reads tar with its own.) A load starts it
 * once it knows the store holds archives. Best effort: a failure here changes nothing, since the
 * restore does the same work itself.
 */
final class RestorePrewarm implements Runnable {
    private RestorePrewarm() {
    }

    static void start() {
        Workers.daemon("prewarm", new RestorePrewarm()).start();
    }

    @Override
    public void run() {
        try {
            ZstdCodecs.get();
        } catch (Throwable t) {
            // the restore meets the same problem and reports it
        }
    }
}
