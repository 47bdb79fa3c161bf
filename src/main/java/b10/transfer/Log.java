package b10.transfer;

import org.slf4j.Logger;
import org.slf4j.simple.SimpleServiceProvider;

/**
 * The product's logger, in one of two modes. The agent and the CLI have output of their own:
 * they set the level first ({@link #level}, {@link #configure}), and then messages go through
 * slf4j-simple, one line per event on standard error. In the jar, slf4j and slf4j-simple are
 * relocated under b10.transfer.shaded, so these properties (relocated with them) configure only
 * our copy: the host's logging is never configured or replaced. The slf4j-simple provider is
 * created directly rather than found by LoggerFactory's service lookup: the lookup costs
 * milliseconds on the agent's start-up path and could only ever find it. Used as a library
 * (no level set), messages go to the application's logging through {@link System.Logger}
 * ({@link HostLogger}), and nothing is configured.
 */
public final class Log {
    private static volatile String level;
    private static volatile Logger logger;

    private Log() {
    }

    /** Sets the level the logger opens with; cheap, and has no effect once the logger is open. */
    public static void level(String name) {
        level = name;
    }

    /** Sets the level and opens the logger now; later calls have no effect. */
    public static void configure(String name) {
        level(name);
        get();
    }

    public static Logger get() {
        Logger l = logger;
        return l != null ? l : open();
    }

    private static synchronized Logger open() {
        if (logger != null) {
            return logger;
        }
        if (level == null) {
            logger = new HostLogger(System.getLogger("b10.transfer"));
            return logger;
        }
        String name = level;
        String p = "org.slf4j.simpleLogger.";
        setIfAbsent(p + "defaultLogLevel", name);
        setIfAbsent(p + "logFile", "System.err");
        setIfAbsent(p + "showThreadName", "false");
        setIfAbsent(p + "showLogName", "true");
        setIfAbsent(p + "showShortLogName", "false");
        setIfAbsent(p + "levelInBrackets", "false");
        setIfAbsent(p + "showDateTime", "false");
        try {
            SimpleServiceProvider provider = new SimpleServiceProvider();
            provider.initialize();
            logger = provider.getLoggerFactory().getLogger("b10-transfer");
        } catch (LinkageError absent) {
            // the library without its optional slf4j-simple (a Maven user's CLI run): the host's logging then
            logger = new HostLogger(System.getLogger("b10.transfer"));
        }
        return logger;
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
