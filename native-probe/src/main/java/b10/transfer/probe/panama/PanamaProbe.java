package b10.transfer.probe.panama;

import b10.transfer.probe.GpuFacts;
import b10.transfer.probe.GpuProbe;
import b10.transfer.probe.ProbeException;
import java.nio.file.Path;

/**
 * Placeholder for JDKs before 22. The real implementation is in src/main/java22 and is
 * compiled into META-INF/versions/22 of the jar, which JDK 22+ picks instead of this class.
 */
public final class PanamaProbe implements GpuProbe {

    @Override
    public String backend() {
        return "panama";
    }

    @Override
    public GpuFacts probe(Path libcuda, int deviceIndex) throws ProbeException {
        throw new b10.transfer.probe.GpuProbes.BackendUnavailable("the panama backend needs JDK 22 or newer (this is Java "
                + Runtime.version().feature() + ")");
    }
}
