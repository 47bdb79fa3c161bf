import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The benchmark harness: whole-process timings of b10-transfer against what a user would do by
 * hand, on one machine in one run. Every repetition runs every contender once, in an order that
 * rotates from one repetition to the next (paired, interleaved), so that a slower minute of the
 * disk lands on all of them alike; the report gives medians and each median's ratio to the
 * baseline's median. Before each timed run its output is removed and the disk synced, untimed.
 *
 * Run by scripts/bench.sh, which compiles this and the small programs it starts.
 */
public final class Bench {
    private final Path jar;
    private final Path work;
    private final Path classes;
    private final String java;
    private final int reps;
    private final boolean haveZstd;
    private final Path s3proxy;
    private final long s3SpeedKBs;
    private final long s3LatencyMs;
    /** A RAM-backed directory for the restore's second table (where the disk is out of the picture), or null. */
    private final Path tmpfs;
    private final StringBuilder report = new StringBuilder();

    private Bench(Map<String, String> a) {
        jar = Path.of(a.get("jar")).toAbsolutePath();
        work = Path.of(a.get("work")).toAbsolutePath();
        classes = Path.of(a.get("classes")).toAbsolutePath();
        java = a.getOrDefault("java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        reps = Integer.parseInt(a.getOrDefault("reps", "5"));
        haveZstd = sh("command -v zstd >/dev/null").exit == 0;
        s3proxy = a.get("s3proxy") == null ? null : Path.of(a.get("s3proxy")).toAbsolutePath();
        s3SpeedKBs = Long.parseLong(a.getOrDefault("s3-speed-kbs", "25000"));
        s3LatencyMs = Long.parseLong(a.getOrDefault("s3-latency-ms", "20"));
        tmpfs = a.getOrDefault("tmpfs", "").isEmpty() ? null : Path.of(a.get("tmpfs")).toAbsolutePath();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String s : args) {
            int eq = s.indexOf('=');
            a.put(s.substring(2, eq), s.substring(eq + 1));
        }
        Bench b = new Bench(a);
        Files.createDirectories(b.work);
        b.header();
        List<String> sections = List.of(a.getOrDefault("sections", "startup,restore,save").split(","));
        List<String[]> inputs = new ArrayList<>();
        for (String spec : a.getOrDefault("inputs", "").split(",")) {
            if (!spec.isEmpty()) {
                int eq = spec.indexOf(':');
                inputs.add(new String[] {spec.substring(0, eq), spec.substring(eq + 1)});
            }
        }
        if (sections.contains("startup")) {
            b.startup(inputs.isEmpty() ? null : b.prepare(inputs.get(0)[0], inputs.get(0)[1]));
        }
        for (String[] in : inputs) {
            Path tree = b.prepare(in[0], in[1]);
            if (sections.contains("restore")) {
                b.restore(in[0], tree, b.work, "on disk");
                if (b.tmpfs != null) {
                    b.restore(in[0], tree, b.tmpfs, "on tmpfs");
                }
            }
            if (sections.contains("save")) {
                b.save(in[0], tree);
            }
            if (sections.contains("s3")) {
                b.s3Restore(in[0], tree);
            }
        }
        String out = a.get("out");
        if (out != null) {
            Files.writeString(Path.of(out), b.report.toString());
        }
    }

    private void header() {
        Run cpu = sh("nproc; (lscpu 2>/dev/null | sed -n 's/^Model name: *//p') | head -1; "
                + "df -hT " + q(work) + " | awk 'NR==2 {print $2}'; " + q(java) + " -version 2>&1 | head -1");
        String[] l = cpu.out.strip().split("\n");
        line("Machine: " + (l.length > 1 ? l[1] : "?") + ", " + l[0] + " cores; work directory on "
                + (l.length > 2 ? l[2] : "?") + "; " + (l.length > 3 ? l[3] : ""));
        line("Repetitions: " + reps + " (paired, interleaved); medians in ms; page cache warm for every contender alike.");
        line("");
    }

    /** Extracts a fixture (.tgz) or generates a cache (gen:FILES:MB) once; returns the tree. */
    private Path prepare(String name, String source) {
        Path dir = work.resolve("inputs").resolve(name);
        Path tree = dir.resolve("tree");
        if (Files.isDirectory(tree)) {
            return tree;
        }
        mkdirs(dir);
        if (source.startsWith("genreal")) {
            String[] p = source.split(":");
            check(sh(q(java) + " -cp " + q(classes) + " GenRealCache " + q(tree) + " " + (p.length > 1 ? p[1] : "7")));
        } else if (source.startsWith("gen")) {
            String[] p = source.split(":");
            String files = p.length > 1 ? p[1] : "10000";
            String mb = p.length > 2 ? p[2] : "420";
            check(sh(q(java) + " -cp " + q(classes) + " GenCache " + q(tree) + " " + files + " " + mb));
        } else {
            Path x = dir.resolve("x");
            mkdirs(x);
            check(sh("tar -xzf " + q(Path.of(source).toAbsolutePath()) + " -C " + q(x)));
            check(sh("d=$(find " + q(x) + " -mindepth 1 -maxdepth 1 -type d | head -1); mv \"$d\" " + q(tree) + " && rm -rf " + q(x)));
        }
        return tree;
    }

    private void startup(Path tree) {
        Path dir = work.resolve("startup");
        Path empty = dir.resolve("store-empty");
        Path full = dir.resolve("store-full");
        Path local = dir.resolve("local");
        rm(dir);
        mkdirs(empty);
        mkdirs(full);
        Map<String, String> env = Map.of("B10FS_CACHE_DIR", full.toString(), "TORCH_CACHE_DIR", tree == null ? "" : tree.toString());
        if (tree != null) {
            check(run(env, java, "-jar", jar.toString(), "save"));
        }
        String agent = "-javaagent:" + jar;
        String emptyAgent = "-javaagent:" + classes.resolve("empty-agent.jar");
        String cp = classes.toString();
        List<Contender> cs = new ArrayList<>();
        cs.add(new Contender("plain JVM (baseline)", Map.of(), List.of(java, "-cp", cp, "Hello")));
        cs.add(new Contender("an empty -javaagent (the JVM's own cost)", Map.of(), List.of(java, emptyAgent, "-cp", cp, "Hello")));
        cs.add(new Contender("b10-transfer, B10_TRANSFER_ENABLED=false", Map.of("B10_TRANSFER_ENABLED", "false"),
                List.of(java, agent, "-cp", cp, "Hello")));
        cs.add(new Contender("b10-transfer, no archive in the store", Map.of("B10FS_CACHE_DIR", empty.toString(),
                "TORCH_CACHE_DIR", local.toString(), "B10_TRANSFER_SAVE_ON_EXIT", "false"), List.of(java, agent, "-cp", cp, "Hello")));
        if (tree != null) {
            cs.add(new Contender("b10-transfer, restoring " + tree.getParent().getFileName(), Map.of("B10FS_CACHE_DIR", full.toString(),
                    "TORCH_CACHE_DIR", local.toString(), "B10_TRANSFER_SAVE_ON_EXIT", "false"), List.of(java, agent, "-cp", cp, "Hello")));
        }
        Map<String, List<Double>> toMain = new LinkedHashMap<>();
        Map<String, List<Double>> whole = new LinkedHashMap<>();
        for (int r = 0; r < reps * 2 + 1; r++) { // start-up times are small and noisy: twice the repetitions
            for (Contender c : rotate(cs, r)) {
                rm(local);
                Instant start = Instant.now();
                long startMicros = start.getEpochSecond() * 1_000_000L + start.getNano() / 1000;
                long t0 = System.nanoTime();
                Run run = run(c.env, c.cmd.toArray(new String[0]));
                double ms = (System.nanoTime() - t0) / 1e6;
                check(run);
                if (r == 0) {
                    continue; // warm-up
                }
                long mainMicros = run.out.lines().filter(l -> l.startsWith("main at ")).mapToLong(l -> Long.parseLong(l.substring(8)))
                        .findFirst().orElseThrow(() -> new IllegalStateException("no 'main at' line in: " + run.out));
                toMain.computeIfAbsent(c.name, k -> new ArrayList<>()).add((mainMicros - startMicros) / 1000.0);
                whole.computeIfAbsent(c.name, k -> new ArrayList<>()).add(ms);
            }
        }
        line("### Start-up: a JVM running an empty main (" + (reps * 2) + " runs each)");
        line("");
        line("| | to main, ms | whole process, ms | added to main vs plain | added vs empty agent |");
        line("|---|---:|---:|---:|---:|");
        double plain = median(toMain.get(cs.get(0).name));
        double emptyAgentMs = median(toMain.get(cs.get(1).name));
        for (Contender c : cs) {
            double m = median(toMain.get(c.name));
            line(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %+.0f | %s |", c.name, m, median(whole.get(c.name)), m - plain,
                    c == cs.get(0) || c == cs.get(1) ? "" : String.format(Locale.ROOT, "%+.0f", m - emptyAgentMs)));
        }
        line("");
    }

    private void restore(String name, Path tree, Path root, String where) {
        Path dir = root.resolve("b10-bench-restore-" + name);
        Path store = dir.resolve("store");
        Path out = dir.resolve("out");
        rm(dir);
        mkdirs(store);
        Path tgz = dir.resolve("cache.tgz");
        Path tzst = dir.resolve("cache.tar.zst");
        Path tar = dir.resolve("cache.tar");
        check(sh("tar -czf " + q(tgz) + " -C " + q(tree.getParent()) + " tree"));
        check(sh("tar -cf " + q(tar) + " -C " + q(tree.getParent()) + " tree"));
        if (haveZstd) {
            check(sh("tar -I 'zstd -3 -T0' -cf " + q(tzst) + " -C " + q(tree.getParent()) + " tree"));
        }
        check(run(Map.of("B10FS_CACHE_DIR", store.toString(), "TORCH_CACHE_DIR", tree.toString()), java, "-jar", jar.toString(), "save"));
        List<Contender> cs = new ArrayList<>();
        cs.add(new Contender("b10-transfer load (CLI, -Xmx256m)", Map.of("B10FS_CACHE_DIR", store.toString(),
                "TORCH_CACHE_DIR", out.resolve("tree").toString()), List.of(java, "-Xmx256m", "-jar", jar.toString(), "load")));
        cs.add(new Contender("tar -xzf (the Python package's way)", Map.of(), List.of("sh", "-c", "mkdir -p " + q(out)
                + " && tar -xzf " + q(tgz) + " -C " + q(out))));
        if (haveZstd) {
            cs.add(new Contender("tar -I zstd -xf", Map.of(), List.of("sh", "-c", "mkdir -p " + q(out)
                    + " && tar -I zstd -xf " + q(tzst) + " -C " + q(out))));
        }
        cs.add(new Contender("tar -xf of an uncompressed tar", Map.of(), List.of("sh", "-c", "mkdir -p " + q(out)
                + " && tar -xf " + q(tar) + " -C " + q(out))));
        // the agent's restore inside the JVM (no JVM start to pay): its own figure, from its log line
        cs.add(new Contender("agent restore in a JVM (whole process)", Map.of("B10FS_CACHE_DIR", store.toString(),
                "TORCH_CACHE_DIR", out.resolve("tree").toString(), "B10_TRANSFER_SAVE_ON_EXIT", "false", "B10_TRANSFER_JMX", "false"),
                List.of(java, "-Xmx256m", "-javaagent:" + jar, "-cp", classes.toString(), "Hello")));
        // the CLI as a one-shot restore with the flags the README recommends for it (C1 only, the serial
        // collector, the heap on transparent huge pages): a short process's JIT and page faults
        cs.add(new Contender("b10-transfer load (CLI, -Xmx256m, one-shot flags)", Map.of("B10FS_CACHE_DIR", store.toString(),
                "TORCH_CACHE_DIR", out.resolve("tree").toString()), List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-XX:+UseTransparentHugePages", "-jar", jar.toString(), "load")));
        // the CLI kept in its first JVM: what the relaunch into a one-shot JVM gains where it applies (2 CPUs or fewer)
        cs.add(new Contender("b10-transfer load (CLI, -Xmx256m, in one JVM: B10_TRANSFER_CLI_RELAUNCH=false)", Map.of(
                "B10FS_CACHE_DIR", store.toString(), "TORCH_CACHE_DIR", out.resolve("tree").toString(), "B10_TRANSFER_CLI_RELAUNCH", "false"),
                List.of(java, "-Xmx256m", "-jar", jar.toString(), "load")));
        Path copySource = dir.resolve("copy-source");
        check(sh("cp -r " + q(tree) + " " + q(copySource))); // on the same filesystem as the restores
        cs.add(new Contender("cp -r of the tree (the floor)", Map.of(), List.of("sh", "-c", "mkdir -p " + q(out)
                + " && cp -r " + q(copySource) + " " + q(out.resolve("tree")))));
        List<Double> agentInside = new ArrayList<>();
        Map<String, List<Double>> t = time(cs, () -> {
            rm(out);
            sh("sync");
        }, (c, run) -> {
            if (c.name.startsWith("agent restore")) {
                Matcher m = Pattern.compile("restore SUCCESS: .* in (\\d+) ms").matcher(run.out);
                if (m.find()) {
                    agentInside.add(Double.parseDouble(m.group(1)));
                }
            }
        });
        check(sh("diff -r " + q(tree) + " " + q(out.resolve("tree")) + " >/dev/null"));
        long files;
        try (Stream<Path> s = Files.walk(tree)) {
            files = s.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        line("### Restore " + where + ": " + name + " (" + files + " files, " + mib(size(tree)) + " MiB) into an empty directory");
        line("");
        int tarX = cs.indexOf(cs.stream().filter(c -> c.name.startsWith("tar -xf")).findFirst().orElseThrow());
        table(cs, t, List.of(1, cs.size() - 1, tarX), List.of("vs tar -xzf", "vs cp -r", "vs tar -xf"));
        if (!agentInside.isEmpty()) {
            line(String.format(Locale.ROOT, "The agent's restore inside the JVM, as its log line times it (from the store's "
                    + "listing to the swap): median %.0f ms (%.2fx tar -xzf, %.2fx cp -r, %.2fx tar -xf).", median(agentInside),
                    median(agentInside) / median(t.get(cs.get(1).name)), median(agentInside) / median(t.get(cs.get(cs.size() - 1).name)),
                    median(agentInside) / median(t.get(cs.get(tarX).name))));
            line("");
        }
        rm(dir);
    }

    private void save(String name, Path tree) {
        Path dir = work.resolve("save-" + name);
        Path store = dir.resolve("store");
        Path tgz = dir.resolve("cache.tgz");
        rm(dir);
        mkdirs(dir);
        List<Contender> cs = new ArrayList<>();
        cs.add(new Contender("b10-transfer save (CLI, -Xmx256m)", Map.of("B10FS_CACHE_DIR", store.toString(),
                "TORCH_CACHE_DIR", tree.toString()), List.of(java, "-Xmx256m", "-jar", jar.toString(), "save")));
        cs.add(new Contender("tar -czf (the Python package's way)", Map.of(), List.of("tar", "-czf", tgz.toString(),
                "-C", tree.getParent().toString(), "tree")));
        // the incremental save: a store holding the tree as the key's base, a cache with one new 10 KB kernel
        Path incStore = dir.resolve("inc-store");
        Path incTree = dir.resolve("inc/tree");
        mkdirs(incTree.getParent());
        check(sh("cp -r " + q(tree) + " " + q(incTree)));
        check(run(Map.of("B10FS_CACHE_DIR", incStore.toString(), "TORCH_CACHE_DIR", incTree.toString()), java, "-jar",
                jar.toString(), "save"));
        byte[] kernel = new byte[10 * 1024];
        new java.util.Random(1).nextBytes(kernel);
        try {
            mkdirs(incTree.resolve("triton/new-kernel"));
            Files.write(incTree.resolve("triton/new-kernel/kernel.cubin"), kernel);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cs.add(new Contender("b10-transfer save of one new 10 KB file (a layer over the base; CLI, -Xmx256m)",
                Map.of("B10FS_CACHE_DIR", incStore.toString(), "TORCH_CACHE_DIR", incTree.toString()),
                List.of(java, "-Xmx256m", "-jar", jar.toString(), "save")));
        Map<String, List<Double>> t = time(cs, () -> {
            rm(store);
            rm(tgz);
            sh("rm -f " + q(incStore) + "/cache_*.layer.*");
            sh("sync");
        });
        rm(store); // the rotation may have ended with either: one more untimed run of each, for the sizes
        for (Contender c : cs) {
            check(run(c.env, c.cmd.toArray(new String[0])));
        }
        long ours;
        try (Stream<Path> s = Files.list(store)) {
            ours = s.mapToLong(Bench::size).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long layer;
        try (Stream<Path> s = Files.list(incStore)) {
            layer = s.filter(p -> p.getFileName().toString().contains(".layer.")).mapToLong(Bench::size).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // the operations' own times (their --json "millis": no JVM start), as the agent's saves inside a running server pay them
        List<Double> fullOp = new ArrayList<>();
        List<Double> incOp = new ArrayList<>();
        for (int r = 0; r < reps; r++) {
            rm(store);
            fullOp.add(opMillis(cs.get(0)));
            sh("rm -f " + q(incStore) + "/cache_*.layer.*");
            incOp.add(opMillis(cs.get(2)));
        }
        // the agent's case: a server restores the stored cache, compiles one kernel, and its exit save publishes it
        Path agentLocal = dir.resolve("agent/tree");
        Map<String, String> agentEnv = Map.of("B10FS_CACHE_DIR", incStore.toString(), "TORCH_CACHE_DIR", agentLocal.toString(),
                "BENCH_NEW_FILE", agentLocal.resolve("triton/agent-kernel/kernel.cubin").toString());
        List<Double> agentInc = new ArrayList<>();
        for (int r = 0; r < reps; r++) {
            rm(agentLocal.getParent());
            sh("rm -f " + q(incStore) + "/cache_*.layer.*");
            Run run = run(agentEnv, java, "-javaagent:" + jar, "-cp", classes.toString(), "Hello");
            check(run);
            Matcher m = Pattern.compile("save at exit SUCCESS: .* as a layer.* in (\\d+) ms").matcher(run.out);
            if (!m.find()) {
                throw new IllegalStateException("no layer saved at exit: " + run.out);
            }
            agentInc.add(Double.parseDouble(m.group(1)));
        }
        line("### Save: " + name + " (" + mib(size(tree)) + " MiB): archive and publish");
        line("");
        table(cs, t, List.of(1, 0), List.of("vs tar -czf", "vs full save"));
        line(String.format(Locale.ROOT, "The incremental save added %.1f KiB to the store (the layer). The operations' own times"
                + " (their --json millis, without the JVM's start; each computes the key, the GPU probe included): full save"
                + " %.0f ms, incremental %.0f ms (%.2fx). The agent's exit save of one new kernel after restoring the cache"
                + " (the key already known from the restore): %.0f ms (%.2fx the full save's operation).",
                layer / 1024.0, median(fullOp), median(incOp), median(incOp) / median(fullOp), median(agentInc),
                median(agentInc) / median(fullOp)));
        line(String.format(Locale.ROOT, "Archive sizes: b10-transfer (zstd) %.1f MiB, gzip %.1f MiB (%.2fx).",
                ours / 1048576.0, size(tgz) / 1048576.0, (double) ours / size(tgz)));
        line("");
        rm(dir);
    }

    /**
     * Restore from an S3 server on loopback (S3Proxy, filesystem provider, no authentication):
     * b10-transfer's parallel ranged reads against its own single stream, a plain single GET of
     * the same object piped into tar, and the GET alone (the transfer's floor).
     */
    private void s3Restore(String name, Path tree) {
        if (s3proxy == null || !Files.isRegularFile(s3proxy)) {
            line("### S3 restore: " + name + ": skipped (no S3Proxy jar; scripts/bench.sh fetches it)");
            line("");
            return;
        }
        Path dir = work.resolve("s3-" + name);
        Path out = dir.resolve("out");
        rm(dir);
        mkdirs(dir.resolve("data/bench"));
        int port = 18000 + (int) (ProcessHandle.current().pid() % 1000);
        String endpoint = "http://127.0.0.1:" + port;
        try {
            // like S3 seen from a machine: each GET's stream capped, and a first-byte latency
            Files.writeString(dir.resolve("s3proxy.conf"), "s3proxy.endpoint=" + endpoint + "\ns3proxy.authorization=none\n"
                    + "jclouds.provider=filesystem\njclouds.filesystem.basedir=" + dir.resolve("data") + "\n"
                    + "s3proxy.latency-blobstore.get.speed=" + s3SpeedKBs + "\n"
                    + "s3proxy.latency-blobstore.get.latency=" + s3LatencyMs + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process server;
        try {
            server = new ProcessBuilder(java, "-Xmx1g", "-jar", s3proxy.toString(), "--properties", dir.resolve("s3proxy.conf").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            check(sh("for i in $(seq 100); do curl -s -o /dev/null " + endpoint + "/bench && exit 0; sleep 0.2; done; exit 1"));
            Map<String, String> env = new HashMap<>(Map.of("B10_TRANSFER_STORE", "s3://bench/" + name, "B10_TRANSFER_S3_ENDPOINT", endpoint,
                    "AWS_ACCESS_KEY_ID", "bench", "AWS_SECRET_ACCESS_KEY", "bench", "AWS_REGION", "us-east-1",
                    "TORCH_CACHE_DIR", tree.toString()));
            check(run(env, java, "-jar", jar.toString(), "save"));
            Run listed = run(env, java, "-jar", jar.toString(), "list", "--json");
            check(listed);
            Matcher m = Pattern.compile("\"archive\": ?\"s3://bench/([^\"]+)\"").matcher(listed.out);
            if (!m.find()) {
                throw new IllegalStateException("no archive in: " + listed.out);
            }
            String url = endpoint + "/bench/" + m.group(1);
            long bytes = Long.parseLong(sh("curl -s " + url + " | wc -c").out.strip());
            env.put("TORCH_CACHE_DIR", out.resolve("tree").toString());
            Map<String, String> single = new HashMap<>(env);
            single.put("B10_TRANSFER_S3_CONNECTIONS", "1");
            List<Contender> cs = new ArrayList<>();
            cs.add(new Contender("b10-transfer load, 8 parallel ranged reads (CLI, -Xmx256m)", env,
                    List.of(java, "-Xmx256m", "-jar", jar.toString(), "load")));
            cs.add(new Contender("b10-transfer load, one connection (B10_TRANSFER_S3_CONNECTIONS=1)", single,
                    List.of(java, "-Xmx256m", "-jar", jar.toString(), "load")));
            cs.add(new Contender("single GET piped into tar (curl | tar -I zstd -x)", Map.of(), List.of("sh", "-c", "mkdir -p " + q(out)
                    + " && curl -sf " + q(url) + " | tar -I zstd -x -C " + q(out))));
            cs.add(new Contender("single GET to /dev/null (the transfer alone)", Map.of(), List.of("sh", "-c",
                    "curl -sf -o /dev/null " + q(url))));
            Map<String, List<Double>> t = time(cs, () -> rm(out));
            line("### S3 restore: " + name + " (" + mib(size(tree)) + " MiB, archive " + mib(bytes) + " MiB) from S3Proxy on loopback,"
                    + " each GET stream capped at " + s3SpeedKBs / 1000 + " MB/s, " + s3LatencyMs + " ms to first byte");
            line("");
            table(cs, t, List.of(2, 1), List.of("vs single GET + tar", "vs one connection"));
            for (Contender c : cs) {
                line(String.format(Locale.ROOT, "- %s: %.0f MiB/s of archive", c.name, bytes / 1048576.0 / (median(t.get(c.name)) / 1000)));
            }
            line("");
        } finally {
            server.destroy();
            rm(dir);
        }
    }

    /** A b10-transfer save run once more with --json: the "millis" its result reports. */
    private double opMillis(Contender c) {
        List<String> cmd = new ArrayList<>(c.cmd);
        cmd.add("--json");
        cmd.add("--quiet");
        Run r = run(c.env, cmd.toArray(new String[0]));
        check(r);
        Matcher m = Pattern.compile("\"millis\":\\s*(\\d+)").matcher(r.out);
        if (!m.find()) {
            throw new IllegalStateException("no millis in: " + r.out);
        }
        return Double.parseDouble(m.group(1));
    }

    private Map<String, List<Double>> time(List<Contender> cs, Runnable before) {
        return time(cs, before, (c, run) -> {
        });
    }

    private Map<String, List<Double>> time(List<Contender> cs, Runnable before, java.util.function.BiConsumer<Contender, Run> after) {
        Map<String, List<Double>> times = new LinkedHashMap<>();
        for (int r = 0; r < reps; r++) {
            for (Contender c : rotate(cs, r)) {
                before.run();
                long t0 = System.nanoTime();
                Run run = run(c.env, c.cmd.toArray(new String[0]));
                double ms = (System.nanoTime() - t0) / 1e6;
                check(run);
                after.accept(c, run);
                times.computeIfAbsent(c.name, k -> new ArrayList<>()).add(ms);
            }
        }
        return times;
    }

    private void table(List<Contender> cs, Map<String, List<Double>> t, List<Integer> baselines, List<String> titles) {
        StringBuilder head = new StringBuilder("| | median ms | min | max |");
        StringBuilder rule = new StringBuilder("|---|---:|---:|---:|");
        for (String title : titles) {
            head.append(' ').append(title).append(" |");
            rule.append("---:|");
        }
        line(head.toString());
        line(rule.toString());
        for (Contender c : cs) {
            List<Double> v = t.get(c.name);
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f |", c.name, median(v),
                    v.stream().min(Comparator.naturalOrder()).orElseThrow(), v.stream().max(Comparator.naturalOrder()).orElseThrow()));
            for (int b : baselines) {
                row.append(String.format(Locale.ROOT, " %.2fx |", median(v) / median(t.get(cs.get(b).name))));
            }
            line(row.toString());
        }
        line("");
    }

    private record Contender(String name, Map<String, String> env, List<String> cmd) {
    }

    private record Run(int exit, String out) {
    }

    private static <T> List<T> rotate(List<T> list, int by) {
        List<T> r = new ArrayList<>(list);
        Collections.rotate(r, by % list.size());
        return r;
    }

    private Run run(Map<String, String> env, String... cmd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            // the key's torch version given, as on a machine without the server's Python: a key is never made without it
            pb.environment().putIfAbsent("B10_TRANSFER_TORCH_VERSION", "2.11.0+cu130");
            pb.environment().putAll(env);
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Run(-1, "timed out: " + String.join(" ", cmd));
            }
            return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private Run sh(String script) {
        return run(Map.of(), "sh", "-c", script);
    }

    private static void check(Run r) {
        if (r.exit != 0) {
            throw new IllegalStateException("a benchmark step failed (exit " + r.exit + "): " + r.out);
        }
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static long size(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }

    private void rm(Path p) {
        check(sh("rm -rf " + q(p)));
    }

    private static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String q(Object o) {
        return "'" + o.toString().replace("'", "'\\''") + "'";
    }

    private void line(String s) {
        System.out.println(s);
        System.out.flush();
        report.append(s).append('\n');
    }
}
