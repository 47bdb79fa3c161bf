package b10.transfer.instrument;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.Nexus;

/**
 * The agent builder both installers use: advice inlined into classes already loaded
 * (retransformation, no class format change, no type initializers run), and Byte Buddy kept off
 * sun.misc.Unsafe, whose use the JVM reports on the host's standard error from JDK 24. The
 * AgentBuilder's default constructor prepares Byte Buddy's Nexus (a way to run type initializers,
 * which inlined advice never needs) through Unsafe, unless the Nexus is disabled by its system
 * property. In the jar the property's name is relocated with Byte Buddy
 * ({@code b10.transfer.shaded.bytebuddy.nexus.disabled}), so the host's own Byte Buddy is not affected.
 */
final class QuietAgentBuilder {
    private QuietAgentBuilder() {
    }

    static AgentBuilder create() {
        if (System.getProperty(Nexus.PROPERTY) == null) {
            System.setProperty(Nexus.PROPERTY, "true");
        }
        return new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                .with(AgentBuilder.TypeStrategy.Default.REDEFINE);
    }
}
