package b10.transfer.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The few settings the agent reads before the application's main, to decide whether main need wait
 * for it at all: where the store and the local cache are, which JVMs it acts in, and whether a
 * method trigger or an exit save is configured. Read with {@link Settings}' precedence (agent
 * option, system property, environment variable) but without building them: {@code Settings} reads
 * some fifty settings and checks every name, several milliseconds of the host's start when run
 * interpreted, so it is built on the agent's own thread where this allows. Only plain values are
 * taken here; anything else ({@link #read} returns null) sends the agent down its usual path, where
 * {@code Settings} judges it and names what is wrong. StartSettingsTest holds both to the same answers.
 */
public final class StartSettings {
    /** The directory store, or null for an S3 store. */
    public final Path storeDir;
    public final Path localCacheDir;
    /** {@code B10_TRANSFER_ONLY_IN} as given, or null. */
    public final String onlyIn;
    /** Whether {@code B10_TRANSFER_LOG_LEVEL} is set at all (a debug line may then be owed). */
    public final boolean logLevelSet;
    public final boolean saveOnExit;
    public final boolean saveAfterMethod;

    private StartSettings(Path storeDir, Path localCacheDir, String onlyIn, boolean logLevelSet, boolean saveOnExit,
                          boolean saveAfterMethod) {
        this.storeDir = storeDir;
        this.localCacheDir = localCacheDir;
        this.onlyIn = onlyIn;
        this.logLevelSet = logLevelSet;
        this.saveOnExit = saveOnExit;
        this.saveAfterMethod = saveAfterMethod;
    }

    /** The local cache's variables, the first set wins; vLLM keeps its compile cache under VLLM_CACHE_ROOT. */
    static final java.util.List<String> LOCAL_CACHE_SETTINGS = java.util.List.of("TORCH_CACHE_DIR", "TORCHINDUCTOR_CACHE_DIR",
            "VLLM_CACHE_ROOT");

    /** See {@link Settings#propertyName}; here so that reading these does not load Settings. */
    static String propertyName(String setting) {
        String n = setting.startsWith(Settings.PREFIX) ? setting.substring(Settings.PREFIX.length()) : setting;
        return Settings.PROPERTY_PREFIX + n.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** The store where neither B10_TRANSFER_STORE nor B10FS_CACHE_DIR names one. */
    static final String DEFAULT_STORE_DIR = "/cache/model/compile_cache";

    /**
     * The local cache where no variable names one: torch's own default, as its
     * {@code default_cache_dir()} computes it: {@code torchinductor_<user>} in Python's
     * {@code tempfile.gettempdir()} (the first usable of TMPDIR, TEMP, TMP, /tmp, /var/tmp,
     * /usr/tmp, the working directory), the user as {@code getpass.getuser()} finds it (LOGNAME,
     * USER, LNAME, USERNAME, else the account's name), with its characters that are not allowed in
     * file names replaced as torch does. Read from this JVM's environment: a worker started with
     * another one needs TORCHINDUCTOR_CACHE_DIR.
     */
    static Path defaultLocalCache(java.util.function.UnaryOperator<String> env) {
        String user = null;
        for (String name : new String[] {"LOGNAME", "USER", "LNAME", "USERNAME"}) {
            if (user == null) {
                user = env.apply(name);
            }
        }
        if (user == null) {
            user = System.getProperty("user.name", "root");
        }
        // torch's re.sub(r'[\\/:*?"<>|]', "_", user), without a regex on the agent's start path
        StringBuilder sanitized = new StringBuilder(user.length());
        for (int i = 0; i < user.length(); i++) {
            char c = user.charAt(i);
            sanitized.append("\\/:*?\"<>|".indexOf(c) >= 0 ? '_' : c);
        }
        return tempDir(env).resolve("torchinductor_" + sanitized);
    }

    /** Python's tempfile.gettempdir() on a POSIX system: the first candidate that is a writable directory. */
    private static Path tempDir(java.util.function.UnaryOperator<String> env) {
        java.util.List<String> candidates = new java.util.ArrayList<>();
        for (String name : new String[] {"TMPDIR", "TEMP", "TMP"}) {
            String v = env.apply(name);
            if (v != null) {
                candidates.add(v);
            }
        }
        candidates.addAll(java.util.List.of("/tmp", "/var/tmp", "/usr/tmp"));
        for (String c : candidates) {
            try {
                Path p = Path.of(c).toAbsolutePath().normalize();
                if (java.nio.file.Files.isDirectory(p) && java.nio.file.Files.isWritable(p)) {
                    return p;
                }
            } catch (RuntimeException e) {
                // not a path: the next candidate
            }
        }
        return Path.of("").toAbsolutePath();
    }

    /** @return the settings, or null where any of them is other than plain (Settings then decides) */
    public static StartSettings read(Map<String, String> env, Properties properties, Map<String, String> options) {
        Lookup s = new Lookup(env, properties, options);
        String chosen = null;
        for (String name : LOCAL_CACHE_SETTINGS) {
            if (chosen == null && s.raw(name) != null) {
                chosen = name;
            }
        }
        Path local = chosen == null ? defaultLocalCache(s) : plainAbsolute(s.raw(chosen));
        String uri = s.raw(Settings.PREFIX + "STORE");
        Path store;
        if (uri != null && uri.regionMatches(true, 0, "s3://", 0, 5)) {
            store = null;
        } else {
            String dir = uri != null ? uri : s.raw("B10FS_CACHE_DIR");
            store = plainAbsolute(dir != null ? dir : DEFAULT_STORE_DIR);
            if (store == null) {
                return null;
            }
        }
        String saveOnExit = s.raw(Settings.PREFIX + "SAVE_ON_EXIT");
        Boolean exitSave = saveOnExit == null ? Boolean.TRUE : plainBoolean(saveOnExit);
        if (local == null || exitSave == null) {
            return null;
        }
        return new StartSettings(store, local, s.raw(Settings.PREFIX + "ONLY_IN"), s.raw(Settings.PREFIX + "LOG_LEVEL") != null,
                exitSave, s.raw(Settings.PREFIX + "SAVE_AFTER_METHOD") != null);
    }

    /** An absolute path with no scheme, normalized as Settings does; null for anything else. */
    private static Path plainAbsolute(String value) {
        if (value == null || value.isBlank() || !value.startsWith("/") || value.contains("://")) {
            return null;
        }
        try {
            return Path.of(value).normalize();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Boolean plainBoolean(String v) {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "1": case "true": case "yes": case "on": return Boolean.TRUE;
            case "0": case "false": case "no": case "off": return Boolean.FALSE;
            default: return null;
        }
    }

    /**
     * The precedence of every setting, for {@link Settings} too: the agent option (with or without
     * the prefix), the system property, the environment variable; empty is unset, values trimmed.
     */
    /** Also a function of a name, for {@link #defaultLocalCache} (a class, not a method reference: no lambda spun before main). */
    static final class Lookup implements java.util.function.UnaryOperator<String> {
        private final Map<String, String> env;
        private final Properties properties;
        private final Map<String, String> options;

        Lookup(Map<String, String> env, Properties properties, Map<String, String> options) {
            this.env = env;
            this.properties = properties;
            this.options = options;
        }

        @Override
        public String apply(String name) {
            return raw(name);
        }

        String raw(String name) {
            String v = options.get(name);
            if (v == null && name.startsWith(Settings.PREFIX)) {
                v = options.get(name.substring(Settings.PREFIX.length()));
            }
            if (v == null) {
                v = properties.getProperty(propertyName(name));
            }
            if (v == null) {
                v = env.get(name);
            }
            return v == null || v.isEmpty() ? null : v.trim();
        }
    }
}
