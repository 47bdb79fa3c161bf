package b10.transfer.agent;

import b10.transfer.Log;
import java.lang.instrument.Instrumentation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * In background-restore mode, holds ProcessBuilder.start (which Runtime.exec also goes through)
 * until the restore has ended or its bound has passed: a JVM server starts its Python workers as
 * child processes, and they must find the cache complete. Byte Buddy is loaded only here.
 */
final class ProcessGate {
    private ProcessGate() {
    }

    static void install(Instrumentation inst, Runnable awaitRestore) {
        try {
            Hooks.beforeProcessStart = new Runnable() {
                private volatile boolean done;

                @Override
                public void run() {
                    if (!done) {
                        awaitRestore.run();
                        done = true;
                    }
                }
            };
            ByteBuddyQuiet.prepare();
            new AgentBuilder.Default()
                    .disableClassFormatChanges()
                    .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                    .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                    .with(AgentBuilder.TypeStrategy.Default.REDEFINE)
                    .ignore(ElementMatchers.none())
                    .type(ElementMatchers.named("java.lang.ProcessBuilder"))
                    .transform((builder, type, loader, module, domain) ->
                            builder.visit(Advice.to(ProcessStartAdvice.class).on(ElementMatchers.named("start"))))
                    .installOn(inst);
        } catch (Throwable t) {
            // without the gate, the restore still runs; wait for it here rather than risk an early child process
            Log.get().warn("cannot hold process starts during the background restore ({}); waiting for it before main", t.toString());
            awaitRestore.run();
        }
    }
}
