package b10.transfer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Helpers for tests on real files: fixtures, tree snapshots, settings for temporary directories. */
public final class TestTrees {
    private TestTrees() {
    }

    public static Path fixture(String name) {
        String dir = System.getProperty("b10.test.fixtures", "fixtures");
        Path p = Path.of(dir, name).normalize();
        // the fixtures live in the repository (fixtures/): a missing one is a broken checkout, never a skip
        org.junit.jupiter.api.Assertions.assertTrue(Files.isRegularFile(p), "fixture " + p + " is missing from the checkout");
        return p;
    }

    /** Extracts a .tgz with the system's tar and returns its single top-level directory. */
    public static Path extractFixture(String name, Path into) throws Exception {
        Files.createDirectories(into);
        Process p = new ProcessBuilder("tar", "-xzf", fixture(name).toString(), "-C", into.toString())
                .inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("tar failed on " + name);
        }
        try (Stream<Path> s = Files.list(into)) {
            return s.filter(Files::isDirectory).findFirst().orElseThrow();
        }
    }

    /** Relative path to SHA-256 of every regular file, and "dir" for directories. */
    public static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        if (!Files.exists(root)) {
            return m;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String k = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    m.put(k, "link");
                } else if (Files.isDirectory(p)) {
                    m.put(k, "dir");
                } else {
                    m.put(k, sha256(Files.readAllBytes(p)));
                }
            }
        }
        return m;
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Environment for Settings: local cache and store under a temporary directory, a fake Python env. */
    public static Map<String, String> env(Path tmp, String... extra) throws IOException {
        Path site = tmp.resolve("venv/lib/python3.12/site-packages");
        Files.createDirectories(site.resolve("torch"));
        Files.createDirectories(site.resolve("triton"));
        Files.writeString(site.resolve("torch/version.py"), "__version__ = '2.11.0+cu130'\ncuda: Optional[str] = '13.0'\n");
        Files.writeString(site.resolve("triton/__init__.py"), "__version__ = '3.6.0'\n");
        Map<String, String> env = new TreeMap<>();
        env.put("TORCH_CACHE_DIR", tmp.resolve("local/cache").toString());
        env.put("B10FS_CACHE_DIR", tmp.resolve("store").toString());
        env.put("B10_TRANSFER_PYTHON", tmp.resolve("venv").toString());
        env.put("B10_TRANSFER_GPU_BACKEND", "none");
        for (int i = 0; i + 1 < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    /** Copies a tree, as a replica whose cache an earlier process restored holds it. */
    public static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
