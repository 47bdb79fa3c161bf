package b10.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import b10.transfer.config.Settings;
import b10.transfer.key.EnvironmentKey;
import b10.transfer.key.PythonPackages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvironmentKeyTest {
    @TempDir
    Path tmp;

    // The vectors are the Python package's own: sha256(json.dumps(d, sort_keys=True).encode())[:16].
    @Test
    void seedMode_h200_isThePythonPackagesKeyAndArchiveName() {
        EnvironmentKey k = new EnvironmentKey("2.11.0+cu130", "13.0", "3.6.0", "NVIDIA H200", "9.0", Settings.KeyMode.SEED);
        assertEquals("{\"cuda_version\": \"13.0\", \"device_name\": \"NVIDIA H200\"}", k.text());
        assertEquals("c23102092c348195", k.hash());
        assertEquals("cache_c23102092c348195.latest.tar.gz", b10.transfer.store.StoreNames.archive(k, Settings.Compression.GZIP));
    }

    @Test
    void seedMode_h100_leavesOutTorchTritonAndComputeCapability() {
        EnvironmentKey k = new EnvironmentKey("2.7.0+cu128", "12.8", "3.3.0", "NVIDIA H100 80GB HBM3", "9.0", Settings.KeyMode.SEED);
        assertEquals("3b20c534a035fa77", k.hash());
        EnvironmentKey otherTorch = new EnvironmentKey("2.8.0+cu128", "12.8", "3.4.0", "NVIDIA H100 80GB HBM3", "9.0", Settings.KeyMode.SEED);
        assertEquals(k.hash(), otherTorch.hash());
    }

    @Test
    void seedMode_cpuKey_namesThePlatformAsPythonDoes() {
        EnvironmentKey k = new EnvironmentKey("2.11.0", null, null, null, null, Settings.KeyMode.SEED, "x86_64", "Linux");
        assertEquals("{\"cpu_architecture\": \"x86_64\", \"device_type\": \"cpu\", \"platform_system\": \"Linux\"}", k.text());
        assertEquals("436c59e667a63097", k.hash());
    }

    @Test
    void seedMode_aCpuBuildOfTorchOnAGpuMachine_getsTheCpuKey_asTorchCudaIsAvailableSaysFalse() {
        EnvironmentKey k = new EnvironmentKey("2.11.0+cpu", null, null, "NVIDIA H200", "9.0", Settings.KeyMode.SEED, "x86_64", "Linux");
        assertEquals("436c59e667a63097", k.hash());
    }

    @Test
    void seedMode_onThisMachine_usesUnamesNames() {
        EnvironmentKey k = new EnvironmentKey("2.11.0", null, null, null, null, Settings.KeyMode.SEED);
        assertTrue(k.text().contains("\"platform_system\": \"Linux\""), k.text());
        assertFalse(k.text().contains("amd64"), k.text());
    }

    @Test
    void fullMode_separatesGpusOfTheSameComputeCapability() {
        EnvironmentKey h100 = new EnvironmentKey("2.11.0+cu130", "13.0", "3.6.0", "NVIDIA H100 80GB HBM3", "9.0", Settings.KeyMode.FULL);
        EnvironmentKey h200 = new EnvironmentKey("2.11.0+cu130", "13.0", "3.6.0", "NVIDIA H200", "9.0", Settings.KeyMode.FULL);
        assertEquals("torch-2.11.0+cu130_cuda-13.0_gpu-NVIDIA-H200_cc-9.0_triton-3.6.0", h200.text());
        assertNotEquals(h100.hash(), h200.hash());
    }

    @Test
    void versions_areReadFromFiles_versionPyFirst_thenDistInfo() throws Exception {
        Path venv = tmp.resolve("venv");
        Path site = venv.resolve("lib/python3.12/site-packages");
        Files.createDirectories(site.resolve("torch"));
        Files.writeString(site.resolve("torch/version.py"),
                "from typing import Optional\n__all__ = ['__version__']\n__version__ = '2.11.0+cu130'\ndebug = False\ncuda: Optional[str] = '13.0'\n");
        Files.createDirectories(site.resolve("triton-3.6.0.dist-info"));
        Files.writeString(site.resolve("triton-3.6.0.dist-info/METADATA"), "Metadata-Version: 2.1\nName: triton\nVersion: 3.6.0\n");
        Files.writeString(venv.resolve("pyvenv.cfg"), "home = /usr/bin\n");
        PythonPackages.Versions v = PythonPackages.read(null, Map.of("VIRTUAL_ENV", venv.toString()));
        assertEquals("2.11.0+cu130", v.torch());
        assertEquals("13.0", v.torchCuda());
        assertEquals("3.6.0", v.triton());
        assertEquals(site, v.sitePackages());
    }

    @Test
    void torchDistInfo_givesCudaFromTheLocalVersion() throws Exception {
        Path site = tmp.resolve("lib/python3.11/site-packages");
        Files.createDirectories(site.resolve("torch-2.5.1+cu121.dist-info"));
        Files.writeString(site.resolve("torch-2.5.1+cu121.dist-info/METADATA"), "Name: torch\nVersion: 2.5.1+cu121\n");
        PythonPackages.Versions v = PythonPackages.read(site.toString(), Map.of());
        assertEquals("2.5.1+cu121", v.torch());
        assertEquals("12.1", v.torchCuda());
        assertNull(v.triton());
    }

    @Test
    void python3OnPath_inAVenv_isResolvedToTheVenvNotItsBaseInterpreter() throws Exception {
        Path venv = tmp.resolve("v");
        Path site = venv.resolve("lib/python3.12/site-packages/torch");
        Files.createDirectories(site);
        Files.writeString(site.resolve("version.py"), "__version__ = '2.9.0'\ncuda = None\n");
        Files.createDirectories(venv.resolve("bin"));
        Files.writeString(venv.resolve("pyvenv.cfg"), "home = /usr/bin\n");
        Path real = tmp.resolve("base/bin/python3.12");
        Files.createDirectories(real.getParent());
        Files.writeString(real, "");
        real.toFile().setExecutable(true);
        Files.createSymbolicLink(venv.resolve("bin/python3"), real);
        PythonPackages.Versions v = PythonPackages.read(null, Map.of("PATH", venv.resolve("bin").toString()));
        assertEquals("2.9.0", v.torch());
        assertNull(v.torchCuda());
    }
}
