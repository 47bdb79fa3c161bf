package b10.transfer.probe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds libcuda.so.1 the way the dynamic loader would, without loading anything: an explicit
 * path, then LD_LIBRARY_PATH, then the entries of /etc/ld.so.cache, then the usual driver
 * directories. Checking files first is what makes "no driver" cost a few milliseconds instead
 * of the price of initialising JNA or JCuda only to learn the library is absent.
 */
public final class LibcudaLocator {
    public static final String SONAME = "libcuda.so.1";
    static final List<String> FALLBACK_DIRS = List.of(
            "/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib/aarch64-linux-gnu", "/usr/lib");

    private LibcudaLocator() {
    }

    public static Optional<Path> find(Path explicit, String ldLibraryPath, Path ldSoCache) {
        if (explicit != null) {
            return Files.isRegularFile(explicit) ? Optional.of(explicit) : Optional.empty();
        }
        List<Path> candidates = new ArrayList<>();
        if (ldLibraryPath != null) {
            for (String dir : ldLibraryPath.split(":")) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, SONAME));
                }
            }
        }
        candidates.addAll(fromLdSoCache(ldSoCache));
        for (String dir : FALLBACK_DIRS) {
            candidates.add(Path.of(dir, SONAME));
        }
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public static Optional<Path> find(Path explicit) {
        return find(explicit, System.getenv("LD_LIBRARY_PATH"), Path.of("/etc/ld.so.cache"));
    }

    /** The cache's string table holds the full paths; any NUL-delimited string ending in /libcuda.so.1 is one. */
    static List<Path> fromLdSoCache(Path cache) {
        List<Path> found = new ArrayList<>();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(cache);
        } catch (IOException | RuntimeException e) {
            return found;
        }
        String all = new String(bytes, StandardCharsets.ISO_8859_1);
        String needle = "/" + SONAME + "\0";
        for (int at = all.indexOf(needle); at >= 0; at = all.indexOf(needle, at + 1)) {
            int start = all.lastIndexOf('\0', at) + 1;
            String path = all.substring(start, at + needle.length() - 1);
            if (path.startsWith("/")) {
                found.add(Path.of(path));
            }
        }
        return found;
    }

    /** The kernel module's version (580.159.04), read from /proc; null where there is none. */
    public static String kernelModuleVersion(Path procVersion) {
        try {
            String text = Files.readString(procVersion, StandardCharsets.ISO_8859_1);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Kernel Module\\s+(?:for \\S+\\s+)?(\\d+\\.\\d+(?:\\.\\d+)?)").matcher(text);
            return m.find() ? m.group(1) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
