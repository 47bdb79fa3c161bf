package b10.transfer.agent;

import net.bytebuddy.asm.Advice;

/** Inlined at the start of ProcessBuilder.start: a child process waits for the restore (bounded). */
public final class ProcessStartAdvice {
    private ProcessStartAdvice() {
    }

    @Advice.OnMethodEnter
    static void enter() {
        b10.transfer.bootstrap.Hooks.beforeProcessStart();
    }
}
