package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class JvmSelectionTest {
    // The values of sun.java.command, gathered by a premain that printed it, with the agent in
    // JAVA_TOOL_OPTIONS, on OpenJDK 17.0.15 and Temurin 25.0.3 (the same on both but the source launcher).
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "jdk.compiler/com.sun.tools.javac.Main -version              | com.sun.tools.javac.Main",
            "jdk.jartool/sun.tools.jar.Main --version                    | sun.tools.jar.Main",
            "java.base/sun.security.tools.keytool.Main -help             | sun.security.tools.keytool.Main",
            "jdk.jcmd/sun.tools.jcmd.JCmd -l                             | sun.tools.jcmd.JCmd",
            "jdk.jshell/jdk.internal.jshell.tool.JShellToolProvider -q   | jdk.internal.jshell.tool.JShellToolProvider",
            "jdk.jshell/jdk.jshell.execution.RemoteExecutionControl 4567 | jdk.jshell.execution.RemoteExecutionControl",
    })
    void theJdksOwnTools_areStoodAsideFrom(String command, String main) {
        assertEquals(main, JvmSelection.mainOf(command));
        String why = JvmSelection.standAside(command, null);
        assertNotNull(why);
        assertTrue(why.contains("JDK tool"), why);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "jdk.compiler/com.sun.tools.javac.launcher.Main Hello.java           | Hello.java",
            "jdk.compiler/com.sun.tools.javac.launcher.SourceLauncher Hello.java | Hello.java",
            "server.jar --port 8080                                              | server.jar",
            "/opt/djl/lib/serving-0.33.0.jar                                     | /opt/djl/lib/serving-0.33.0.jar",
            "ai.djl.serving.ModelServer                                          | ai.djl.serving.ModelServer",
            "com.example.Main a b c                                              | com.example.Main",
            "app.module/com.example.Main                                         | com.example.Main",
            // near-misses of the JDK's prefixes that are applications
            "sunrise.Server                                                      | sunrise.Server",
            "javaapp.Main                                                        | javaapp.Main",
            "comsun.Main                                                         | comsun.Main",
            "b10.transfer.agent.testapp.App                                      | b10.transfer.agent.testapp.App",
    })
    void applications_areActedIn_byDefault(String command, String main) {
        assertEquals(main, JvmSelection.mainOf(command));
        assertNull(JvmSelection.standAside(command, null));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "agent/target/b10-transfer.jar load",
            "/opt/b10-transfer-0.1.0.jar save --json",
            "b10.transfer.cli.Main info",
            "b10.transfer.cli.Launcher load --force",
    })
    void ourOwnCli_isStoodAsideFrom(String command) {
        String why = JvmSelection.standAside(command, null);
        assertNotNull(why);
        assertTrue(why.contains("own CLI"), why);
    }

    @Test
    void aJvmWithoutALauncherCommand_countsAsAnApplication() {
        assertNull(JvmSelection.standAside(null, null));
        assertNull(JvmSelection.standAside("  ", null));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ai.djl.serving.ModelServer          | ai.djl.serving.*          | true",
            // DJL's helper JVM that counts GPUs: a near-miss of the server's package
            "ai.djl.util.cuda.CudaUtils          | ai.djl.serving.*          | false",
            "/opt/app/server.jar --port 1        | server.jar                | true",
            "/opt/app/server.jar --port 1        | /opt/app/*.jar            | true",
            "/opt/app/server-tools.jar           | server.jar                | false",
            "com.example.Main                    | com.example.Main;x.Y      | true",
            "x.Y                                 | com.example.Main x.Y      | true",
            "com.example.MainHelper              | com.example.Main          | false",
            "com.example.Main                    | com.example.Ma?n          | true",
            // with the setting, a JDK tool is acted in only when named
            "jdk.compiler/com.sun.tools.javac.Main -version | com.sun.tools.javac.* | true",
    })
    void onlyIn_actsInExactlyTheJvmsItNames(String command, String globs, boolean acts) {
        String why = JvmSelection.standAside(command, globs);
        assertEquals(acts, why == null, String.valueOf(why));
        if (why != null) {
            assertTrue(why.contains("B10_TRANSFER_ONLY_IN=" + globs), why);
        }
    }

    @Test
    void glob_matchesWholeTextOnly() {
        assertTrue(JvmSelection.glob("*", ""));
        assertTrue(JvmSelection.glob("a*c", "abbbc"));
        assertFalse(JvmSelection.glob("a*c", "abbbcd"));
        assertFalse(JvmSelection.glob("abc", "abcd"));
        assertTrue(JvmSelection.glob("*.jar", "x.jar"));
        assertFalse(JvmSelection.glob("*.jar", "x.jarx"));
    }
}
