package b10.transfer.agent;

import java.lang.instrument.Instrumentation;

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
            AgentRuntime.start(args, inst);
        } catch (Throwable t) {
            System.err.println("b10-transfer: agent failed to start, the application runs without it: " + t);
        }
    }
}
