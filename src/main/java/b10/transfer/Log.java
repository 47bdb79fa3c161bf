package b10.transfer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The product's logger. In the jar, slf4j and slf4j-simple are relocated under
 * b10.transfer.shaded, so these properties (relocated with them) configure only our copy: the
 * host's logging is never configured or replaced. One line per event, on standard error.
 */
public final class Log {
    private static volatile Logger logger;

    private Log() {
    }

    /** Call before the first log line; later calls have no effect. */
    public static synchronized void configure(String level) {
        if (logger != null) {
            return;
        }
        String p = "org.slf4j.simpleLogger.";
        setIfAbsent(p + "defaultLogLevel", level == null ? "info" : level);
        setIfAbsent(p + "logFile", "System.err");
        setIfAbsent(p + "showThreadName", "false");
        setIfAbsent(p + "showLogName", "true");
        setIfAbsent(p + "showShortLogName", "false");
        setIfAbsent(p + "levelInBrackets", "false");
        setIfAbsent(p + "showDateTime", "false");
        logger = LoggerFactory.getLogger("b10-transfer");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    public static Logger get() {
        Logger l = logger;
        if (l == null) {
            configure(System.getenv("B10_TRANSFER_LOG_LEVEL"));
            l = logger;
        }
        return l;
    }
}
