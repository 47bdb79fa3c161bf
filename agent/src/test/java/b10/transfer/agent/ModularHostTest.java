package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host started as a module ({@code java -m}): its boot layer holds only what its modules
 * require (and the services they bind), not every system module as a class-path application's
 * does. The agent restores and saves there; where native zstd cannot load and the pure-Java codec
 * would need a module the host did not resolve, the one error line names the flag to add.
 */
class ModularHostTest {
    @TempDir
    static Path tmp;
    static Path modules;

    @BeforeAll
    static void compileTheHost() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/host/com/example/host"));
        Files.writeString(src.getParent().getParent().getParent().resolve("module-info.java"), "module host { }\n");
        Files.writeString(src.resolve("Main.java"), String.join("\n",
                "package com.example.host;",
                "import java.nio.file.*;",
                "public class Main {",
                "    public static void main(String[] args) throws Exception {",
                "        Path cache = Path.of(System.getenv(\"TORCH_CACHE_DIR\"));",
                "        try (var s = Files.exists(cache) ? Files.walk(cache) : java.util.stream.Stream.<Path>empty()) {",
                "            System.out.println(\"FILES=\" + s.filter(Files::isRegularFile).count());",
                "        }",
                "        Files.createDirectories(cache);",
                "        Files.writeString(cache.resolve(\"kernel-\" + ProcessHandle.current().pid() + \".py\"), \"compiled\\n\");",
                "    }",
                "}", ""));
        modules = tmp.resolve("mods/host");
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "--release", "17", "-d", modules.toString(),
                tmp.resolve("src/host/module-info.java").toString(), src.resolve("Main.java").toString());
        assertEquals(0, rc, "the host module compiles");
    }

    private static ChildJvm.Result host(Path cache, Path store, String... jvmArgs) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(jvmArgs));
        args.addAll(List.of("-javaagent:" + ChildJvm.jar(), "-p", modules.getParent().toString(), "-m", "host/com.example.host.Main"));
        Map<String, String> env = ChildJvm.env("TORCH_CACHE_DIR", cache.toString(), "B10FS_CACHE_DIR", store.toString(),
                "B10_TRANSFER_TORCH_VERSION", "2.11.0", "B10_TRANSFER_GPU_BACKEND", "none");
        return ChildJvm.run(System.getProperty("java.home"), env, 60, args.toArray(String[]::new));
    }

    @Test
    void aModularHost_isRestoredAndSaved() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        ChildJvm.Result first = host(tmp.resolve("first"), store);
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().startsWith("FILES=0") && first.err().contains("save at exit SUCCESS"), first.out() + first.err());
        ChildJvm.Result second = host(tmp.resolve("second"), store);
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.out().startsWith("FILES=1") && second.err().contains("restore SUCCESS"), second.out() + second.err());
    }

    @Test
    void withoutNativeZstd_aModularHostWithoutJdkUnsupported_isToldTheFlag_andStarts() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store-nz"));
        ChildJvm.Result seeded = host(tmp.resolve("seed"), store);
        assertEquals(0, seeded.exit(), seeded.err());
        // the native library cannot be unpacked: the pure-Java codec is the only one left, and it needs jdk.unsupported
        String noTemp = "-Djava.io.tmpdir=" + tmp.resolve("absent");
        ChildJvm.Result r = host(tmp.resolve("nz"), store, noTemp);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("FILES=0"), r.out());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("ERROR b10-transfer")).toList();
        assertEquals(1, errors.size(), "one line, the exit save's failure for the same cause not repeated: " + r.err());
        assertTrue(errors.get(0).contains("restore failed") && errors.get(0).contains("--add-modules jdk.unsupported")
                && errors.get(0).contains("java.io.tmpdir"), r.err());
        assertFalse(r.err().contains("NoClassDefFoundError"), r.err());
        // given the module, the same host restores with the pure-Java codec
        ChildJvm.Result added = host(tmp.resolve("added"), store, noTemp, "--add-modules", "jdk.unsupported");
        assertEquals(0, added.exit(), added.err());
        assertTrue(added.out().startsWith("FILES=1") && added.err().contains("restore SUCCESS"), added.out() + added.err());
    }
}
