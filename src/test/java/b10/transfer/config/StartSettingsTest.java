package b10.transfer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.CacheValidationError;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The agent decides before main from {@link StartSettings}, and builds {@link Settings} later: both
 * must name the same store, local cache and triggers, and what the full settings refuse among
 * those, the start settings must not take (the agent then takes its usual path, where the full
 * settings name the problem before main).
 */
class StartSettingsTest {
    /** Each row: where NAME=value is an environment variable, -Dname=value a property, opt:NAME=value an agent option. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''",
            "B10FS_CACHE_DIR=/mnt/cache/../store",
            "B10_TRANSFER_STORE=/mnt/a B10FS_CACHE_DIR=/mnt/b",
            "-Db10.transfer.store=/mnt/p B10_TRANSFER_STORE=/mnt/e",
            "opt:STORE=/mnt/o -Db10.transfer.store=/mnt/p B10_TRANSFER_STORE=/mnt/e",
            "opt:B10_TRANSFER_STORE=/mnt/o2",
            "B10_TRANSFER_STORE=s3://bucket/prefix",
            "B10_TRANSFER_STORE=S3://bucket/prefix",
            "TORCHINDUCTOR_CACHE_DIR=/var/ti VLLM_CACHE_ROOT=/var/v",
            "VLLM_CACHE_ROOT=/var/v",
            "TORCH_CACHE_DIR=/a -Db10.transfer.torch.cache.dir=/b",
            "USER=alice",
            "B10_TRANSFER_ONLY_IN=ai.djl.serving.ModelServer",
            "B10_TRANSFER_LOG_LEVEL=debug",
            "B10_TRANSFER_SAVE_ON_EXIT=off",
            "opt:SAVE_ON_EXIT=0 B10_TRANSFER_SAVE_ON_EXIT=true",
            "B10_TRANSFER_SAVE_AFTER_METHOD=com.example.Server#warmup",
            "'B10_TRANSFER_STORE=  /mnt/x  '",
    })
    void whereBothRead_theyAgree(String spec) {
        Given g = given(spec);
        Settings full = Settings.from(g.env, Settings.systemProperties(g.properties), g.options);
        StartSettings early = StartSettings.read(g.env, g.properties, g.options);
        assertNotNull(early, spec);
        assertEquals(full.store instanceof StoreLocation.Directory d ? d.dir() : null, early.storeDir, spec);
        assertEquals(full.localCacheDir, early.localCacheDir, spec);
        assertEquals(full.onlyIn, early.onlyIn, spec);
        assertEquals(full.saveOnExit, early.saveOnExit, spec);
        assertEquals(full.saveAfterMethod != null, early.saveAfterMethod, spec);
        assertEquals(g.env.containsKey("B10_TRANSFER_LOG_LEVEL"), early.logLevelSet, spec);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "B10_TRANSFER_STORE=gs://bucket/x",
            "B10_TRANSFER_STORE=relative/dir",
            "B10FS_CACHE_DIR=relative",
            "TORCH_CACHE_DIR=cache",
            "'TORCH_CACHE_DIR=   '",
            "-Db10.transfer.torch.cache.dir=rel",
            "B10_TRANSFER_SAVE_ON_EXIT=maybe",
            "opt:SAVE_ON_EXIT=sometimes",
    })
    void whatTheFullSettingsRefuse_theStartSettingsDoNotTake(String spec) {
        Given g = given(spec);
        assertThrows(CacheValidationError.class, () -> Settings.from(g.env, Settings.systemProperties(g.properties), g.options));
        assertNull(StartSettings.read(g.env, g.properties, g.options), spec);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"B10_TRANSFER_LOAD_TIMEOUT_S=soon", "B10_TRANSFER_GPU_BACKEND=cuda"})
    void aBadValueOfAnotherSetting_isLeftToTheFullSettings_readBesideMain(String spec) {
        Given g = given(spec);
        assertThrows(CacheValidationError.class, () -> Settings.from(g.env, Settings.systemProperties(g.properties), g.options));
        StartSettings early = StartSettings.read(g.env, g.properties, g.options);
        assertNotNull(early);
        assertTrue(early.saveOnExit);
        assertFalse(early.saveAfterMethod);
    }

    private record Given(Map<String, String> env, Properties properties, Map<String, String> options) {
    }

    private static Given given(String spec) {
        Map<String, String> env = new HashMap<>();
        Properties properties = new Properties();
        Map<String, String> options = new HashMap<>();
        env.put("USER", "tester");
        for (String item : spec.isBlank() ? List.<String>of() : List.of(spec.split(" (?=[A-Za-z-]+[:=.A-Za-z_0-9]*=)"))) {
            int eq = item.indexOf('=');
            String name = item.substring(0, eq);
            String value = item.substring(eq + 1);
            if (name.startsWith("-D")) {
                properties.setProperty(name.substring(2), value);
            } else if (name.startsWith("opt:")) {
                options.put(name.substring(4), value);
            } else {
                env.put(name, value);
            }
        }
        return new Given(env, properties, options);
    }
}
