package b10.transfer.agent;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The -javaagent entry. It does as little as possible here and never lets anything escape:
 * a Throwable from the agent is one line on standard error, and the application starts anyway.
 * Only JDK classes are touched before the options are read, so that a disabled agent costs
 * almost nothing.
 */
public final class AgentMain {
    private AgentMain() {
    }

    public static void premain(String args, Instrumentation inst) {
        start(args, inst);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst);
    }

    private static void start(String args, Instrumentation inst) {
        try {
            List<String> problems = new ArrayList<>();
            Map<String, String> options = AgentOptions.parse(args, problems);
            if (AgentOptions.disabled(options, System.getProperty("b10.transfer.enabled"),
                    System.getenv("B10_TRANSFER_ENABLED"))) {
                return; // decided here: none of the agent's other classes is loaded
            }
            AgentStart.start(options, problems, inst);
        } catch (Throwable t) {
            System.err.println("b10-transfer: agent failed to start, the application runs without it: " + t);
        }
    }
}
