package b10.transfer.instrument;

import java.lang.instrument.Instrumentation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * B10_TRANSFER_SAVE_AFTER_METHOD=com.example.Server#warmup: when that method returns normally, the
 * inlined advice calls the agent's {@code Hooks.afterMethod}, which the agent sets before calling this.
 */
public final class MethodTrigger {
    private MethodTrigger() {
    }

    /** Called by the agent through this jar's loader; a failure is thrown to it. */
    public static void install(Instrumentation inst, String type, String method) {
        QuietAgentBuilder.create()
                .type(ElementMatchers.named(type))
                .transform((builder, t, loader, module, domain) ->
                        builder.visit(Advice.to(AfterMethodAdvice.class).on(ElementMatchers.named(method)
                                .and(ElementMatchers.not(ElementMatchers.isAbstract())))))
                .installOn(inst);
    }
}
