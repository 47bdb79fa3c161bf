package b10.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.ops.CacheOperations;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.OperationControl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A miss names the nearest stored key and each component that differs, from small records, on a real store. */
class MissExplanationTest {
    @TempDir
    Path tmp;

    static EnvironmentKey key(String torch, String gpu, String cc, Settings.KeyMode mode) {
        return new EnvironmentKey(torch, "13.0", "3.6.0", gpu, cc, mode);
    }

    @Test
    void componentsOf_readsTheFullKeyAndTheSeedKey() {
        assertEquals(Map.of("torch", "2.11.0+cu130", "cuda", "13.0", "gpu", "NVIDIA-H200", "compute capability", "9.0",
                        "visible gpus", "8", "triton", "3.6.0"),
                EnvironmentKey.componentsOf("torch-2.11.0+cu130_cuda-13.0_gpu-NVIDIA-H200_cc-9.0_gpus-8_triton-3.6.0"));
        assertEquals(Map.of("torch", "2.11.0", "device", "cpu", "triton", "none"),
                EnvironmentKey.componentsOf("torch-2.11.0_cpu_triton-none"));
        assertEquals(Map.of("cuda version", "13.0", "device name", "NVIDIA H200"),
                EnvironmentKey.componentsOf("{\"cuda_version\": \"13.0\", \"device_name\": \"NVIDIA H200\"}"));
        assertEquals(Map.of(), EnvironmentKey.componentsOf("something else"));
    }

    CacheOperations ops(EnvironmentKey k, Path local, Path store, String... extra) throws Exception {
        Map<String, String> env = TestTrees.env(tmp, extra);
        env.put("TORCH_CACHE_DIR", local.toString());
        env.put("B10FS_CACHE_DIR", store.toString());
        return new CacheOperations(Settings.from(env, Map.of()), k);
    }

    Path cacheWith(String name) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("src-" + name + "/cache"));
        Files.writeString(dir.resolve(name + ".py"), "kernel " + name);
        return dir;
    }

    @Test
    void aMiss_namesTheNearestStoredKey_andEachComponentThatDiffers() throws Exception {
        Path store = tmp.resolve("store");
        EnvironmentKey h100Old = key("2.10.0+cu130", "NVIDIA H100", "9.0", Settings.KeyMode.FULL);
        EnvironmentKey h200Old = key("2.10.0+cu130", "NVIDIA H200", "9.0", Settings.KeyMode.FULL);
        EnvironmentKey a100 = key("2.11.0+cu130", "NVIDIA A100", "8.0", Settings.KeyMode.FULL);
        for (EnvironmentKey k : List.of(h100Old, a100, h200Old)) {
            assertEquals(SaveStatus.SUCCESS, ops(k, cacheWith(k.hash()), store).save(new OperationControl()).status());
        }
        EnvironmentKey here = key("2.11.0+cu130", "NVIDIA H200", "9.0", Settings.KeyMode.FULL);
        LoadResult miss = ops(here, tmp.resolve("here/cache"), store).load(false, new OperationControl());
        assertEquals(LoadStatus.DOES_NOT_EXIST, miss.status(), miss.message());
        assertTrue(miss.message().contains("nearest of the store's 3 keys: " + h200Old.text()), miss.message());
        assertTrue(miss.message().endsWith(": torch 2.10.0+cu130 in the store, 2.11.0+cu130 here"), miss.message());
        Map<String, Object> json = miss.toMap();
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) json.get("miss");
        assertEquals(h200Old.text(), m.get("nearest_key"));
        assertEquals(List.of("torch 2.10.0+cu130 in the store, 2.11.0+cu130 here"), m.get("differences"));
        assertEquals(3, m.get("stored_keys"));
    }

    @Test
    void amongEquallyNearKeys_theNewestIsNamed() throws Exception {
        Path store = tmp.resolve("store");
        EnvironmentKey older = key("2.9.0+cu130", "NVIDIA H200", "9.0", Settings.KeyMode.FULL);
        EnvironmentKey newer = key("2.10.0+cu130", "NVIDIA H200", "9.0", Settings.KeyMode.FULL);
        assertEquals(SaveStatus.SUCCESS, ops(older, cacheWith("older"), store).save(new OperationControl()).status());
        Thread.sleep(1100); // whole-second mtimes on some filesystems
        assertEquals(SaveStatus.SUCCESS, ops(newer, cacheWith("newer"), store).save(new OperationControl()).status());
        LoadResult miss = ops(key("2.11.0+cu130", "NVIDIA H200", "9.0", Settings.KeyMode.FULL), tmp.resolve("h/cache"), store)
                .load(false, new OperationControl());
        assertTrue(miss.message().contains(": " + newer.text() + " (saved "), miss.message());
    }

    @Test
    void seedMode_comparesThePythonPackagesDictionaries() throws Exception {
        Path store = tmp.resolve("store");
        EnvironmentKey h100 = key("2.11.0+cu130", "NVIDIA H100 80GB HBM3", "9.0", Settings.KeyMode.SEED);
        assertEquals(SaveStatus.SUCCESS, ops(h100, cacheWith("seed"), store, "B10_TRANSFER_KEY_MODE", "seed")
                .save(new OperationControl()).status());
        LoadResult miss = ops(key("2.11.0+cu130", "NVIDIA H200", "9.0", Settings.KeyMode.SEED), tmp.resolve("s/cache"), store,
                "B10_TRANSFER_KEY_MODE", "seed").load(false, new OperationControl());
        assertEquals(LoadStatus.DOES_NOT_EXIST, miss.status());
        assertTrue(miss.message().contains("device name NVIDIA H100 80GB HBM3 in the store, NVIDIA H200 here"), miss.message());
    }
}
