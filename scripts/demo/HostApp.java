import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A stand-in for an inference server that knows nothing of b10-transfer: at the first line of
 * main it counts the compiled artifacts in its cache directory (restored by the agent before
 * main), then "compiles" one new kernel into it, and exits. The agent saves at exit.
 */
public class HostApp {
    public static void main(String[] args) throws IOException {
        Path cache = Path.of(System.getenv("TORCHINDUCTOR_CACHE_DIR"));
        System.out.println("[host] main started: " + count(cache) + " files already in " + cache);
        Path kernel = cache.resolve("demo").resolve("kernel-" + ProcessHandle.current().pid() + ".py");
        Files.createDirectories(kernel.getParent());
        Files.writeString(kernel, "# compiled by the host at " + java.time.Instant.now() + "\n");
        System.out.println("[host] compiled a new kernel: " + cache.relativize(kernel) + "; exiting");
    }

    static long count(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }
}
