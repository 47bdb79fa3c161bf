package b10.transfer.config;

import b10.transfer.CacheValidationError;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every setting, read in one place and one order: agent option, then environment variable, then
 * default (an option on the -javaagent line is the more specific choice for that one JVM, so it
 * wins). A bad value is a {@link CacheValidationError} whose one-line message names the variable.
 * Paths are only checked for form here; whether they exist or are writable is checked by the
 * operation that uses them, because a missing store is a normal state for a load.
 */
public final class Settings {
    public static final String PREFIX = "B10_TRANSFER_";

    public final Path localCacheDir;
    /** The variable that chose {@link #localCacheDir}, for messages; null for the default. */
    public final String localCacheSetting;
    /** Where the store is: a directory or an S3 bucket and prefix. */
    public final StoreLocation store;
    public final Path localWorkDir;
    public final long maxCacheBytes;
    public final KeyMode keyMode;
    /** Whether the full key names the number of visible GPUs (for graphs compiled per tensor-parallel degree). */
    public final boolean keyGpuCount;
    public final Compression compression;
    public final String python;
    /** The key's components given by settings instead of read from the server's Python; null when not given. */
    public final String torchVersion;
    public final String torchCuda;
    public final String tritonVersion;
    public final String gpuBackend;
    public final int gpuDevice;
    public final Path libcuda;
    public final Duration probeTimeout;
    public final Duration loadTimeout;
    public final Duration saveTimeout;
    public final Duration tempMaxAge;
    /** A save that leaves a key with more layers than this, or more layer bytes, folds them into a new base. */
    public final int layersMax;
    public final long layersMaxBytes;
    /** Retention: keys unused this long are removed by {@code gc} and, at most hourly, by saves. */
    public final Duration retain;
    /** Retention: the store's size that {@code gc} keeps it within (least recently used keys go first); 0 for none. */
    public final long storeQuotaBytes;
    public final long maxEntries;
    public final int maxPathDepth;
    public final int maxPathLength;
    public final long minFreeBytes;
    public final boolean enabled;
    public final boolean restoreInBackground;
    public final boolean saveOnExit;
    public final Duration saveAfterQuiet;
    public final String saveAfterMethod;
    public final String logLevel;
    public final int unusedCacheThreshold;
    public final int writerThreads;
    public final int zstdLevel;
    public final int zstdWorkers;
    /** The agent saves once after this URL first answers 200 (a readiness endpoint); null: off. */
    public final URI saveAfterReadyUrl;
    /** B10_TRANSFER_VLLM_URL as given (the Python package's name), checked when it is used: the agent's start-up never needs it. */
    private final String vllmUrl;

    /** The readiness URL of {@code run-until-ready}: {@link #saveAfterReadyUrl}, else B10_TRANSFER_VLLM_URL, else vLLM's default. */
    public URI readyUrl() {
        return saveAfterReadyUrl != null ? saveAfterReadyUrl
                : httpUrl(vllmUrl != null ? vllmUrl : "http://127.0.0.1:8000/v1/models", PREFIX + "VLLM_URL");
    }
    public final Duration readyInterval;
    public final Duration readyTimeout;
    /**
     * Seconds after the restore before the agent registers its MBean; negative: never (B10_TRANSFER_JMX=false).
     * Late by default: an application server that installs its own MBean server builder or log
     * manager must do so before the platform MBean server exists.
     */
    public final Duration jmxDelay;
    /** A saver's Ed25519 private key (PKCS#8 PEM); null: archives are not signed. */
    public final Path signingKey;
    /** The public keys whose signatures a loader accepts (a PEM file or a directory); null: no signature asked for. */
    public final Path trustedKeys;
    /** Globs of the main classes or jars the agent acts in; null: every application JVM (not the JDK's tools, not our CLI). */
    public final String onlyIn;
    /** One line for each setting that was given but is not one of ours (a typo), naming the nearest valid name. */
    public final List<String> warnings;
    /**
     * What "now" is for every age the product judges (temporaries, retired archives, retention,
     * the policy's hourly run): the system clock, or a test's own (see {@link #at}).
     */
    public final Clock clock;
    private final Source source;

    /** The store for messages: the S3 URI or the directory. */
    public String storeName() {
        return store.uri();
    }

    public enum KeyMode { FULL, SEED }

    public enum Compression { ZSTD, GZIP }

    /** The same settings judged at another clock (tests age a store this way instead of sleeping). */
    public Settings at(Clock clock) {
        return new Settings(source, clock);
    }

    private Settings(Source s, Clock clock) {
        this.source = s;
        this.clock = clock;
        // the first of these that is set; vLLM keeps its compile cache under VLLM_CACHE_ROOT
        String chosen = null;
        for (String name : LOCAL_CACHE_SETTINGS) {
            if (chosen == null && s.raw(name) != null) {
                chosen = name;
            }
        }
        localCacheSetting = chosen;
        localCacheDir = throughLink(chosen == null ? StartSettings.defaultLocalCache(s) : absolutePath(s.raw(chosen), chosen));
        String uri = s.raw(PREFIX + "STORE");
        // a plain test, so that S3Location is loaded (premain reads the settings) only for an s3:// store
        if (uri != null && uri.regionMatches(true, 0, "s3://", 0, 5)) {
            String[] bucketAndPrefix = S3Location.parse(uri, PREFIX + "STORE");
            URI endpoint = S3Location.endpoint(s.raw(PREFIX + "S3_ENDPOINT"), PREFIX + "S3_ENDPOINT");
            long partMb = s.positiveLong(PREFIX + "S3_PART_MB", 8);
            if (partMb < 5 || partMb > 1024) {
                throw new CacheValidationError(PREFIX + "S3_PART_MB=" + partMb + " must be 5..1024 (S3's smallest part is 5 MiB)");
            }
            store = new S3Location(bucketAndPrefix[0], bucketAndPrefix[1], endpoint,
                    s.bool(PREFIX + "S3_PATH_STYLE", endpoint != null), s.raw(PREFIX + "S3_REGION"),
                    (int) (partMb * 1024 * 1024), (int) Math.min(64, s.positiveLong(PREFIX + "S3_CONNECTIONS", 8)),
                    s.bool(PREFIX + "S3_ACCEPT_LOST_UPDATES", false));
        } else if (uri != null) {
            refuseUnsupportedScheme(uri, PREFIX + "STORE");
            store = new StoreLocation.Directory(absolutePath(uri, PREFIX + "STORE"), PREFIX + "STORE");
        } else {
            store = new StoreLocation.Directory(s.path("B10FS_CACHE_DIR", StartSettings.DEFAULT_STORE_DIR), "B10FS_CACHE_DIR");
        }
        localWorkDir = s.path("LOCAL_WORK_DIR", "/app");
        maxCacheBytes = s.positiveLong("MAX_CACHE_SIZE_MB", 1024) * 1024 * 1024;
        keyMode = s.choice(PREFIX + "KEY_MODE", KeyMode.class, KeyMode.FULL);
        keyGpuCount = s.bool(PREFIX + "KEY_GPU_COUNT", false);
        Compression c = s.choice(PREFIX + "COMPRESSION", Compression.class, Compression.ZSTD);
        compression = keyMode == KeyMode.SEED ? Compression.GZIP : c;
        python = s.raw(PREFIX + "PYTHON") == null ? null : s.path(PREFIX + "PYTHON", null).toString();
        torchVersion = s.raw(PREFIX + "TORCH_VERSION");
        torchCuda = s.raw(PREFIX + "TORCH_CUDA");
        tritonVersion = s.raw(PREFIX + "TRITON_VERSION");
        if (torchVersion == null && (torchCuda != null || tritonVersion != null)) {
            throw new CacheValidationError(PREFIX + "TORCH_CUDA and " + PREFIX + "TRITON_VERSION are used only with "
                    + PREFIX + "TORCH_VERSION, which is not set");
        }
        gpuBackend = s.oneOf(PREFIX + "GPU_BACKEND", "auto", "auto", "jna", "jcuda", "panama", "none");
        gpuDevice = (int) s.nonNegativeLong(PREFIX + "GPU_DEVICE", 0);
        libcuda = s.raw(PREFIX + "LIBCUDA") == null ? null : s.path(PREFIX + "LIBCUDA", null);
        probeTimeout = Duration.ofMillis(s.positiveLong(PREFIX + "PROBE_TIMEOUT_MS", 3000));
        loadTimeout = Duration.ofSeconds(s.positiveLong(PREFIX + "LOAD_TIMEOUT_S", 120));
        // within Kubernetes' default grace period (30 s) with room for the server's own shutdown
        saveTimeout = Duration.ofSeconds(s.positiveLong(PREFIX + "SAVE_TIMEOUT_S", 25));
        tempMaxAge = Duration.ofSeconds(s.positiveLong(PREFIX + "TEMP_MAX_AGE_S", 3600));
        layersMax = (int) s.nonNegativeLong(PREFIX + "LAYERS_MAX", 8);
        layersMaxBytes = s.nonNegativeLong(PREFIX + "LAYERS_MAX_MB", 256) * 1024 * 1024;
        retain = Duration.ofMillis(Math.round(s.positiveDouble(PREFIX + "RETAIN_DAYS", 30) * 86_400_000));
        storeQuotaBytes = Math.round(s.nonNegativeDouble(PREFIX + "STORE_QUOTA_MB", 0) * 1024 * 1024);
        maxEntries = s.positiveLong(PREFIX + "MAX_ENTRIES", 200_000);
        maxPathDepth = (int) s.positiveLong(PREFIX + "MAX_PATH_DEPTH", 32);
        maxPathLength = (int) s.positiveLong(PREFIX + "MAX_PATH_LENGTH", 1024);
        minFreeBytes = s.nonNegativeLong(PREFIX + "MIN_FREE_MB", 0) * 1024 * 1024;
        enabled = s.bool(PREFIX + "ENABLED", true);
        restoreInBackground = s.oneOf(PREFIX + "RESTORE", "blocking", "blocking", "background").equals("background");
        saveOnExit = s.bool(PREFIX + "SAVE_ON_EXIT", true);
        saveAfterQuiet = Duration.ofSeconds(s.nonNegativeLong(PREFIX + "SAVE_AFTER_QUIET_S", 0));
        saveAfterMethod = methodSpec(s.raw(PREFIX + "SAVE_AFTER_METHOD"));
        logLevel = s.oneOf(PREFIX + "LOG_LEVEL", "info", "debug", "info", "warn", "error", "off");
        unusedCacheThreshold = (int) s.nonNegativeLong(PREFIX + "UNUSED_CACHE_FILES", 20);
        writerThreads = (int) s.positiveLong(PREFIX + "WRITER_THREADS",
                Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors())));
        zstdLevel = (int) s.positiveLong(PREFIX + "ZSTD_LEVEL", 3);
        if (zstdLevel > 19) {
            throw new CacheValidationError(PREFIX + "ZSTD_LEVEL must be 1..19, got " + zstdLevel);
        }
        zstdWorkers = (int) s.nonNegativeLong(PREFIX + "ZSTD_WORKERS",
                Math.min(8, Runtime.getRuntime().availableProcessors()));
        onlyIn = s.raw(PREFIX + "ONLY_IN");
        // whether the CLI's load starts itself again in a one-shot JVM: read by its launcher before anything
        // else (cli.OneShotJvm, which stays in its first JVM on a value it does not know), judged here, so that it is named
        s.oneOf(PREFIX + "CLI_RELAUNCH", "auto", "auto", "true", "false");
        jmxDelay = s.bool(PREFIX + "JMX", true) ? Duration.ofMillis(Math.round(1000 * s.nonNegativeDouble(PREFIX + "JMX_DELAY_S", 10)))
                : Duration.ofMillis(-1);
        signingKey = s.raw(PREFIX + "SIGNING_KEY") == null ? null : s.path(PREFIX + "SIGNING_KEY", null);
        trustedKeys = s.raw(PREFIX + "TRUSTED_KEYS") == null ? null : s.path(PREFIX + "TRUSTED_KEYS", null);
        saveAfterReadyUrl = httpUrl(s.raw(PREFIX + "SAVE_AFTER_READY_URL"), PREFIX + "SAVE_AFTER_READY_URL");
        // the Python package's names (B10_TRANSFER_VLLM_URL, _INTERVAL_S, _TIMEOUT_S) are read too
        vllmUrl = s.raw(PREFIX + "VLLM_URL");
        readyInterval = Duration.ofMillis(Math.round(1000 * s.positiveDouble(PREFIX + "READY_INTERVAL_S",
                s.positiveDouble(PREFIX + "INTERVAL_S", 2))));
        readyTimeout = Duration.ofSeconds(s.positiveLong(PREFIX + "READY_TIMEOUT_S", s.positiveLong(PREFIX + "TIMEOUT_S", 1800)));
        // read only for an s3:// store, known always
        for (String n : new String[] {"S3_ENDPOINT", "S3_PATH_STYLE", "S3_REGION", "S3_PART_MB", "S3_CONNECTIONS",
                "S3_ACCEPT_LOST_UPDATES"}) {
            s.raw(PREFIX + n);
        }
        warnings = s.unknown();
    }

    /** Settings from this JVM's system properties ({@code -Db10.transfer.*}) and its environment. */
    public static Settings fromEnvironment() {
        return from(System.getenv(), systemProperties(), Map.of());
    }

    /**
     * @param env     the environment (variable names as in the README)
     * @param options agent options, by the same names (the B10_TRANSFER_ prefix may be left out)
     */
    public static Settings from(Map<String, String> env, Map<String, String> options) {
        return from(env, Map.of(), options);
    }

    /**
     * @param properties system properties; {@code b10.transfer.save.timeout.s} is B10_TRANSFER_SAVE_TIMEOUT_S,
     *                   {@code b10.transfer.torch.cache.dir} is TORCH_CACHE_DIR (see {@link #propertyName})
     */
    public static Settings from(Map<String, String> env, Map<String, String> properties, Map<String, String> options) {
        return new Settings(new Source(env, properties, options), Clock.systemUTC());
    }

    /** This JVM's {@code b10.transfer.*} system properties. */
    public static Map<String, String> systemProperties() {
        return systemProperties(System.getProperties());
    }

    /** The {@code b10.transfer.*} entries of these properties. */
    public static Map<String, String> systemProperties(java.util.Properties properties) {
        Map<String, String> m = new java.util.HashMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith(PROPERTY_PREFIX)) {
                m.put(name, properties.getProperty(name));
            }
        }
        return m;
    }

    public static final String PROPERTY_PREFIX = "b10.transfer.";
    /** Properties of ours that are not settings: a test's pause point, the codec for comparisons, a relaunched CLI's parent. */
    private static final java.util.Set<String> INTERNAL_PROPERTIES = java.util.Set.of("b10.transfer.pauseAt",
            "b10.transfer.zstd.pureJava", "b10.transfer.cli.parent");

    /**
     * The system property of a setting, as OpenTelemetry's agent spells its own: the name without
     * the B10_TRANSFER_ prefix, lower case, dots for underscores, after {@code b10.transfer.}.
     */
    public static String propertyName(String setting) {
        return StartSettings.propertyName(setting);
    }


    private static String methodSpec(String raw) {
        if (raw == null) {
            return null;
        }
        int hash = raw.indexOf('#');
        if (hash <= 0 || hash == raw.length() - 1 || raw.indexOf('#', hash + 1) >= 0) {
            throw new CacheValidationError(PREFIX + "SAVE_AFTER_METHOD='" + raw + "' is not of the form com.example.Class#method");
        }
        return raw;
    }

    /** Where the local cache directory comes from, the first set wins. */
    public static final List<String> LOCAL_CACHE_SETTINGS = StartSettings.LOCAL_CACHE_SETTINGS;

    public static URI httpUrl(String raw, String name) {
        if (raw == null) {
            return null;
        }
        try {
            URI u = new URI(raw);
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                return u;
            }
        } catch (java.net.URISyntaxException e) {
            // named below
        }
        throw new CacheValidationError(name + "='" + raw + "' is not an http(s)://host[:port]/path URL");
    }

    /** A URI of another scheme is not "a relative path": say which schemes there are. */
    static void refuseUnsupportedScheme(String value, String name) {
        int colon = value.indexOf("://");
        if (colon <= 0) {
            return;
        }
        String scheme = value.substring(0, colon);
        for (int i = 0; i < scheme.length(); i++) {
            char c = scheme.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
                return;
            }
        }
        throw new CacheValidationError(name + "='" + value + "' uses the scheme " + scheme + "://, which b10-transfer"
                + " does not support: give an absolute path (a mounted filesystem) or s3://bucket/prefix (any S3-compatible"
                + " service, with " + PREFIX + "S3_ENDPOINT)");
    }

    static Path absolutePath(String value, String name) {
        if (value.isBlank()) {
            throw new CacheValidationError(name + " is set but empty; give an absolute path");
        }
        Path p;
        try {
            p = Path.of(value);
        } catch (RuntimeException e) {
            throw new CacheValidationError(name + "='" + value + "' is not a valid path");
        }
        if (!p.isAbsolute()) {
            throw new CacheValidationError(name + "='" + value + "' is a relative path; give an absolute one");
        }
        return p.normalize();
    }

    /**
     * The local cache where its path is a symbolic link to a directory (a cache kept on another
     * disk through a link): that directory, which restores then swap while the link stays. Any
     * other path as given; a link to nothing is named as such by the operations.
     */
    static Path throughLink(Path p) {
        if (!java.nio.file.Files.isSymbolicLink(p)) {
            return p;
        }
        try {
            Path real = p.toRealPath();
            return java.nio.file.Files.isDirectory(real) ? real : p;
        } catch (java.io.IOException | SecurityException e) {
            return p;
        }
    }

    /** The setting that names the local cache, for messages (TORCH_CACHE_DIR where none is set). */
    public String localCacheName() {
        return localCacheSetting == null ? "TORCH_CACHE_DIR" : localCacheSetting;
    }

    /** Levenshtein distance: how far a misspelled name is from a valid one. */
    public static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * Looks a name up in the agent options (with or without the prefix), then the system
     * properties, then the environment: the more specific place wins (one JVM's agent line, one
     * JVM's command line, then what every process of the container shares).
     */
    private static final class Source implements java.util.function.UnaryOperator<String> {
        private final Map<String, String> env;
        private final Map<String, String> properties;
        private final Map<String, String> options;
        private final StartSettings.Lookup lookup;

        Source(Map<String, String> env, Map<String, String> properties, Map<String, String> options) {
            this.env = env;
            this.properties = properties;
            this.options = options;
            java.util.Properties p = new java.util.Properties();
            p.putAll(properties);
            this.lookup = new StartSettings.Lookup(env, p, options);
        }

        /** Every name looked up, for telling a typo from a setting. */
        private final java.util.Set<String> known = new java.util.HashSet<>();

        @Override
        public String apply(String name) {
            return raw(name);
        }

        String raw(String name) {
            known.add(name);
            return lookup.raw(name);
        }

        /** Agent options and B10_TRANSFER_ variables that no setting read. */
        List<String> unknown() {
            List<String> out = new ArrayList<>();
            for (String o : options.keySet()) {
                if (!known.contains(o) && !known.contains(PREFIX + o)) {
                    out.add("agent option " + o + " is not a setting of b10-transfer and is ignored" + nearest(o));
                }
            }
            for (String e : env.keySet()) {
                if (e.startsWith(PREFIX) && !known.contains(e)) {
                    out.add("environment variable " + e + " is not a setting of b10-transfer and is ignored" + nearest(e));
                }
            }
            java.util.Set<String> knownProperties = new java.util.HashSet<>();
            for (String k : known) {
                knownProperties.add(propertyName(k));
            }
            for (String p : properties.keySet()) {
                // b10.transfer.shaded.*: the relocated libraries' own properties (the agent's logger sets slf4j-simple's)
                if (!knownProperties.contains(p) && !INTERNAL_PROPERTIES.contains(p) && !p.startsWith(PROPERTY_PREFIX + "shaded.")) {
                    String asName = PREFIX + p.substring(PROPERTY_PREFIX.length()).toUpperCase(Locale.ROOT).replace('.', '_');
                    String near = nearestName(asName);
                    out.add("system property " + p + " is not a setting of b10-transfer and is ignored"
                            + (near == null ? "" : "; did you mean " + propertyName(near) + "?"));
                }
            }
            return out;
        }

        private String nearest(String name) {
            String best = nearestName(name);
            return best == null ? "" : "; did you mean " + best + "?";
        }

        /** The known name closest to a misspelled one, in the misspelled one's form (with or without the prefix); null if none is close. */
        private String nearestName(String name) {
            String best = null;
            int bestDistance = Integer.MAX_VALUE;
            for (String k : known) {
                String candidate = name.startsWith(PREFIX) || !k.startsWith(PREFIX) ? k : k.substring(PREFIX.length());
                int d = editDistance(name.toUpperCase(Locale.ROOT), candidate);
                if (d < bestDistance || (d == bestDistance && candidate.compareTo(best) < 0)) {
                    best = candidate;
                    bestDistance = d;
                }
            }
            // a name changed entirely is not a misspelling of it (FOO is not JMX)
            return best != null && bestDistance <= Math.max(3, name.length() / 3)
                    && bestDistance < Math.min(name.length(), best.length()) ? best : null;
        }

        Path path(String name, String def) {
            String v = raw(name);
            return absolutePath(v != null ? v : def, name);
        }

        double nonNegativeDouble(String name, double def) {
            String v = raw(name);
            return v == null || v.trim().equals("0") ? (v == null ? def : 0) : positiveDouble(name, def);
        }

        double positiveDouble(String name, double def) {
            String v = raw(name);
            if (v == null) {
                return def;
            }
            try {
                double d = Double.parseDouble(v);
                if (d > 0 && d < 1e9) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // named below
            }
            throw new CacheValidationError(name + "='" + v + "' must be a positive number of seconds");
        }

        long positiveLong(String name, long def) {
            long v = nonNegativeLong(name, def);
            if (v == 0) {
                throw new CacheValidationError(name + "=0 must be a positive whole number");
            }
            return v;
        }

        long nonNegativeLong(String name, long def) {
            String v = raw(name);
            if (v == null) {
                return def;
            }
            try {
                long n = Long.parseLong(v);
                if (n < 0) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new CacheValidationError(name + "='" + v + "' is not a whole number of the right sign (default " + def + ")");
            }
        }

        boolean bool(String name, boolean def) {
            String v = raw(name);
            if (v == null) {
                return def;
            }
            switch (v.toLowerCase(Locale.ROOT)) {
                case "1": case "true": case "yes": case "on": return true;
                case "0": case "false": case "no": case "off": return false;
                default: throw new CacheValidationError(name + "='" + v + "' is not a boolean (true or false)");
            }
        }

        String oneOf(String name, String def, String... allowed) {
            String v = raw(name);
            if (v == null) {
                return def;
            }
            String lower = v.toLowerCase(Locale.ROOT);
            for (String a : allowed) {
                if (a.equals(lower)) {
                    return a;
                }
            }
            throw new CacheValidationError(name + "='" + v + "' is not one of " + String.join(", ", allowed));
        }

        <E extends Enum<E>> E choice(String name, Class<E> type, E def) {
            String v = raw(name);
            if (v == null) {
                return def;
            }
            try {
                return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                StringBuilder names = new StringBuilder();
                for (E c : type.getEnumConstants()) {
                    names.append(names.length() == 0 ? "" : ", ").append(c.name().toLowerCase(Locale.ROOT));
                }
                throw new CacheValidationError(name + "='" + v + "' is not one of " + names);
            }
        }
    }
}
