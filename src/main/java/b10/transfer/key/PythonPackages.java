package b10.transfer.key;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads torch's and triton's versions from the files of the Python that the server will run,
 * without running it: torch/version.py (else the torch dist-info METADATA) and
 * triton/__init__.py (else its dist-info). The interpreter is the explicit setting, else
 * VIRTUAL_ENV, else the python3 on PATH, resolved to its prefix the way Python itself does
 * (a pyvenv.cfg beside or above the executable marks a virtual environment, before symlinks are followed).
 */
public final class PythonPackages {
    private static final Pattern VERSION = Pattern.compile("(?m)^__version__\\s*(?::[^=\\n]*)?=\\s*['\"]([^'\"]+)['\"]");
    private static final Pattern CUDA = Pattern.compile("(?m)^cuda\\s*(?::[^=\\n]*)?=\\s*(?:['\"]([^'\"]+)['\"]|None)");
    private static final Pattern METADATA_VERSION = Pattern.compile("(?m)^Version:\\s*(\\S+)");
    private static final Pattern CU_SUFFIX = Pattern.compile("\\+cu(\\d+)(\\d)$");

    /**
     * What was found; fields are null where a package is absent. {@code source} says where the
     * versions came from, or, when torch was not found, where it was looked for.
     */
    public record Versions(Path sitePackages, String torch, String torchCuda, String triton, String source) {
        public Versions(Path sitePackages, String torch, String torchCuda, String triton) {
            this(sitePackages, torch, torchCuda, triton, sitePackages == null ? "nowhere" : sitePackages.toString());
        }
    }

    private PythonPackages() {
    }

    public static Versions read(String pythonSetting, Map<String, String> env) {
        List<Path> sites = sitePackagesCandidates(pythonSetting, env);
        for (Path site : sites) {
            String[] torch = torchVersion(site);
            if (torch != null) {
                return new Versions(site, torch[0], torch[1], tritonVersion(site));
            }
        }
        String python = pythonSetting != null ? "B10_TRANSFER_PYTHON=" + pythonSetting
                : env.get("VIRTUAL_ENV") != null && !env.get("VIRTUAL_ENV").isEmpty() ? "VIRTUAL_ENV=" + env.get("VIRTUAL_ENV")
                : "python3 on PATH";
        return new Versions(null, null, null, null, "torch is not installed in the server's Python (" + python
                + "; looked in " + (sites.isEmpty() ? "no site-packages directory: none exists there" : sites.toString())
                + "): set B10_TRANSFER_PYTHON to the server's Python, or give the key's components with"
                + " B10_TRANSFER_TORCH_VERSION (and B10_TRANSFER_TRITON_VERSION)");
    }

    /**
     * The versions given by settings, for machines that run the CLI without the server's Python (an
     * init container); CUDA from the explicit setting, else from a {@code +cuXYZ} local version.
     */
    public static Versions given(String torch, String torchCuda, String triton) {
        String cuda = torchCuda;
        if (cuda == null) {
            Matcher cu = CU_SUFFIX.matcher(torch);
            cuda = cu.find() ? cu.group(1) + "." + cu.group(2) : null;
        }
        return new Versions(null, torch, cuda, triton, "B10_TRANSFER_TORCH_VERSION");
    }

    static List<Path> sitePackagesCandidates(String pythonSetting, Map<String, String> env) {
        List<Path> prefixes = new ArrayList<>();
        if (pythonSetting != null) {
            Path p = Path.of(pythonSetting);
            if (Files.isDirectory(p) && p.getFileName() != null
                    && (p.getFileName().toString().endsWith("-packages"))) {
                return List.of(p);
            }
            prefixes.add(Files.isDirectory(p) ? p : prefixOfExecutable(p));
        } else if (env.get("VIRTUAL_ENV") != null && !env.get("VIRTUAL_ENV").isEmpty()) {
            prefixes.add(Path.of(env.get("VIRTUAL_ENV")));
        } else {
            Path exe = onPath("python3", env.get("PATH"));
            if (exe != null) {
                prefixes.add(prefixOfExecutable(exe));
            }
        }
        List<Path> sites = new ArrayList<>();
        for (Path prefix : prefixes) {
            if (prefix == null) {
                continue;
            }
            for (String lib : new String[] {"lib", "lib64", "local/lib"}) {
                for (Path pyDir : children(prefix.resolve(lib), "python3*")) {
                    sites.add(pyDir.resolve("site-packages"));
                    sites.add(pyDir.resolve("dist-packages"));
                }
            }
            sites.add(prefix.resolve("lib/python3/dist-packages"));
        }
        sites.removeIf(s -> !Files.isDirectory(s));
        return sites;
    }

    static Path prefixOfExecutable(Path exe) {
        Path bin = exe.toAbsolutePath().getParent();
        if (bin == null) {
            return null;
        }
        if (Files.isRegularFile(bin.resolve("pyvenv.cfg"))) {
            return bin;
        }
        if (bin.getParent() != null && Files.isRegularFile(bin.getParent().resolve("pyvenv.cfg"))) {
            return bin.getParent();
        }
        try {
            Path real = exe.toRealPath();
            Path realBin = real.getParent();
            return realBin == null ? null : realBin.getParent();
        } catch (IOException e) {
            return bin.getParent();
        }
    }

    static Path onPath(String name, String path) {
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }

    /** {torch version, torch's CUDA version or null}, or null when torch is not in this site-packages. */
    static String[] torchVersion(Path site) {
        String versionPy = readSmall(site.resolve("torch/version.py"));
        if (versionPy != null) {
            Matcher v = VERSION.matcher(versionPy);
            if (v.find()) {
                Matcher c = CUDA.matcher(versionPy);
                return new String[] {v.group(1), c.find() ? c.group(1) : null};
            }
        }
        String meta = distInfoVersion(site, "torch");
        if (meta == null) {
            return null;
        }
        Matcher cu = CU_SUFFIX.matcher(meta);
        return new String[] {meta, cu.find() ? cu.group(1) + "." + cu.group(2) : null};
    }

    static String tritonVersion(Path site) {
        String init = readSmall(site.resolve("triton/__init__.py"));
        if (init != null) {
            Matcher v = VERSION.matcher(init);
            if (v.find()) {
                return v.group(1);
            }
        }
        String meta = distInfoVersion(site, "triton");
        return meta != null ? meta : distInfoVersion(site, "pytorch_triton");
    }

    private static String distInfoVersion(Path site, String project) {
        List<Path> infos = children(site, project + "-*.dist-info");
        infos.sort(Comparator.reverseOrder());
        for (Path info : infos) {
            String meta = readSmall(info.resolve("METADATA"));
            if (meta != null) {
                Matcher m = METADATA_VERSION.matcher(meta);
                if (m.find()) {
                    return m.group(1);
                }
            }
        }
        return null;
    }

    static List<Path> children(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            ds.forEach(out::add);
        } catch (IOException | RuntimeException e) {
            // unreadable directory: nothing found there
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static String readSmall(Path file) {
        try {
            if (!Files.isRegularFile(file) || Files.size(file) > 1 << 20) {
                return null;
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
