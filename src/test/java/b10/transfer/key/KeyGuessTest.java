package b10.transfer.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import b10.transfer.config.Settings;
import b10.transfer.probe.GpuFacts;
import b10.transfer.probe.GpuProbes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import org.junit.jupiter.api.Test;

/**
 * The guess a restore begins on while the driver is asked: a stored key's text is taken for this
 * machine's only where this machine's Python with the GPU that text names gives that text exactly,
 * in both key modes; nothing is guessed once the driver has answered.
 */
class KeyGuessTest {
    private static final PythonPackages.Versions HERE = PythonPackages.given("2.11.0+cu130", "13.0", "3.6.0");
    private static final GpuFacts H200 = new GpuFacts(13000, 1, 0, "NVIDIA H200", 9, 0, null);
    private static final GpuFacts H100_PAIR = new GpuFacts(13000, 2, 0, "NVIDIA H100 80GB HBM3", 9, 0, null);
    private static final GpuFacts A100 = new GpuFacts(13000, 1, 0, "NVIDIA A100-SXM4-80GB", 8, 0, null);

    private static Settings settings(String... kv) {
        Map<String, String> env = new HashMap<>();
        env.put("B10_TRANSFER_TORCH_VERSION", "2.11.0+cu130");
        for (int i = 0; i < kv.length; i += 2) {
            env.put(kv[i], kv[i + 1]);
        }
        return Settings.from(env, Map.of());
    }

    /** A probe that has not answered: never run. */
    private static KeyResolver.Pending probing(Settings s) {
        return KeyResolver.pending(s, HERE, new FutureTask<>(() -> null));
    }

    private static void assertGuessed(KeyResolver.Pending p, EnvironmentKey stored) {
        EnvironmentKey guess = p.assuming(stored.text());
        assertNotNull(guess, "a key of this Python on another GPU is guessed: " + stored.text());
        assertEquals(stored.text(), guess.text());
        assertEquals(stored.hash(), guess.hash());
    }

    @Test
    void fullKeys_ofThisPython_onAnyGpu_orNone_areRebuiltExactly() {
        Settings s = settings();
        KeyResolver.Pending p = probing(s);
        for (GpuFacts gpu : new GpuFacts[] {H200, H100_PAIR, A100, null}) {
            assertGuessed(p, EnvironmentKey.of(HERE, gpu, Settings.KeyMode.FULL, false));
        }
    }

    @Test
    void fullKeys_withTheGpuCount_keepTheCount() {
        Settings s = settings("B10_TRANSFER_KEY_GPU_COUNT", "true");
        KeyResolver.Pending p = probing(s);
        EnvironmentKey two = EnvironmentKey.of(HERE, H100_PAIR, Settings.KeyMode.FULL, true);
        assertEquals(true, two.text().contains("_gpus-2"), two.text());
        assertGuessed(p, two);
    }

    @Test
    void seedKeys_onAGpuOrNone_areRebuiltExactly() {
        Settings s = settings("B10_TRANSFER_KEY_MODE", "seed");
        KeyResolver.Pending p = probing(s);
        for (GpuFacts gpu : new GpuFacts[] {H200, A100, null}) {
            assertGuessed(p, EnvironmentKey.of(HERE, gpu, Settings.KeyMode.SEED, false));
        }
    }

    @Test
    void keysOfAnotherPython_orAnotherMode_orNoKeyAtAll_areNotGuessed() {
        KeyResolver.Pending full = probing(settings());
        PythonPackages.Versions otherTorch = PythonPackages.given("2.10.0+cu130", "13.0", "3.6.0");
        PythonPackages.Versions otherCuda = PythonPackages.given("2.11.0+cu128", "12.8", "3.6.0");
        for (EnvironmentKey k : List.of(EnvironmentKey.of(otherTorch, H200, Settings.KeyMode.FULL, false),
                EnvironmentKey.of(otherCuda, H200, Settings.KeyMode.FULL, false),
                EnvironmentKey.of(HERE, H200, Settings.KeyMode.SEED, false))) {
            assertNull(full.assuming(k.text()), k.text());
        }
        for (String text : new String[] {null, "", "not a key", "torch-2.11.0+cu130_cuda-13.0_gpu-X_cc-nine_triton-3.6.0"}) {
            assertNull(full.assuming(text), String.valueOf(text));
        }
        KeyResolver.Pending seed = probing(settings("B10_TRANSFER_KEY_MODE", "seed"));
        PythonPackages.Versions cu128 = PythonPackages.given("2.8.0+cu128", "12.8", "3.4.0");
        assertNull(seed.assuming(EnvironmentKey.of(cu128, H200, Settings.KeyMode.SEED, false).text()),
                "the seed key names torch's CUDA version, which differs here");
    }

    @Test
    void onceTheDriverHasAnswered_nothingIsGuessed() {
        FutureTask<GpuProbes.Outcome> answered = new FutureTask<>(() -> null);
        answered.run();
        KeyResolver.Pending p = KeyResolver.pending(settings(), HERE, answered);
        assertNull(p.assuming(EnvironmentKey.of(HERE, H200, Settings.KeyMode.FULL, false).text()));
        assertEquals(false, p.probing());
        assertEquals(true, probing(settings()).probing());
    }
}
