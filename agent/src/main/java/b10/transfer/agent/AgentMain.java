package b10.transfer.agent;

import b10.transfer.base.CoreLoader;
import b10.transfer.config.StartSettings;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Map;

/**
 * The -javaagent entry. It does as little as possible here and never lets anything escape:
 * a Throwable from the agent is one line on standard error, and the application starts anyway.
 * Only JDK classes are touched before the options are read, so that a disabled agent costs
 * almost nothing.
 */
public final class AgentMain {
    /**
     * The options of the first -javaagent of this jar in this JVM; later ones stand aside. A plain
     * field under the class's lock rather than an AtomicReference: that one's VarHandle set-up
     * alone costs a disabled agent about 2 ms of the host's start.
     */
    private static String first;

    private AgentMain() {
    }

    public static void premain(String args, Instrumentation inst) {
        start(args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst);
    }

    /** Records the first agent's options; returns null for the first, else the first's options. */
    private static synchronized String claim(String given) {
        if (first != null) {
            return first;
        }
        first = given;
        return null;
    }

    private static void start(String args, Instrumentation inst) {
        try {
            // The jar named twice (JAVA_TOOL_OPTIONS and the command line, say): the system loader
            // serves one copy of these classes to both, so the first alone acts; two would restore
            // and save twice. Different options are said once; the same ones are not worth a line.
            String given = args == null ? "" : args;
            String earlier = claim(given);
            if (earlier != null) {
                if (!earlier.equals(given)) {
                    System.err.println("WARN b10-transfer - -javaagent given again with other options (" + given
                            + "); the first one's (" + earlier + ") apply");
                }
                return;
            }
            Map<String, String> options = AgentOptions.parse(args, new ArrayList<>());
            if (AgentOptions.disabled(options, System.getProperty("b10.transfer.enabled"),
                    System.getenv("B10_TRANSFER_ENABLED"))) {
                return; // decided here: none of the agent's other classes is loaded
            }
            // A JVM the agent is not meant for (the JDK's tools, a server's helper JVMs) is told apart
            // here too, with the copies of these two classes at the jar's top, so that it never loads
            // the implementation; with a log level set, the implementation says why at debug level.
            StartSettings early = StartSettings.read(System.getenv(), System.getProperties(), options);
            if (early != null && !early.logLevelSet
                    && JvmSelection.standAside(System.getProperty("sun.java.command"), early.onlyIn) != null) {
                return;
            }
            // The rest of the agent is the implementation's, nested in the jar (CoreLoader says why);
            // it parses the options again and reports their problems.
            CoreLoader.load("b10.transfer.agent.AgentStart")
                    .getMethod("premain", String.class, Instrumentation.class).invoke(null, args, inst);
        } catch (Throwable t) {
            Throwable cause = t instanceof InvocationTargetException && t.getCause() != null ? t.getCause() : t;
            System.err.println("b10-transfer: agent failed to start, the application runs without it: " + cause);
        }
    }
}
