package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent jar's layout. The JVM reads every entry at the top of a -javaagent jar at every start
 * (interpreted, about 7 us each), a disabled agent's too, so the top holds the types the host and
 * the implementation share, the agent's entry and the loaders; the implementation and its libraries
 * are one nested jar. A shared type inside it would be a second class of the same name (the API's
 * outcomes would not be the caller's); a class missing from both would fail at its first use.
 */
class JarLayoutTest {
    @TempDir
    Path tmp;

    @Test
    void theTop_holdsOnlyWhatIsShared_andTheImplementationIsOneStoredNestedJar() throws Exception {
        List<String> topClasses = new ArrayList<>();
        Set<String> nested = new TreeSet<>();
        try (JarFile jar = new JarFile(ChildJvm.jar().toFile())) {
            for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements(); ) {
                JarEntry e = en.nextElement();
                if (e.getName().endsWith(".class")) {
                    topClasses.add(e.getName());
                }
            }
            assertTrue(jar.size() < 60, "entries at the jar's top: " + jar.size());
            JarEntry core = jar.getJarEntry("META-INF/b10-transfer/core.jar");
            assertNotNull(core, "the nested implementation");
            assertEquals(ZipEntry.STORED, core.getMethod(), "stored: opening it is a plain copy");
            try (JarInputStream in = new JarInputStream(jar.getInputStream(core))) {
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    nested.add(e.getName());
                }
            }
            assertEquals("b10.transfer.cli.Launcher", jar.getManifest().getMainAttributes().getValue("Main-Class"));
            assertEquals("b10.transfer.agent.AgentMain", jar.getManifest().getMainAttributes().getValue("Premain-Class"));
        }
        for (String c : topClasses) {
            assertTrue(c.startsWith("b10/transfer/") && !c.startsWith("b10/transfer/shaded/"), c);
        }
        assertTrue(topClasses.size() < 40, "classes at the jar's top: " + topClasses);
        for (String shared : List.of("b10/transfer/LoadOutcome.class", "b10/transfer/LoadStatus.class",
                "b10/transfer/CacheError.class", "b10/transfer/async/TransferProgress.class",
                "b10/transfer/agent/Hooks.class", "b10/transfer/B10Transfer.class")) {
            assertTrue(topClasses.contains(shared), shared);
            assertTrue(!nested.contains(shared), "a second copy inside would be another class: " + shared);
        }
        for (String impl : List.of("b10/transfer/ops/Operations.class", "b10/transfer/Library.class",
                "b10/transfer/agent/AgentStart.class", "b10/transfer/cli/Main.class", "b10/transfer/Log.class",
                "b10/transfer/version.properties")) {
            assertTrue(nested.contains(impl), impl);
            assertTrue(!topClasses.contains(impl), impl);
        }
        assertTrue(nested.stream().anyMatch(n -> n.startsWith("b10/transfer/shaded/apache/commons/compress/")), "the libraries nested too");
        assertTrue(nested.stream().anyMatch(n -> n.startsWith("META-INF/services/")), "slf4j's provider, found through the nested loader");
    }

    @Test
    void aDisabledAgent_loadsTwoClassesOfOurs_oneStandingAside_noneOfTheImplementation_andAnEnabledOne_theRestFromTheNestedJar() throws Exception {
        Path log = tmp.resolve("classes.txt");
        String cp = ChildJvm.testClasses();
        ChildJvm.Result off = ChildJvm.run(System.getProperty("java.home"),
                ChildJvm.env("B10_TRANSFER_ENABLED", "false", "TORCH_CACHE_DIR", tmp.resolve("cache").toString()), 60,
                "-Xlog:class+load:file=" + log, "-javaagent:" + ChildJvm.jar(), "-cp", cp, "b10.transfer.agent.testapp.App");
        assertEquals(0, off.exit(), off.err());
        assertEquals("", off.err());
        assertEquals(List.of("b10.transfer.agent.AgentMain", "b10.transfer.agent.AgentOptions"), ours(log));

        // a JVM the agent is not meant for stands aside before the implementation is loaded
        Files.delete(log);
        Path store = Files.createDirectories(tmp.resolve("store"));
        ChildJvm.Result aside = ChildJvm.run(System.getProperty("java.home"),
                ChildJvm.env("TORCH_CACHE_DIR", tmp.resolve("cache").toString(), "B10FS_CACHE_DIR", store.toString()), 60,
                "-Xlog:class+load:file=" + log, "-javaagent:" + ChildJvm.jar() + "=ONLY_IN=*.Server", "-cp", cp,
                "b10.transfer.agent.testapp.App");
        assertEquals(0, aside.exit(), aside.err());
        assertEquals("", aside.err());
        List<String> loaded = ours(log);
        assertTrue(loaded.contains("b10.transfer.agent.JvmSelection"), loaded.toString());
        assertTrue(loaded.stream().noneMatch(c -> c.equals("b10.transfer.agent.AgentStart") || c.startsWith("b10.transfer.base.")),
                "nothing of the implementation, not even its loader: " + loaded);
        try (java.util.stream.Stream<Path> saved = Files.list(store)) {
            assertTrue(saved.findAny().isEmpty(), "nothing saved");
        }

        Files.delete(log);
        ChildJvm.Result on = ChildJvm.run(System.getProperty("java.home"),
                ChildJvm.env("TORCH_CACHE_DIR", tmp.resolve("cache").toString(), "B10FS_CACHE_DIR", store.toString(),
                        "B10_TRANSFER_GPU_BACKEND", "none", "B10_TRANSFER_TORCH_VERSION", "2.11.0",
                        "B10_TRANSFER_TRITON_VERSION", "3.6.0", "B10_TRANSFER_LOG_LEVEL", "info", "APP_WRITE", "1"), 120,
                "-Xlog:class+load:file=" + log, "-javaagent:" + ChildJvm.jar(), "-cp", cp, "b10.transfer.agent.testapp.App");
        assertEquals(0, on.exit(), on.err());
        assertTrue(on.err().contains("save at exit SUCCESS"), on.err());
        String classes = Files.readString(log);
        // the implementation was defined by the nested jar's loader, not found on the class path
        assertTrue(classes.lines().anyMatch(l -> l.contains(" b10.transfer.agent.AgentStart ") && !l.contains(ChildJvm.jar().getFileName().toString())),
                "AgentStart: " + classes.lines().filter(l -> l.contains("AgentStart")).toList());
        assertTrue(classes.lines().anyMatch(l -> l.contains(" b10.transfer.shaded.apache.commons.compress.archivers.tar.TarArchiveOutputStream ")),
                "the save used the nested commons-compress");
    }

    /** Our classes the JVM loaded, in order, from a class+load log. */
    private static List<String> ours(Path log) throws Exception {
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            int at = line.indexOf(" b10.transfer.");
            if (at >= 0 && !line.contains(" b10.transfer.agent.testapp.")) {
                names.add(line.substring(at + 1, line.indexOf(' ', at + 1)));
            }
        }
        return names;
    }
}
