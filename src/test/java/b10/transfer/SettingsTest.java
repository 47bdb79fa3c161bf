package b10.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.config.Settings;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsTest {

    @Test
    void defaults_whenNothingIsSet_matchTheSeed() {
        Settings s = Settings.from(Map.of("USER", "alice"), Map.of());
        assertEquals(Path.of("/tmp/torchinductor_alice"), s.localCacheDir);
        assertEquals(Path.of("/cache/model/compile_cache"), s.storeDir);
        assertEquals(Path.of("/app"), s.localWorkDir);
        assertEquals(1024L * 1024 * 1024, s.maxCacheBytes);
        assertEquals(Settings.Compression.ZSTD, s.compression);
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
        assertEquals("team-cache", s.s3.bucket());
        assertEquals("compile/cache", s.s3.prefix());
        assertEquals("compile/cache/cache_x.latest", s.s3.key("cache_x.latest"));
        assertTrue(s.s3.pathStyle());
        assertEquals("s3://team-cache/compile/cache", s.storeName());

        Settings aws = Settings.from(Map.of("B10_TRANSFER_STORE", "s3://team-cache"), Map.of());
        assertEquals("", aws.s3.prefix());
        assertEquals("cache_x.latest", aws.s3.key("cache_x.latest"));
        assertEquals(false, aws.s3.pathStyle());
        assertEquals(8 << 20, aws.s3.partBytes());
    }

    @Test
    void aPlainStorePath_isTheFilesystemStore() {
        Settings s = Settings.from(Map.of("B10_TRANSFER_STORE", "/mnt/shared/cc", "B10FS_CACHE_DIR", "/other"), Map.of());
        assertEquals(null, s.s3);
        assertEquals(Path.of("/mnt/shared/cc"), s.storeDir);
        assertEquals("B10_TRANSFER_STORE", s.storeSetting);
        assertEquals("B10FS_CACHE_DIR", Settings.from(Map.of(), Map.of()).storeSetting);
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
}
