package b10.transfer.cli;

import b10.transfer.base.CoreLoader;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The jar's Main-Class: runs {@link Main} from the implementation's loader ({@link CoreLoader}),
 * since in the agent jar the CLI, like the rest of the implementation, is a nested jar. A
 * {@code load} may first be handed to a JVM started with flags for a one-shot process ({@link OneShotJvm}).
 */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        int relaunched = OneShotJvm.run(args);
        if (relaunched >= 0) {
            System.exit(relaunched);
            return;
        }
        Method main;
        try {
            main = CoreLoader.load("b10.transfer.cli.Main").getMethod("main", String[].class);
        } catch (IOException | ReflectiveOperationException | LinkageError e) {
            System.err.println("b10-transfer: internal error: its classes cannot be loaded from the jar: " + e);
            System.exit(1);
            return;
        }
        try {
            main.invoke(null, (Object) args); // exits with the command's code
        } catch (InvocationTargetException | IllegalAccessException e) {
            System.err.println("b10-transfer: internal error: " + (e.getCause() != null ? e.getCause() : e));
            System.exit(1);
        }
    }
}
