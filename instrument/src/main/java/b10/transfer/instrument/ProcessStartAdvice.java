package b10.transfer.instrument;

import net.bytebuddy.asm.Advice;

/** Inlined at the start of ProcessBuilder.start: a child process waits for the restore (bounded). */
public final class ProcessStartAdvice {
    private ProcessStartAdvice() {
    }

    /** JDK types only: this code runs inside java.lang.ProcessBuilder, whose loader cannot see ours. */
    @Advice.OnMethodEnter
    static void enter() {
        try {
            Class.forName("b10.transfer.agent.Hooks", true, ClassLoader.getSystemClassLoader())
                    .getMethod("beforeProcessStart").invoke(null);
        } catch (Throwable ignored) {
            // never let the agent break the application's process start
        }
    }
}
