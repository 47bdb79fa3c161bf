package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application with its own, different JNA, commons-compress, slf4j (and binding), Byte Buddy and zstd-jni
 * runs unchanged while the agent uses its own copies of each: JNA in the isolated loader (the probe
 * calls a stand-in driver through it), Byte Buddy for the process gate, commons-compress and
 * slf4j for the restore and its log lines.
 */
class ClashTest {
    @TempDir
    Path tmp;

    @Test
    void applicationsOwnLibraries_runUnchanged_besideTheAgentsCopies() throws Exception {
        Path libs = Path.of(System.getProperty("b10.test.clashLibs", "target/clash-libs"));
        String cp;
        try (Stream<Path> s = Files.list(libs)) {
            cp = s.map(Path::toString).sorted().collect(Collectors.joining(File.pathSeparator));
        }
        Path libcuda = tmp.resolve("libcuda.so.1");
        Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o", libcuda.toString(),
                System.getProperty("b10.test.standin.source")).inheritIO().start();
        assertEquals(0, gcc.waitFor());
        // an archive for this key in the store, so that the agent restores through its own zstd-jni
        Path seed = Files.createDirectories(tmp.resolve("seed/triton"));
        Files.writeString(seed.resolve("kernel.py"), "compiled kernel\n".repeat(100));
        ChildJvm.Result saved = ChildJvm.run(System.getProperty("java.home"), ChildJvm.env(
                        "B10_TRANSFER_LIBCUDA", libcuda.toString(), "B10_TRANSFER_GPU_BACKEND", "jna",
                        "B10_TRANSFER_TORCH_VERSION", "2.11.0+cu130",
                        "TORCH_CACHE_DIR", tmp.resolve("seed").toString(), "B10FS_CACHE_DIR", tmp.resolve("s").toString()),
                60, "-jar", ChildJvm.jar().toString(), "save");
        assertEquals(0, saved.exit(), saved.out() + saved.err());
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"), ChildJvm.env(
                        "B10_TRANSFER_LIBCUDA", libcuda.toString(), "B10_TRANSFER_GPU_BACKEND", "jna",
                        "B10_TRANSFER_RESTORE", "background", "B10_TRANSFER_LOG_LEVEL", "debug",
                        "B10_TRANSFER_TORCH_VERSION", "2.11.0+cu130",
                        "TORCH_CACHE_DIR", tmp.resolve("c").toString(), "B10FS_CACHE_DIR", tmp.resolve("s").toString()),
                60, "-javaagent:" + ChildJvm.jar(), "-cp", ChildJvm.testClasses() + File.pathSeparator + cp,
                "b10.transfer.agent.testapp.ClashApp");
        assertEquals(0, r.exit(), r.out() + r.err());
        String o = r.out();
        assertTrue(o.contains("com.sun.jna.Native FROM ") && o.matches("(?s).*com.sun.jna.Native FROM \\S*jna-5\\.12\\.1\\.jar.*"), o);
        assertTrue(o.matches("(?s).*TarArchiveEntry FROM \\S*commons-compress-1\\.21\\.jar.*"), o);
        assertTrue(o.matches("(?s).*LoggerFactory FROM \\S*slf4j-api-1\\.7\\.36\\.jar.*"), o);
        assertTrue(o.matches("(?s).*ByteBuddy FROM \\S*byte-buddy-1\\.14\\.18\\.jar.*"), o);
        assertTrue(o.matches("(?s).*Zstd FROM \\S*zstd-jni-1\\.5\\.5-5\\.jar.*"), o);
        assertTrue(o.contains("JNA_INT_SIZE=4") && o.contains("ZSTD_ROUND_TRIP=true"), o);
        assertTrue(o.contains("BYTEBUDDY_MADE=true") && o.contains("COMPRESS_ENTRY=x.txt") && o.contains("DONE"), o);
        // the application's slf4j-simple 1.7 printed its own line, in its own format
        assertTrue(r.err().contains("[main] INFO clash-app - hello from the application's own slf4j"), r.err());
        // and the agent used its own JNA to call the stand-in driver
        assertTrue(r.err().contains("B10 Stand-in H200"), r.err());
        // and restored the archive through its own zstd-jni
        assertTrue(r.err().contains("restore SUCCESS: restored 1 files") && !r.err().contains("native zstd unavailable"), r.err());
        assertEquals("compiled kernel\n".repeat(100), Files.readString(tmp.resolve("c/triton/kernel.py")));
    }
}
