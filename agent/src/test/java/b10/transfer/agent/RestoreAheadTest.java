package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's restore begins on the one stored key this machine's can be while the driver is
 * still asked (a stand-in libcuda.so.1 whose cuInit takes 1.5 s, as a real one takes 200 ms):
 * kept when the driver confirms the GPU, discarded unseen when it names another, not begun where
 * two stored keys differ only in their GPU.
 */
class RestoreAheadTest {
    @TempDir
    static Path shared;
    static Path libcuda;
    static Path cold;

    @TempDir
    Path tmp;
    Path store;
    Path venv;

    @BeforeAll
    static void driverAndCache() throws Exception {
        libcuda = SurvivalKit.standInDriver(shared);
        Path fixture = Path.of(System.getProperty("b10.test.fixtures", "../fixtures"), "inductor-cache-gpt2-h200.tgz");
        assertTrue(Files.isRegularFile(fixture), "fixture " + fixture + " is missing from the checkout");
        Path seed = Files.createDirectories(shared.resolve("seed"));
        assertEquals(0, new ProcessBuilder("tar", "-xzf", fixture.toString(), "-C", seed.toString()).start().waitFor());
        cold = seed.resolve("indc-cold");
    }

    @BeforeEach
    void dirs() throws Exception {
        store = tmp.resolve("store");
        venv = SurvivalKit.fakeVenv(tmp);
    }

    /** The settings of a machine whose visible GPU is the stand-in's device {@code ordinal} (0: the H200, 1: the A100). */
    Map<String, String> env(Path local, String ordinal, String... kv) {
        Map<String, String> e = ChildJvm.env(kv);
        e.put("TORCH_CACHE_DIR", local.toString());
        e.put("B10FS_CACHE_DIR", store.toString());
        e.put("B10_TRANSFER_PYTHON", venv.toString());
        e.put("B10_TRANSFER_GPU_BACKEND", "jna");
        e.put("B10_TRANSFER_LIBCUDA", libcuda.toString());
        e.put("CUDA_VISIBLE_DEVICES", ordinal);
        e.put("B10_TRANSFER_PROBE_TIMEOUT_MS", "20000"); // the slow cuInit must not be cut on a busy machine
        return e;
    }

    void saveAs(String ordinal) throws Exception {
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"), env(cold, ordinal), 60,
                "-jar", ChildJvm.jar().toString(), "save");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().strip().endsWith("SUCCESS"), r.out());
    }

    ChildJvm.Result appOn(String ordinal, Path local) throws Exception {
        return ChildJvm.run(System.getProperty("java.home"), env(local, ordinal, "STANDIN_CUDA_INIT_MS", "1500",
                        "B10_TRANSFER_LOG_LEVEL", "debug"), 120,
                "-javaagent:" + ChildJvm.jar(), "-cp", ChildJvm.testClasses(), "b10.transfer.agent.testapp.App");
    }

    @Test
    void theStoresOnlyKeyForThisPython_isRestoredWhileTheDriverAnswers_andKeptWhenItIsThisGpus() throws Exception {
        saveAs("0");
        Path local = tmp.resolve("h200/cache");
        ChildJvm.Result r = appOn("0", local);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("FILES=121\n"), r.out() + r.err());
        assertTrue(r.err().contains("restoring torch-2.11.0+cu130_cuda-13.0_gpu-B10-Stand-in-H200_cc-9.0_triton-none"
                + " while the GPU probe runs"), r.err());
        assertFalse(r.err().contains("was discarded"), r.err());
        assertTrue(r.err().contains("restore SUCCESS: restored 121 files"), r.err());
        assertTrue(siblings(local).stream().noneMatch(n -> n.contains("staging")), siblings(local).toString());
    }

    @Test
    void anotherGpusKey_isRestoredAhead_thenDiscardedUnseen_andTheMissExplained() throws Exception {
        saveAs("1");
        Path local = tmp.resolve("h200/cache");
        ChildJvm.Result r = appOn("0", local);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("FILES=0\n"), "nothing of the A100's cache reaches the H200's application: "
                + r.out() + r.err());
        assertTrue(r.err().contains("restoring torch-2.11.0+cu130_cuda-13.0_gpu-B10-Stand-in-A100_cc-8.0_triton-none"
                + " while the GPU probe runs"), r.err());
        assertTrue(r.err().contains("was discarded: this machine's key is torch-2.11.0+cu130_cuda-13.0_gpu-B10-Stand-in-H200"),
                r.err());
        assertTrue(r.err().contains("restore DOES_NOT_EXIST"), r.err());
        assertTrue(r.err().contains("gpu B10-Stand-in-A100 in the store, B10-Stand-in-H200 here"), r.err());
        assertTrue(siblings(local).stream().noneMatch(n -> n.contains("staging")), "no staging directory is left: "
                + siblings(local));
    }

    @Test
    void twoGpusKeysForThisPython_beginNothingAhead_andTheDriversAnswerChooses() throws Exception {
        saveAs("1");
        saveAs("0");
        Path local = tmp.resolve("a100/cache");
        ChildJvm.Result r = appOn("1", local);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("FILES=121\n"), r.out() + r.err());
        assertFalse(r.err().contains("while the GPU probe runs"), r.err());
        assertTrue(r.err().contains("restore SUCCESS: restored 121 files"), r.err());
        assertTrue(r.err().contains("gpu-B10-Stand-in-A100"), "the A100's archive was restored: " + r.err());
    }

    private static List<String> siblings(Path local) throws Exception {
        try (Stream<Path> s = Files.list(local.getParent())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
