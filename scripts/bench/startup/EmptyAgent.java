/** An agent that does nothing: what any -javaagent costs the JVM, the floor for ours. */
public final class EmptyAgent {
    public static void premain(String args, java.lang.instrument.Instrumentation inst) {
    }
}
