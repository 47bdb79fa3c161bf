package b10.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.config.S3Location;
import b10.transfer.config.Settings;
import b10.transfer.config.StoreLocation;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsTest {

    @Test
    void defaults_whenNothingIsSet_matchTheSeed() {
        Settings s = Settings.from(Map.of("USER", "alice"), Map.of());
        assertEquals(Path.of("/tmp/torchinductor_alice"), s.localCacheDir);
        assertEquals(new StoreLocation.Directory(Path.of("/cache/model/compile_cache"), "B10FS_CACHE_DIR"), s.store);
        assertEquals(Path.of("/app"), s.localWorkDir);
        assertEquals(1024L * 1024 * 1024, s.maxCacheBytes);
        assertEquals(Settings.Compression.ZSTD, s.compression);
    }

    /**
     * Where no variable names the local cache, it is torch's default_cache_dir(): Python's
     * tempfile.gettempdir() (TMPDIR, TEMP, TMP, then /tmp ...: the first writable directory) and
     * getpass.getuser() (LOGNAME before USER), the user's '/' and the like replaced by '_'.
     */
    @Test
    void theDefaultLocalCache_isWhereTorchPutsItsOwn(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        assertEquals(tmp.resolve("torchinductor_bob"), Settings.from(Map.of("TMPDIR", tmp.toString(), "USER", "alice",
                "LOGNAME", "bob"), Map.of()).localCacheDir);
        assertEquals(tmp.resolve("torchinductor_dom_ain_u"), Settings.from(Map.of("TEMP", tmp.toString(), "USER", "dom\\ain/u"),
                Map.of()).localCacheDir);
        // a TMPDIR that is not there is passed over, as Python does
        assertEquals(Path.of("/tmp/torchinductor_alice"), Settings.from(Map.of("TMPDIR", tmp.resolve("absent").toString(),
                "USER", "alice"), Map.of()).localCacheDir);
        // the agent's early read agrees
        assertEquals(tmp.resolve("torchinductor_bob"), b10.transfer.config.StartSettings.read(Map.of("TMPDIR", tmp.toString(),
                "LOGNAME", "bob"), new java.util.Properties(), Map.of()).localCacheDir);
    }

    @Test
    void localCacheDir_fallsBackToTorchinductorCacheDir() {
        Settings s = Settings.from(Map.of("TORCHINDUCTOR_CACHE_DIR", "/x/y"), Map.of());
        assertEquals(Path.of("/x/y"), s.localCacheDir);
        Settings both = Settings.from(Map.of("TORCHINDUCTOR_CACHE_DIR", "/x/y", "TORCH_CACHE_DIR", "/a"), Map.of());
        assertEquals(Path.of("/a"), both.localCacheDir);
    }

    @ParameterizedTest
    @CsvSource({
        "MAX_CACHE_SIZE_MB, abc, MAX_CACHE_SIZE_MB",
        "MAX_CACHE_SIZE_MB, -5, MAX_CACHE_SIZE_MB",
        "TORCH_CACHE_DIR, relative/dir, TORCH_CACHE_DIR",
        "B10FS_CACHE_DIR, cache, B10FS_CACHE_DIR",
        "B10_TRANSFER_GPU_BACKEND, cuda, B10_TRANSFER_GPU_BACKEND",
        "B10_TRANSFER_ENABLED, maybe, B10_TRANSFER_ENABLED",
        "B10_TRANSFER_SAVE_AFTER_METHOD, noHash, B10_TRANSFER_SAVE_AFTER_METHOD",
        "B10_TRANSFER_PYTHON, venv/bin/python3, B10_TRANSFER_PYTHON",
    })
    void badValue_isOneLineNamingTheVariable(String name, String value, String named) {
        CacheValidationError e = assertThrows(CacheValidationError.class, () -> Settings.from(Map.of(name, value), Map.of()));
        assertTrue(e.getMessage().contains(named), e.getMessage());
        assertTrue(e.getMessage().contains(value), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'));
    }

    @Test
    void agentOptions_winOverEnvironment_withOrWithoutPrefix() {
        Settings s = Settings.from(Map.of("B10_TRANSFER_RESTORE", "blocking", "MAX_CACHE_SIZE_MB", "5"),
                Map.of("RESTORE", "background", "MAX_CACHE_SIZE_MB", "7"));
        assertTrue(s.restoreInBackground);
        assertEquals(7L * 1024 * 1024, s.maxCacheBytes);
    }

    @Test
    void seedKeyMode_forcesGzip() {
        Settings s = Settings.from(Map.of("B10_TRANSFER_KEY_MODE", "seed", "B10_TRANSFER_COMPRESSION", "zstd"), Map.of());
        assertEquals(Settings.Compression.GZIP, s.compression);
    }

    @Test
    void anS3Uri_selectsTheS3Store_withPathStyleWhereAnEndpointIsGiven() {
        Settings s = Settings.from(Map.of("B10_TRANSFER_STORE", "s3://team-cache/compile/cache/",
                "B10_TRANSFER_S3_ENDPOINT", "http://127.0.0.1:9000"), Map.of());
        S3Location s3 = (S3Location) s.store;
        assertEquals("s3", s.store.scheme());
        assertEquals("team-cache", s3.bucket());
        assertEquals("compile/cache", s3.prefix());
        assertEquals("compile/cache/cache_x.latest", s3.key("cache_x.latest"));
        assertTrue(s3.pathStyle());
        assertEquals("s3://team-cache/compile/cache", s.storeName());

        Settings aws = Settings.from(Map.of("B10_TRANSFER_STORE", "s3://team-cache"), Map.of());
        S3Location awsS3 = (S3Location) aws.store;
        assertEquals("", awsS3.prefix());
        assertEquals("cache_x.latest", awsS3.key("cache_x.latest"));
        assertEquals(false, awsS3.pathStyle());
        assertEquals(8 << 20, awsS3.partBytes());
    }

    @Test
    void aPlainStorePath_isTheFilesystemStore() {
        Settings s = Settings.from(Map.of("B10_TRANSFER_STORE", "/mnt/shared/cc", "B10FS_CACHE_DIR", "/other"), Map.of());
        assertEquals(new StoreLocation.Directory(Path.of("/mnt/shared/cc"), "B10_TRANSFER_STORE"), s.store);
        assertEquals("B10FS_CACHE_DIR", ((StoreLocation.Directory) Settings.from(Map.of(), Map.of()).store).setting());
    }

    @ParameterizedTest
    @CsvSource({
        "B10_TRANSFER_STORE, s3://, does not name a bucket",
        "B10_TRANSFER_STORE, s3:///prefix, does not name a bucket",
        "B10_TRANSFER_STORE, relative/dir, relative path",
        "B10_TRANSFER_S3_ENDPOINT, localhost:9000, is not an http(s)://host[:port] URL",
        "B10_TRANSFER_S3_PART_MB, 4, must be 5..1024",
    })
    void badS3Settings_areRefusedByName(String name, String value, String expected) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("B10_TRANSFER_STORE", "s3://bucket/p"));
        env.put(name, value);
        CacheValidationError e = assertThrows(CacheValidationError.class, () -> Settings.from(env, Map.of()));
        assertTrue(e.getMessage().startsWith(name + "="), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"gs://bucket/x, gs://", "https://example.com/cache, https://", "az://c/x, az://"})
    void store_withAnotherScheme_namesTheSchemesThereAre_notARelativePath(String value, String scheme) {
        CacheValidationError e = assertThrows(CacheValidationError.class,
                () -> Settings.from(Map.of("B10_TRANSFER_STORE", value), Map.of()));
        assertTrue(e.getMessage().contains("scheme " + scheme) && e.getMessage().contains("s3://bucket/prefix"), e.getMessage());
        assertTrue(!e.getMessage().contains("relative"), e.getMessage());
    }

    @Test
    void misspelledVariable_isOneWarningNamingTheNearestSetting() {
        Settings s = Settings.from(Map.of("B10_TRANSFER_SAVE_TIMOUT_S", "10", "B10_TRANSFER_LOG_LEVEL", "info",
                "B10_TEST_OTHER", "x", "PATH", "/bin"), Map.of());
        assertEquals(1, s.warnings.size(), s.warnings.toString());
        assertTrue(s.warnings.get(0).contains("B10_TRANSFER_SAVE_TIMOUT_S")
                && s.warnings.get(0).contains("did you mean B10_TRANSFER_SAVE_TIMEOUT_S?"), s.warnings.get(0));
    }

    @Test
    void unknownAgentOption_isOneWarningNamingTheNearestSetting_andKnownOnesAreQuiet() {
        Settings s = Settings.from(Map.of(), Map.of("SAVE_ON_EXT", "false", "SAVE_ON_EXIT", "true", "RESTORE", "background",
                "S3_REGION", "x"));
        assertEquals(1, s.warnings.size(), s.warnings.toString());
        assertTrue(s.warnings.get(0).contains("agent option SAVE_ON_EXT") && s.warnings.get(0).contains("did you mean SAVE_ON_EXIT?"),
                s.warnings.get(0));
        Settings far = Settings.from(Map.of(), Map.of("FOO", "1"));
        assertEquals(List.of("agent option FOO is not a setting of b10-transfer and is ignored"), far.warnings);
    }

    @Test
    void saveTimeout_byDefault_endsWithinKubernetesDefaultGracePeriod() {
        assertTrue(Settings.from(Map.of(), Map.of()).saveTimeout.toSeconds() < 30);
    }

    @Test
    void keyComponents_givenBySettings_needTheTorchVersion() {
        Settings s = Settings.from(Map.of("B10_TRANSFER_TORCH_VERSION", "2.11.0+cu130"), Map.of());
        assertEquals("2.11.0+cu130", s.torchVersion);
        CacheValidationError e = assertThrows(CacheValidationError.class,
                () -> Settings.from(Map.of("B10_TRANSFER_TRITON_VERSION", "3.6.0"), Map.of()));
        assertTrue(e.getMessage().contains("B10_TRANSFER_TORCH_VERSION"), e.getMessage());
    }

    @Test
    void systemProperties_standBetweenAgentOptionsAndTheEnvironment() {
        Map<String, String> env = Map.of("B10_TRANSFER_SAVE_TIMEOUT_S", "10", "TORCH_CACHE_DIR", "/from/env");
        Map<String, String> props = Map.of("b10.transfer.save.timeout.s", "11", "b10.transfer.torch.cache.dir", "/from/property");
        Settings s = Settings.from(env, props, Map.of());
        assertEquals(11, s.saveTimeout.toSeconds());
        assertEquals(Path.of("/from/property"), s.localCacheDir);
        assertEquals(12, Settings.from(env, props, Map.of("SAVE_TIMEOUT_S", "12")).saveTimeout.toSeconds());
        assertEquals(List.of(), s.warnings);
        assertEquals("b10.transfer.store", Settings.propertyName("B10_TRANSFER_STORE"));
        assertEquals("b10.transfer.b10fs.cache.dir", Settings.propertyName("B10FS_CACHE_DIR"));
    }

    @Test
    void misspelledSystemProperty_isOneWarningNamingTheNearestProperty_andInternalOnesAreQuiet() {
        Settings s = Settings.from(Map.of(), Map.of("b10.transfer.stroe", "/x", "b10.transfer.pauseAt", "before-rename"), Map.of());
        assertEquals(1, s.warnings.size(), s.warnings.toString());
        assertTrue(s.warnings.get(0).contains("system property b10.transfer.stroe")
                && s.warnings.get(0).contains("did you mean b10.transfer.store?"), s.warnings.get(0));
    }

    @Test
    void vllmsCacheRoot_isTheLocalCacheWhenNeitherTorchVariableIsSet() {
        Settings vllm = Settings.from(Map.of("VLLM_CACHE_ROOT", "/root/.cache/vllm"), Map.of());
        assertEquals(Path.of("/root/.cache/vllm"), vllm.localCacheDir);
        assertEquals("VLLM_CACHE_ROOT", vllm.localCacheSetting);
        Settings inductor = Settings.from(Map.of("VLLM_CACHE_ROOT", "/root/.cache/vllm", "TORCHINDUCTOR_CACHE_DIR", "/ind"), Map.of());
        assertEquals(Path.of("/ind"), inductor.localCacheDir);
        assertEquals("TORCHINDUCTOR_CACHE_DIR", inductor.localCacheSetting);
        assertEquals(null, Settings.from(Map.of("USER", "u"), Map.of()).localCacheSetting);
    }

    @Test
    void readiness_hasThePythonPackagesDefaults_andReadsItsNames() {
        Settings d = Settings.from(Map.of(), Map.of());
        assertEquals(null, d.saveAfterReadyUrl);
        assertEquals("http://127.0.0.1:8000/v1/models", d.readyUrl().toString());
        assertEquals(2000, d.readyInterval.toMillis());
        assertEquals(1800, d.readyTimeout.toSeconds());
        Settings python = Settings.from(Map.of("B10_TRANSFER_VLLM_URL", "http://127.0.0.1:9000/health",
                "B10_TRANSFER_INTERVAL_S", "0.5", "B10_TRANSFER_TIMEOUT_S", "60"), Map.of());
        assertEquals("http://127.0.0.1:9000/health", python.readyUrl().toString());
        assertEquals(500, python.readyInterval.toMillis());
        assertEquals(60, python.readyTimeout.toSeconds());
        Settings agent = Settings.from(Map.of("B10_TRANSFER_VLLM_URL", "http://127.0.0.1:9000/health"),
                Map.of("SAVE_AFTER_READY_URL", "http://127.0.0.1:8080/ping", "READY_TIMEOUT_S", "30"));
        assertEquals("http://127.0.0.1:8080/ping", agent.saveAfterReadyUrl.toString());
        assertEquals(agent.saveAfterReadyUrl, agent.readyUrl());
        assertEquals(30, agent.readyTimeout.toSeconds());
        assertEquals(List.of(), agent.warnings);
        CacheValidationError bad = org.junit.jupiter.api.Assertions.assertThrows(CacheValidationError.class,
                () -> Settings.from(Map.of("B10_TRANSFER_SAVE_AFTER_READY_URL", "localhost:8000/ping"), Map.of()));
        assertTrue(bad.getMessage().contains("B10_TRANSFER_SAVE_AFTER_READY_URL"), bad.getMessage());
    }
}
