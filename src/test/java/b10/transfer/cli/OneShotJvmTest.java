package b10.transfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the CLI's relaunch reads its own command line and builds the one-shot JVM's (the real JVMs: agent's OneShotJvmTest). */
class OneShotJvmTest {
    @TempDir
    Path tmp;

    static final List<String> ARGV = List.of("java", "-Xmx256m", "-jar", "/opt/b10-transfer.jar", "load", "--json");

    @Test
    void theOneShotFlagsComeFirst_thenTheUsersOptionsAndArgumentsAsGiven() {
        assertEquals(List.of("/jdk/bin/java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:+UseTransparentHugePages",
                        "-Db10.transfer.cli.relaunch=false", "-Db10.transfer.cli.parent=42", "-Xmx256m", "-jar",
                        "/opt/b10-transfer.jar", "load", "--json"),
                OneShotJvm.command(ARGV, "42", "/jdk", true));
        assertFalse(OneShotJvm.command(ARGV, "42", "/jdk", false).contains("-XX:+UseTransparentHugePages"),
                "only where the kernel gives huge pages on request (elsewhere the JVM warns)");
    }

    @Test
    void aFlagIsLeftOutWhereTheUsersOptionsChooseOnItsSubject() {
        List<String> g1 = OneShotJvm.command(List.of("java", "-XX:+UseG1GC", "-jar", "j.jar", "load"), "1", "/jdk", true);
        assertFalse(g1.contains("-XX:+UseSerialGC"), g1.toString());
        assertTrue(g1.contains("-XX:TieredStopAtLevel=1"), g1.toString());
        List<String> tiered = OneShotJvm.command(List.of("java", "-XX:-TieredCompilation", "-jar", "j.jar", "load"), "1", "/jdk", true);
        assertFalse(tiered.contains("-XX:TieredStopAtLevel=1"), tiered.toString());
        List<String> pages = OneShotJvm.command(List.of("java", "-XX:+UseLargePages", "-jar", "j.jar", "load"), "1", "/jdk", true);
        assertFalse(pages.contains("-XX:+UseTransparentHugePages"), pages.toString());
        // all three chosen already: nothing to gain from a second JVM
        assertNull(OneShotJvm.command(List.of("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UseTransparentHugePages",
                "-jar", "j.jar", "load"), "1", "/jdk", true));
        // options in a file cannot be checked: no relaunch
        assertNull(OneShotJvm.command(List.of("java", "@opts", "-jar", "j.jar", "load"), "1", "/jdk", true));
        assertNull(OneShotJvm.command(List.of("java", "-XX:VMOptionsFile=o", "-jar", "j.jar", "load"), "1", "/jdk", true));
    }

    @Test
    void onlyALoad_onlyWhereTheSettingAllows() {
        assertNull(OneShotJvm.command(new String[] {"save"}, Map.of(), 1, true));
        assertNull(OneShotJvm.command(new String[] {"load", "--help"}, Map.of(), 1, true));
        assertNull(OneShotJvm.command(new String[] {"load"}, Map.of("B10_TRANSFER_CLI_RELAUNCH", "false"), 1, true));
        assertNull(OneShotJvm.command(new String[] {"load"}, Map.of("B10_TRANSFER_CLI_RELAUNCH", "maybe"), 1, true));
        assertNull(OneShotJvm.command(new String[] {"load"}, Map.of(), OneShotJvm.AUTO_MAX_CPUS + 1, true));
        assertNull(OneShotJvm.command(new String[] {"load"}, Map.of("JAVA_TOOL_OPTIONS", "-javaagent:x.jar"), 1, true));
        assertNull(OneShotJvm.command(new String[] {"load"}, Map.of("_JAVA_OPTIONS", "-Xmx1g"), 1, true));
        // this test's own JVM (surefire's) is a plain HotSpot JVM on Linux: a load would be relaunched with its own arguments
        List<String> forced = OneShotJvm.command(new String[] {"load"}, Map.of("B10_TRANSFER_CLI_RELAUNCH", "TRUE"), 64, true);
        assertTrue(forced != null && forced.get(0).equals(Path.of(System.getProperty("java.home"), "bin", "java").toString()), "" + forced);
        assertTrue(forced.contains("-Db10.transfer.cli.parent=" + ProcessHandle.current().pid()), forced.toString());
        // the one-shot JVM itself never relaunches, whatever setting its line carries after ours
        System.setProperty(OneShotJvm.PARENT_PROPERTY, "1");
        try {
            assertNull(OneShotJvm.command(new String[] {"load"}, Map.of("B10_TRANSFER_CLI_RELAUNCH", "true"), 1, true));
        } finally {
            System.clearProperty(OneShotJvm.PARENT_PROPERTY);
        }
    }

    @Test
    void theCommandLineIsReadAsNulSeparatedAscii() throws Exception {
        Path f = tmp.resolve("cmdline");
        Files.write(f, "java\0-Xmx1g\0-jar\0a b.jar\0load\0".getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of("java", "-Xmx1g", "-jar", "a b.jar", "load"), OneShotJvm.commandLine(f.toFile()));
        Files.write(f, "java\0-jar\0caf\u00e9.jar\0load\0".getBytes(StandardCharsets.UTF_8));
        assertNull(OneShotJvm.commandLine(f.toFile()), "not ASCII: its decoding would depend on the locale");
        Files.write(f, "java\0-ja".getBytes(StandardCharsets.US_ASCII));
        assertNull(OneShotJvm.commandLine(f.toFile()), "cut");
        assertNull(OneShotJvm.commandLine(tmp.resolve("absent").toFile()));
    }

    @Test
    void theParentPid_isTheFourthFieldOfStat_afterTheCommandsParenthesis() throws Exception {
        Path f = tmp.resolve("stat");
        Files.writeString(f, "4242 (java) S 4200 4242 1 0 -1 4194560 2 0 0 0\n");
        assertEquals("4200", ParentWatch.parentPid(f));
        Files.writeString(f, "4242 (a) b) c) R 77 4242 1 0\n");
        assertEquals("77", ParentWatch.parentPid(f), "a command name with parentheses and spaces");
        assertNull(ParentWatch.parentPid(tmp.resolve("absent")));
        assertEquals(String.valueOf(ProcessHandle.current().parent().orElseThrow().pid()), ParentWatch.parentPid(Path.of("/proc/self/stat")));
    }

    @Test
    void mallocAsksForHugePages_keepingTheUsersTunables() {
        assertEquals("glibc.malloc.hugetlb=1", OneShotJvm.glibcTunables(null));
        assertEquals("glibc.malloc.hugetlb=1", OneShotJvm.glibcTunables(" "));
        assertEquals("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1", OneShotJvm.glibcTunables("glibc.malloc.arena_max=2"));
        assertEquals("glibc.malloc.hugetlb=0", OneShotJvm.glibcTunables("glibc.malloc.hugetlb=0"));
    }

    @Test
    void hugePagesOnRequest_onlyInMadviseMode() throws Exception {
        Path f = tmp.resolve("enabled");
        Files.writeString(f, "always [madvise] never\n");
        assertTrue(OneShotJvm.hugePagesOnRequest(f.toFile()));
        Files.writeString(f, "always madvise [never]\n");
        assertFalse(OneShotJvm.hugePagesOnRequest(f.toFile()));
        Files.writeString(f, "[always] madvise never\n");
        assertFalse(OneShotJvm.hugePagesOnRequest(f.toFile()), "every mapping has them already");
        assertFalse(OneShotJvm.hugePagesOnRequest(tmp.resolve("absent").toFile()));
    }
}
