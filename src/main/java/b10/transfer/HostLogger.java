package b10.transfer;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * The library's messages, handed to the application's logging through {@link System.Logger}
 * (logger {@code b10.transfer}), which java.util.logging serves by default and every logging
 * framework can route (Log4j 2 and Logback through their System.Logger bridges). The host's
 * configuration decides what is shown and where; nothing of ours is configured.
 */
final class HostLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;
    private final transient System.Logger target;

    HostLogger(System.Logger target) {
        this.target = target;
        this.name = target.getName();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern, Object[] arguments,
                                               Throwable throwable) {
        String text = MessageFormatter.basicArrayFormat(messagePattern, arguments);
        if (throwable != null) {
            target.log(map(level), text, throwable);
        } else {
            target.log(map(level), text);
        }
    }

    private static System.Logger.Level map(Level level) {
        switch (level) {
            case TRACE: return System.Logger.Level.TRACE;
            case DEBUG: return System.Logger.Level.DEBUG;
            case INFO: return System.Logger.Level.INFO;
            case WARN: return System.Logger.Level.WARNING;
            default: return System.Logger.Level.ERROR;
        }
    }

    @Override
    public boolean isTraceEnabled() {
        return target.isLoggable(System.Logger.Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return target.isLoggable(System.Logger.Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return target.isLoggable(System.Logger.Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return target.isLoggable(System.Logger.Level.WARNING);
    }

    @Override
    public boolean isErrorEnabled() {
        return target.isLoggable(System.Logger.Level.ERROR);
    }
}
