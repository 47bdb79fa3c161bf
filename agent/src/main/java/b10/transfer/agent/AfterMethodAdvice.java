package b10.transfer.agent;

import net.bytebuddy.asm.Advice;

/** Inlined at the normal return of the configured method: triggers a save. */
public final class AfterMethodAdvice {
    private AfterMethodAdvice() {
    }

    @Advice.OnMethodExit
    static void exit() {
        b10.transfer.bootstrap.Hooks.afterMethod();
    }
}
