package b10.transfer.agent;

import b10.transfer.Log;
import b10.transfer.base.Workers;
import java.lang.instrument.Instrumentation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * B10_TRANSFER_SAVE_AFTER_METHOD=com.example.Server#warmup: when that method returns normally, a
 * save starts on a daemon thread (the method's caller is not held). Byte Buddy is loaded only here.
 */
final class MethodTrigger {
    private MethodTrigger() {
    }

    static void install(Instrumentation inst, String spec, Runnable save) {
        int hash = spec.indexOf('#');
        String type = spec.substring(0, hash);
        String method = spec.substring(hash + 1);
        try {
            Hooks.afterMethod = () -> Workers.daemon("method-save", save).start();
            ByteBuddyQuiet.prepare();
            new AgentBuilder.Default()
                    .disableClassFormatChanges()
                    .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                    .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                    .with(AgentBuilder.TypeStrategy.Default.REDEFINE)
                    .type(ElementMatchers.named(type))
                    .transform((builder, t, loader, module, domain) ->
                            builder.visit(Advice.to(AfterMethodAdvice.class).on(ElementMatchers.named(method)
                                    .and(ElementMatchers.not(ElementMatchers.isAbstract())))))
                    .installOn(inst);
        } catch (Throwable t) {
            Log.get().warn("cannot hook {} ({}); saves happen at exit and after quiet periods only", spec, t.toString());
        }
    }
}
