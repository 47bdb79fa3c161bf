package b10.transfer.cli;

import b10.transfer.B10Transfer;
import b10.transfer.CacheValidationError;
import b10.transfer.Json;
import b10.transfer.Log;
import b10.transfer.config.Settings;
import b10.transfer.key.KeyResolver;
import b10.transfer.key.KeySources;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.OperationControl;
import b10.transfer.ops.Operations;
import b10.transfer.ops.Readiness;
import b10.transfer.ops.SaveResult;
import b10.transfer.probe.GpuProbes;
import b10.transfer.probe.LibcudaLocator;
import b10.transfer.store.StoreNames;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar b10-transfer.jar <command>}: parses arguments, calls the library, maps the
 * status to the exit code (0 SUCCESS, SKIPPED, DOES_NOT_EXIST; 1 ERROR; 2 usage or configuration).
 */
public final class Main {
    static final String USAGE = String.join("\n",
            "usage: java -jar b10-transfer.jar <command> [options]",
            "commands:",
            "  load   [--force] [--json] [--quiet]  restore this environment's archive into the local cache",
            "  save   [--replace] [--json] [--quiet]  publish what the key's content lacks, as its base or a layer (--replace: the content becomes the local cache)",
            "  info   [--json]             configuration, key, archive location, what this JVM did",
            "  list   [--json]             the store's keys: base, layers, bytes, last use",
            "  gc     [--dry-run] [--json] remove keys unused for B10_TRANSFER_RETAIN_DAYS, then LRU keys over B10_TRANSFER_STORE_QUOTA_MB",
            "  clear  [--json]             remove the local cache directory",
            "  key    [--json] [--explain] the environment key and its components (--explain: where each came from)",
            "  probe  [--json] [--backend auto|jna|jcuda|panama]  what the CUDA driver says, per backend",
            "  keygen DIR [--json]         write an Ed25519 key pair for signing archives (B10_TRANSFER_SIGNING_KEY)",
            "  run-until-ready [URL] [--json] [--quiet]  load, wait until URL answers 200, save (exit 3: never ready)",
            "  --version                   the version; <command> --help: that command's options",
            "load and save show their progress on stderr: a bar on a terminal, a line every 5 s otherwise;",
            "--quiet silences it; --progress-interval SECONDS sets the plain lines' interval",
            "configuration: environment variables (see the README), e.g. TORCH_CACHE_DIR, B10FS_CACHE_DIR");

    private Main() {
    }

    public static void main(String[] args) {
        ParentWatch.startIfRelaunched();
        int code;
        try {
            code = run(args, System.out, System.err);
        } catch (Throwable t) {
            System.err.println("b10-transfer: internal error: " + t);
            code = 1;
        }
        System.exit(code);
    }

    /** Each command's options; anything else on its line is refused (exit 2) with the nearest valid name. */
    static final Map<String, List<String>> OPTIONS = Map.of(
            "load", List.of("--force", "--json", "--quiet", "-q", "--progress-interval", "--help", "-h"),
            "save", List.of("--replace", "--json", "--quiet", "-q", "--progress-interval", "--help", "-h"),
            // --quiet is accepted everywhere (a script may pass it to every command); it silences progress lines
            "info", List.of("--json", "--quiet", "-q", "--help", "-h"),
            "list", List.of("--json", "--quiet", "-q", "--help", "-h"),
            "gc", List.of("--dry-run", "--json", "--quiet", "-q", "--help", "-h"),
            "clear", List.of("--json", "--quiet", "-q", "--help", "-h"),
            "key", List.of("--json", "--explain", "--quiet", "-q", "--help", "-h"),
            "probe", List.of("--json", "--backend", "--quiet", "-q", "--help", "-h"),
            "keygen", List.of("--json", "--quiet", "-q", "--help", "-h"),
            "run-until-ready", List.of("--json", "--quiet", "-q", "--progress-interval", "--help", "-h"));

    /** run-until-ready's exit code when the server never answered 200 within B10_TRANSFER_READY_TIMEOUT_S. */
    static final int NEVER_READY = 3;

    static String version() {
        return "b10-transfer " + b10.transfer.Version.get() + " (Java " + Runtime.version() + ")";
    }

    /** The usage line of one command, from the global text. */
    static String usageOf(String command) {
        StringBuilder b = new StringBuilder("usage: java -jar b10-transfer.jar ").append(command).append(" [options]\n");
        for (String line : USAGE.split("\n")) {
            if (line.startsWith("  " + command + " ")) {
                b.append(line).append('\n');
            }
        }
        b.append("options: ").append(String.join(" ", OPTIONS.get(command)));
        return b.toString();
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            (args.length == 0 ? err : out).println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        if (args[0].equals("--version") || args[0].equals("version")) {
            out.println(version());
            return 0;
        }
        CommandLine line;
        try {
            line = CommandLine.parse(args);
        } catch (Exit e) {
            (e.code == 0 ? out : err).println(e.getMessage());
            return e.code;
        }
        Settings settings;
        try {
            settings = Settings.fromEnvironment();
        } catch (CacheValidationError e) {
            err.println("b10-transfer: configuration error: " + e.getMessage());
            if (line.json()) {
                // a caller that parses stdout gets an answer too
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("status", "ERROR");
                m.put("error", "configuration");
                m.put("message", e.getMessage());
                out.println(Json.write(m));
            }
            return 2;
        }
        Log.configure(settings.logLevel);
        for (String w : settings.warnings) {
            err.println("b10-transfer: warning: " + w);
        }
        return dispatch(line, settings, out, err);
    }

    /** Ends the command line's parse: the exit status and what to print (to stdout for 0, else to stderr). */
    static final class Exit extends Exception {
        final int code;

        Exit(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /** A command line, parsed: the command, its flags and values, and its one argument (run-until-ready's URL, keygen's directory). */
    record CommandLine(String command, boolean json, boolean force, boolean quiet, boolean explain, boolean dryRun,
                       boolean replace, long plainIntervalNanos, String backend, String argument) {

        static CommandLine parse(String[] args) throws Exit {
            String command = args[0];
            if (!OPTIONS.containsKey(command)) {
                throw new Exit(2, "b10-transfer: unknown command " + command + nearest(command, OPTIONS.keySet()) + "\n" + USAGE);
            }
            String argument = argument(command, args);
            boolean json = false;
            boolean force = false;
            boolean quiet = false;
            boolean explain = false;
            boolean dryRun = false;
            boolean replace = false;
            long plainIntervalNanos = ProgressDisplay.PLAIN_TICK_NANOS;
            String backend = null;
            for (int i = 1; i < args.length; i++) {
                switch (args[i]) {
                    case "--json": json = true; break;
                    case "--force": force = true; break;
                    case "--explain": explain = true; break;
                    case "--dry-run": dryRun = true; break;
                    case "--replace": replace = true; break;
                    case "--quiet": case "-q": quiet = true; break;
                    case "--progress-interval":
                        plainIntervalNanos = i + 1 < args.length ? seconds(args[++i]) : -1;
                        if (plainIntervalNanos <= 0) {
                            throw new Exit(2, "b10-transfer: --progress-interval needs a number of seconds above 0");
                        }
                        break;
                    case "--backend":
                        if (i + 1 >= args.length) {
                            throw new Exit(2, "b10-transfer: --backend needs a value");
                        }
                        backend = args[++i];
                        break;
                    case "--help": case "-h":
                        throw new Exit(0, usageOf(command));
                    default:
                        if (!args[i].equals(argument)) {
                            throw new Exit(2, "b10-transfer: unknown option " + args[i] + "\n" + USAGE);
                        }
                }
            }
            return new CommandLine(command, json, force, quiet, explain, dryRun, replace, plainIntervalNanos, backend, argument);
        }

        /** The command's one argument, or null; refuses options the command does not have and arguments it does not take. */
        private static String argument(String command, String[] args) throws Exit {
            String argument = null;
            for (int i = 1; i < args.length; i++) {
                String a = args[i];
                if (a.startsWith("-") && !OPTIONS.get(command).contains(a)) {
                    throw new Exit(2, "b10-transfer: " + command + " has no option " + a + nearest(a, OPTIONS.get(command))
                            + "\n" + usageOf(command));
                }
                if (a.equals("--progress-interval") || a.equals("--backend")) {
                    i++; // its value
                } else if (!a.startsWith("-") && (command.equals("run-until-ready") || command.equals("keygen")) && argument == null) {
                    argument = a;
                } else if (!a.startsWith("-")) {
                    throw new Exit(2, "b10-transfer: " + command + " takes no argument '" + a + "'\n" + usageOf(command));
                }
            }
            return argument;
        }
    }

    private static int dispatch(CommandLine line, Settings settings, PrintStream out, PrintStream err) {
        boolean json = line.json();
        switch (line.command()) {
            case "load": {
                OperationControl control = Operations.of(settings).newControl();
                LoadResult r;
                try (ProgressDisplay p = line.quiet() ? null : ProgressDisplay.start("load", control, err, line.plainIntervalNanos())) {
                    r = Operations.of(settings).loadAndReport(line.force(), control);
                }
                print(out, json, r.toMap(), r.status().name());
                return r.status() == b10.transfer.LoadStatus.ERROR ? 1 : 0;
            }
            case "save": {
                OperationControl control = Operations.of(settings).newControl();
                SaveResult r;
                try (ProgressDisplay p = line.quiet() ? null : ProgressDisplay.start("save", control, err, line.plainIntervalNanos())) {
                    r = Operations.of(settings).saveAndReport(control, line.replace());
                }
                print(out, json, r.toMap(), r.status().name());
                return r.status() == b10.transfer.SaveStatus.ERROR ? 1 : 0;
            }
            case "info":
                print(out, json, Operations.of(settings).info(), null);
                return 0;
            case "list":
                return printed(out, json, Operations.of(settings).list());
            case "gc":
                return printed(out, json, Operations.of(settings).gc(line.dryRun()));
            case "clear": {
                boolean cleared = B10Transfer.clearLocalCache();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("cleared", cleared);
                m.put("local_cache_dir", settings.localCacheDir.toString());
                print(out, json, m, null);
                return 0;
            }
            case "key":
                return key(settings, line.explain(), json, out, err);
            case "probe":
                return probe(settings, line.backend(), json, out, err);
            case "keygen":
                return keygen(line.argument(), json, out, err);
            case "run-until-ready": {
                java.net.URI url;
                try {
                    url = line.argument() == null ? settings.readyUrl() : Settings.httpUrl(line.argument(), "the URL");
                } catch (CacheValidationError e) {
                    err.println("b10-transfer: " + e.getMessage());
                    return 2;
                }
                return runUntilReady(settings, url, json, line.quiet(), line.plainIntervalNanos(), out, err);
            }
            default:
                err.println("b10-transfer: unknown command " + line.command() + "\n" + USAGE);
                return 2;
        }
    }

    /** Prints a report; 1 where it carries an error. */
    private static int printed(PrintStream out, boolean json, Map<String, Object> m) {
        print(out, json, m, null);
        return m.containsKey("error") ? 1 : 0;
    }

    private static int key(Settings settings, boolean explain, boolean json, PrintStream out, PrintStream err) {
        KeyResolver.Resolved r = Operations.environment(settings);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", r.key().text());
        m.put("hash", r.key().hash());
        m.put("archive", StoreNames.archive(r.key(), settings.compression));
        m.put("components", r.key().components());
        if (explain) {
            m.put("sources", KeySources.of(settings, r, System.getenv()));
        }
        if (!r.key().complete()) {
            m.put("warning", r.key().problem());
            err.println("b10-transfer: warning: this key cannot be saved or loaded under: " + r.key().problem());
        }
        print(out, json, m, null);
        return 0;
    }

    private static int keygen(String directory, boolean json, PrintStream out, PrintStream err) {
        if (directory == null) {
            err.println("b10-transfer: keygen needs the directory to write the key pair into\n" + usageOf("keygen"));
            return 2;
        }
        Path dir = Path.of(directory).toAbsolutePath();
        try {
            String id = b10.transfer.trust.SigningKey.generate(dir);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key_id", id);
            m.put("signing_key", dir.resolve("b10-signing-key.pem").toString());
            m.put("public_key", dir.resolve("b10-signing-key.pub.pem").toString());
            m.put("next", "savers: B10_TRANSFER_SIGNING_KEY=<signing_key>; loaders: B10_TRANSFER_TRUSTED_KEYS=<public_key>");
            print(out, json, m, null);
            return 0;
        } catch (java.io.IOException e) {
            err.println("b10-transfer: keygen failed: " + e.getMessage());
            return 1;
        }
    }

    /** "; did you mean X?" for the closest of the names, when one is close. */
    static String nearest(String given, java.util.Collection<String> names) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String n : names) {
            int d = Settings.editDistance(given, n);
            if (d < bestDistance) {
                best = n;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, given.length() / 3) ? "; did you mean " + best + "?" : "";
    }

    private static long seconds(String text) {
        try {
            double s = Double.parseDouble(text);
            return s > 0 && s < 1e6 ? Math.round(s * 1e9) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static int probe(Settings settings, String backend, boolean json, PrintStream out, PrintStream err) {
        List<String> backends;
        try {
            backends = backend == null ? List.of("panama", "jna", "jcuda") : GpuProbes.backendsFor(backend);
        } catch (IllegalArgumentException e) {
            err.println("b10-transfer: " + e.getMessage());
            return 2;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        boolean anyOk = false;
        for (String b : backends) {
            GpuProbes.Outcome o = GpuProbes.probe(b, settings.libcuda, settings.gpuDevice, settings.probeTimeout.toMillis());
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("backend", o.backend());
            row.put("ok", o.ok());
            row.put("millis", Math.round(o.nanos() / 1e4) / 100.0);
            row.put("library", o.library() == null ? null : o.library().toString());
            if (o.ok()) {
                row.putAll(o.facts().toMap());
            } else {
                row.put("problem", o.problem());
            }
            rows.add(row);
            anyOk |= o.ok();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("java", Runtime.version().toString());
        m.put("kernel_module", LibcudaLocator.kernelModuleVersion(Path.of("/proc/driver/nvidia/version")));
        m.put("backends", rows);
        if (json) {
            out.println(Json.write(m));
        } else {
            out.println("java " + m.get("java") + ", NVIDIA kernel module " + m.get("kernel_module"));
            for (Map<String, Object> r : rows) {
                out.println(String.format("%-7s %8.2f ms  %s", r.get("backend"), ((Number) r.get("millis")).doubleValue(),
                        Boolean.TRUE.equals(r.get("ok"))
                                ? r.get("name") + ", cc " + r.get("compute_capability") + ", CUDA " + r.get("cuda_driver_version")
                                + ", " + r.get("device_count") + " device(s), " + r.get("uuid")
                                : "unavailable: " + r.get("problem")));
            }
        }
        return anyOk || backend == null ? 0 : 1;
    }

    /**
     * What the Python package's command for vLLM does, for servers that are not Java and for a
     * sidecar: load, wait until the server answers 200 at its readiness URL, then save.
     */
    static int runUntilReady(Settings settings, java.net.URI url, boolean json, boolean quiet, long plainIntervalNanos,
                             PrintStream out, PrintStream err) {
        Map<String, Object> m = new LinkedHashMap<>();
        OperationControl loadControl = Operations.of(settings).newControl();
        LoadResult loaded;
        try (ProgressDisplay p = quiet ? null : ProgressDisplay.start("load", loadControl, err, plainIntervalNanos)) {
            loaded = Operations.of(settings).loadAndReport(false, loadControl);
        }
        m.put("load", loaded.toMap());
        m.put("ready_url", url.toString());
        if (!quiet) {
            err.println("b10-transfer: waiting for " + url + " to answer 200 (every " + settings.readyInterval.toMillis() / 1000.0
                    + " s, at most " + settings.readyTimeout.toSeconds() + " s: B10_TRANSFER_READY_TIMEOUT_S)");
        }
        long t0 = System.nanoTime();
        Readiness.Outcome o;
        try {
            o = Readiness.await(url, settings.readyInterval, settings.readyTimeout, () -> false);
            if (o == Readiness.Outcome.READY) {
                Readiness.awaitQuiet(settings.localCacheDir);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            o = Readiness.Outcome.STOPPED;
        }
        m.put("ready", o == Readiness.Outcome.READY);
        m.put("waited_ms", (System.nanoTime() - t0) / 1_000_000);
        if (o != Readiness.Outcome.READY) {
            String msg = url + " did not answer 200 within " + settings.readyTimeout.toSeconds()
                    + " s (B10_TRANSFER_READY_TIMEOUT_S); nothing saved";
            Log.get().info("run-until-ready: {}", msg);
            m.put("status", "NOT_READY");
            m.put("message", msg);
            print(out, json, m, "NOT_READY");
            return NEVER_READY;
        }
        OperationControl saveControl = Operations.of(settings).newControl();
        SaveResult saved;
        try (ProgressDisplay p = quiet ? null : ProgressDisplay.start("save", saveControl, err, plainIntervalNanos)) {
            saved = Operations.of(settings).saveAndReport(saveControl);
        }
        m.put("save", saved.toMap());
        m.put("status", saved.status().name());
        print(out, json, m, saved.status().name());
        return saved.status() == b10.transfer.SaveStatus.ERROR ? 1 : 0;
    }

    private static void print(PrintStream out, boolean json, Map<String, Object> m, String statusWord) {
        if (json) {
            out.println(Json.write(m));
            return;
        }
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (!"status".equals(e.getKey())) {
                out.println(e.getKey() + ": " + (e.getValue() instanceof Map || e.getValue() instanceof List
                        ? Json.write(e.getValue()) : e.getValue()));
            }
        }
        if (statusWord != null) {
            out.println(statusWord);
        }
    }
}
