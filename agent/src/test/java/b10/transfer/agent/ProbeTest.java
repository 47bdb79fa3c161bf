package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three backends make real native calls into a stand-in libcuda.so.1 built here with gcc,
 * in child JVMs started with the packaged jar; Panama only on JDK 22+.
 */
class ProbeTest {
    @TempDir
    static Path tmp;
    static Path libcuda;

    @BeforeAll
    static void buildStandIn() throws Exception {
        libcuda = SurvivalKit.standInDriver(tmp);
    }

    static Stream<Object[]> backends() {
        List<Object[]> out = new ArrayList<>();
        for (String jdk : ChildJvm.javaHomes()) {
            int feature = ChildJvm.feature(jdk);
            for (String b : feature >= 22 ? List.of("jna", "jcuda", "panama") : List.of("jna", "jcuda")) {
                out.add(new Object[] {feature, b, jdk});
            }
        }
        return out.stream();
    }

    ChildJvm.Result probe(String jdk, String backend, String... env) throws Exception {
        var e = ChildJvm.env(env);
        e.putIfAbsent("B10_TRANSFER_LIBCUDA", libcuda.toString());
        return ChildJvm.run(jdk, e, 60, "--enable-native-access=ALL-UNNAMED", "-jar", ChildJvm.jar().toString(),
                "probe", "--json", "--backend", backend);
    }

    @ParameterizedTest(name = "java {0} {1}")
    @MethodSource("backends")
    void backend_reportsExactlyTheStandInsFacts(int feature, String backend, String jdk) throws Exception {
        ChildJvm.Result r = probe(jdk, backend);
        assertEquals(0, r.exit(), r.out() + r.err());
        String o = r.out();
        assertTrue(o.contains("\"backend\":\"" + backend + "\",\"ok\":true"), o);
        assertTrue(o.contains("\"name\":\"B10 Stand-in H200\""), o);
        assertTrue(o.contains("\"compute_capability\":\"9.0\""), o);
        assertTrue(o.contains("\"cuda_driver_version\":\"13.0\""), o);
        assertTrue(o.contains("\"device_count\":2"), o);
        assertTrue(o.contains("\"uuid\":\"GPU-10111213-1415-1617-1819-1a1b1c1d1e1f\""), o);
    }

    @ParameterizedTest(name = "java {0} {1}")
    @MethodSource("backends")
    void cudaVisibleDevices_isHonouredAsTheDriverDoesIt(int feature, String backend, String jdk) throws Exception {
        ChildJvm.Result r = probe(jdk, backend, "CUDA_VISIBLE_DEVICES", "1");
        assertTrue(r.out().contains("\"name\":\"B10 Stand-in A100\""), r.out());
        assertTrue(r.out().contains("\"compute_capability\":\"8.0\""), r.out());
        assertTrue(r.out().contains("\"device_count\":1"), r.out());
    }

    @ParameterizedTest(name = "java {0} {1}")
    @MethodSource("backends")
    void failingInit_andNoDevice_areReportedNotThrown(int feature, String backend, String jdk) throws Exception {
        ChildJvm.Result fail = probe(jdk, backend, "STANDIN_CUDA_MODE", "init_fail");
        assertTrue(fail.out().contains("\"ok\":false") && fail.out().contains("cuInit returned CUresult 999"), fail.out());
        ChildJvm.Result none = probe(jdk, backend, "STANDIN_CUDA_MODE", "no_device");
        assertTrue(none.out().contains("\"ok\":true") && none.out().contains("\"device_count\":0"), none.out());
    }

    @Test
    void keyExplain_namesThePythonFilesTheDriverLibraryAndTheVisibleDevices_andTheGpuCountJoinsTheKeyWhenAsked() throws Exception {
        Path venv = SurvivalKit.fakeVenv(tmp.resolve("explain"));
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"), ChildJvm.env("B10_TRANSFER_LIBCUDA", libcuda.toString(),
                "B10_TRANSFER_GPU_BACKEND", "jna", "B10_TRANSFER_PYTHON", venv.toString(), "CUDA_VISIBLE_DEVICES", "0,1",
                "B10_TRANSFER_KEY_GPU_COUNT", "true"), 60,
                "--enable-native-access=ALL-UNNAMED", "-jar", ChildJvm.jar().toString(), "key", "--explain", "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        String o = r.out();
        assertTrue(o.contains("\"key\":\"torch-2.11.0+cu130_cuda-13.0_gpu-B10-Stand-in-H200_cc-9.0_gpus-2_triton-"), o);
        assertTrue(o.contains("\"chosen_by\":\"B10_TRANSFER_PYTHON=" + venv), o);
        assertTrue(o.contains("torch/version.py"), o);
        assertTrue(o.contains("\"library\":\"" + libcuda), o);
        assertTrue(o.contains("\"cuda_visible_devices\":\"0,1\""), o);
        assertTrue(o.contains("\"backend\":\"jna (B10_TRANSFER_GPU_BACKEND=jna)\""), o);

        ChildJvm.Result one = ChildJvm.run(System.getProperty("java.home"), ChildJvm.env("B10_TRANSFER_LIBCUDA", libcuda.toString(),
                "B10_TRANSFER_GPU_BACKEND", "jna", "B10_TRANSFER_PYTHON", venv.toString(), "CUDA_VISIBLE_DEVICES", "0",
                "B10_TRANSFER_KEY_GPU_COUNT", "true"), 60,
                "--enable-native-access=ALL-UNNAMED", "-jar", ChildJvm.jar().toString(), "key", "--json");
        assertTrue(one.out().contains("_cc-9.0_gpus-1_triton-"), one.out());
        ChildJvm.Result plain = ChildJvm.run(System.getProperty("java.home"), ChildJvm.env("B10_TRANSFER_LIBCUDA", libcuda.toString(),
                "B10_TRANSFER_GPU_BACKEND", "jna", "B10_TRANSFER_PYTHON", venv.toString()), 60,
                "--enable-native-access=ALL-UNNAMED", "-jar", ChildJvm.jar().toString(), "key", "--json");
        assertTrue(plain.out().contains("_cc-9.0_triton-") && !plain.out().contains("gpus-"), plain.out());
    }

    @Test
    void hangingInit_isCutByTheTimeout() throws Exception {
        ChildJvm.Result r = probe(System.getProperty("java.home"), "jna", "STANDIN_CUDA_MODE", "hang",
                "B10_TRANSFER_PROBE_TIMEOUT_MS", "500");
        assertTrue(r.out().contains("did not answer within 500 ms"), r.out());
        assertTrue(r.millis() < 8000, "took " + r.millis() + " ms");
    }

    @Test
    void agentWithAHangingDriver_startsTheApp_andNeitherRestoresNorSavesUnderACpuKey() throws Exception {
        // an archive of another key, so that the restore needs this JVM's key and probes the driver
        Files.createDirectories(tmp.resolve("s"));
        Files.write(tmp.resolve("s/cache_000000000000.latest.tar.zst"), new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd});
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"), ChildJvm.env(
                "B10_TRANSFER_LIBCUDA", libcuda.toString(), "STANDIN_CUDA_MODE", "hang", "B10_TRANSFER_PROBE_TIMEOUT_MS", "300",
                "B10_TRANSFER_TORCH_VERSION", "2.11.0+cu130", "APP_WRITE", "1",
                "TORCH_CACHE_DIR", tmp.resolve("c").toString(), "B10FS_CACHE_DIR", tmp.resolve("s").toString(), "APP_EXIT", "4"),
                60, "-javaagent:" + ChildJvm.jar(), "-cp", ChildJvm.testClasses(), "b10.transfer.agent.testapp.App");
        assertEquals(4, r.exit(), r.err());
        assertTrue(r.out().startsWith("FILES=0"), r.out());
        assertTrue(r.err().contains("neither restores nor saves") && r.err().contains("did not answer within 300 ms")
                && r.err().contains("B10_TRANSFER_GPU_BACKEND=none"), r.err());
        // the application wrote its cache, and the exit save published nothing under a key without the GPU
        assertEquals(List.of("cache_000000000000.latest.tar.zst"), SurvivalKit.archivesAndKeyRecords(tmp.resolve("s")));
    }

    /** The CLI with the stand-in driver on Java 17 and up; the JVM's own arguments before -jar. */
    private static ChildJvm.Result cli(java.util.Map<String, String> env, List<String> jvmArgs, String... command) throws Exception {
        List<String> args = new ArrayList<>(jvmArgs);
        args.addAll(List.of("-jar", ChildJvm.jar().toString()));
        args.addAll(List.of(command));
        return ChildJvm.run(System.getProperty("java.home"), env, 60, args.toArray(String[]::new));
    }

    /**
     * A machine with a CUDA driver that the probe could not ask: the key would say cpu and file this
     * machine's GPU kernels as a CPU cache, so saves and loads refuse it with the cause and the
     * setting; where the driver itself refuses CUDA (cuInit fails, as torch's would), cpu is right.
     */
    @Test
    void aDriverThatCouldNotBeAsked_leavesTheKeyIncomplete_andNothingIsSavedOrLoadedUnderACpuKey() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("unasked"));
        Path cache = Files.createDirectories(root.resolve("cache"));
        Files.writeString(cache.resolve("kernel.cubin"), "compiled for a GPU");
        record Case(String what, List<String> jvmArgs, String[] env, String expected) {
        }
        List<Case> cases = List.of(
                new Case("a driver that hangs", List.of(), new String[] {"STANDIN_CUDA_MODE", "hang",
                        "B10_TRANSFER_PROBE_TIMEOUT_MS", "300"}, "did not answer within 300 ms"),
                new Case("bindings that cannot be unpacked", List.of("-Djava.io.tmpdir=" + root.resolve("absent")),
                        new String[] {"B10_TRANSFER_GPU_BACKEND", "jna"}, "java.io.tmpdir (" + root.resolve("absent") + ")"),
                new Case("a device that is not there", List.of(), new String[] {"B10_TRANSFER_GPU_DEVICE", "5"},
                        "device index 5 but the driver shows 2"));
        for (Case c : cases) {
            Path store = Files.createDirectories(root.resolve("store-" + cases.indexOf(c)));
            var env = ChildJvm.env(c.env());
            env.putAll(ChildJvm.env("B10_TRANSFER_LIBCUDA", libcuda.toString(), "B10_TRANSFER_TORCH_VERSION", "2.11.0+cu130",
                    "TORCH_CACHE_DIR", cache.toString(), "B10FS_CACHE_DIR", store.toString()));
            ChildJvm.Result save = cli(env, c.jvmArgs(), "save");
            assertEquals(1, save.exit(), c.what() + ": " + save.out() + save.err());
            assertTrue(save.out().contains(c.expected()) && save.out().contains("B10_TRANSFER_GPU_BACKEND=none")
                    && save.out().contains("ERROR"), c.what() + ": " + save.out());
            assertEquals(List.of(), SurvivalKit.archivesAndKeyRecords(store), c.what());

            ChildJvm.Result key = cli(env, c.jvmArgs(), "key");
            assertEquals(0, key.exit(), c.what() + ": " + key.err());
            assertTrue(key.err().contains("cannot be saved or loaded under") && key.err().contains(c.expected()), key.err());

            // what a CPU key holds is not restored on this machine either
            var cpu = new java.util.HashMap<>(env);
            cpu.put("B10_TRANSFER_GPU_BACKEND", "none");
            ChildJvm.Result cpuSave = cli(cpu, List.of(), "save");
            assertEquals(0, cpuSave.exit(), cpuSave.out() + cpuSave.err());
            assertTrue(cpuSave.out().contains("SUCCESS"), cpuSave.out());
            assertTrue(SurvivalKit.archivesAndKeyRecords(store).stream().anyMatch(n -> n.endsWith(".latest.tar.zst")),
                    SurvivalKit.archivesAndKeyRecords(store).toString());
            env.put("TORCH_CACHE_DIR", root.resolve("empty-" + cases.indexOf(c)).toString());
            ChildJvm.Result load = cli(env, c.jvmArgs(), "load");
            assertEquals(1, load.exit(), c.what() + ": " + load.out() + load.err());
            assertTrue(load.out().contains(c.expected()) && load.out().contains("ERROR"), load.out());
            assertTrue(!Files.exists(root.resolve("empty-" + cases.indexOf(c)).resolve("kernel.cubin")), c.what());
        }

        // the driver refuses CUDA itself: torch runs on the CPU there, and the CPU key is this machine's
        Path store = Files.createDirectories(root.resolve("store-refused"));
        ChildJvm.Result refused = cli(ChildJvm.env("B10_TRANSFER_LIBCUDA", libcuda.toString(), "STANDIN_CUDA_MODE", "init_fail",
                "B10_TRANSFER_TORCH_VERSION", "2.11.0+cu130", "TORCH_CACHE_DIR", cache.toString(), "B10FS_CACHE_DIR",
                store.toString()), List.of(), "save");
        assertEquals(0, refused.exit(), refused.out() + refused.err());
        assertTrue(refused.out().contains("SUCCESS"), refused.out());
        ChildJvm.Result refusedKey = cli(ChildJvm.env("B10_TRANSFER_LIBCUDA", libcuda.toString(), "STANDIN_CUDA_MODE", "init_fail",
                "B10_TRANSFER_TORCH_VERSION", "2.11.0+cu130"), List.of(), "key");
        assertTrue(refusedKey.out().contains("torch-2.11.0+cu130_cpu_triton-none") && !refusedKey.err().contains("warning"),
                refusedKey.out() + refusedKey.err());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"jna", "jcuda"})
    void onJdk24Plus_theAgentsDriverBindingAndZstd_addNoJvmWarningToTheHostsOutput(String backend) throws Exception {
        String jdk = ChildJvm.javaHomes().stream().filter(h -> ChildJvm.feature(h) >= 24).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(jdk != null, "no JDK 24+ here");
        // an archive of another key, so that the restore probes the driver and loads native zstd
        Path store = Files.createDirectories(tmp.resolve("na-" + backend));
        Files.write(store.resolve("cache_000000000000.latest.tar.zst"), new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd});
        ChildJvm.Result r = ChildJvm.run(jdk, ChildJvm.env("B10_TRANSFER_LIBCUDA", libcuda.toString(),
                "B10_TRANSFER_GPU_BACKEND", backend, "B10_TRANSFER_TORCH_VERSION", "2.11.0+cu130", "B10_TRANSFER_LOG_LEVEL", "debug",
                "TORCH_CACHE_DIR", tmp.resolve("na-c-" + backend).toString(), "B10FS_CACHE_DIR", store.toString()),
                60, "-javaagent:" + ChildJvm.jar(), "-cp", ChildJvm.testClasses(), "b10.transfer.agent.testapp.App");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("B10 Stand-in H200") && r.err().contains("via " + backend), r.err());
        assertTrue(r.err().contains("restore DOES_NOT_EXIST"), r.err());
        assertTrue(!r.err().contains("WARNING") && !r.err().contains("--enable-native-access"), r.err());
    }

    @Test
    void absentDriver_isAnsweredQuickly_withoutLoadingABinding() throws Exception {
        ChildJvm.Result r = ChildJvm.run(System.getProperty("java.home"), ChildJvm.env(
                "B10_TRANSFER_LIBCUDA", tmp.resolve("nothing/libcuda.so.1").toString()), 60,
                "-jar", ChildJvm.jar().toString(), "probe", "--json", "--backend", "jna");
        assertTrue(r.out().contains("no CUDA driver"), r.out());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"millis\":([0-9.]+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) < 20.0, "absent driver took " + m.group(1) + " ms");
    }
}
