package b10.transfer.instrument;

import java.lang.instrument.Instrumentation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * In background-restore mode, holds ProcessBuilder.start (which Runtime.exec also goes through)
 * until the restore has ended or its bound has passed: a JVM server starts its Python workers as
 * child processes, and they must find the cache complete. The inlined advice calls the agent's
 * {@code Hooks.beforeProcessStart}, which the agent sets before calling this.
 */
public final class ProcessGate {
    private ProcessGate() {
    }

    /** Called by the agent through this jar's loader; a failure is thrown to it (it then waits for the restore). */
    public static void install(Instrumentation inst) {
        QuietAgentBuilder.create()
                .ignore(ElementMatchers.none())
                .type(ElementMatchers.named("java.lang.ProcessBuilder"))
                .transform((builder, type, loader, module, domain) ->
                        builder.visit(Advice.to(ProcessStartAdvice.class).on(ElementMatchers.named("start"))))
                .installOn(inst);
    }
}
