import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/**
 * Writes a cache shaped like a measured autotuned TorchInductor cache (ResNet-50, max-autotune, on
 * an H100: 9,790 files in 1,711 directories, 388.5 MiB), the same bytes for the same seed:
 * <ul>
 * <li>1,109 Triton kernel directories {@code triton/0/<hash>/}, each with one {@code .source},
 *     {@code .ttir}, {@code .ttgir}, {@code .llir}, {@code .ptx}, {@code .cubin} and two {@code .json};
 * <li>600 two-letter directories of FX-graph and AOT entries: 887 {@code .py} files and 27
 *     {@code .best_config};
 * <li>3 large files at the top (39 MB together).
 * </ul>
 * Bytes by kind as measured (.llir 211 MB, .cubin 40, .ptx 35, .source 31, .ttgir 27, .ttir 17,
 * .py 4.8, .json 2.4), sizes log-normal around each kind's mean, and content with the measured
 * compressibility (gzip: .llir 18x, .cubin 3.9x, .ptx 6x, .source 6.8x, .ttgir 6.9x, .ttir 6.2x,
 * .py 2.7x, .json 2.6x): lines drawn from a small per-kind pool of compiler-like lines (what
 * repeats in real output) mixed with a kind's share of fresh random lines (what does not).
 *
 * Usage: java GenRealCache.java DIR [SEED=7]
 */
public final class GenRealCache {
    /** kind: mean bytes per file, share of fresh random chunks, binary or text, spread of the sizes (log-normal sigma) */
    record Kind(String ext, long meanBytes, double fresh, boolean binary, double sigma) {
    }

    static final Kind LLIR = new Kind(".llir", 190_000, 0.026, false, 1.5);
    static final Kind CUBIN = new Kind(".cubin", 36_000, 0.17, true, 0.7);
    static final Kind PTX = new Kind(".ptx", 31_500, 0.21, false, 0.7);
    static final Kind SOURCE = new Kind(".source", 28_000, 0.165, false, 0.7);
    static final Kind TTGIR = new Kind(".ttgir", 24_300, 0.165, false, 0.7);
    static final Kind TTIR = new Kind(".ttir", 15_300, 0.19, false, 0.7);
    static final Kind JSON = new Kind(".json", 1_080, 0.62, false, 0.3);
    static final Kind PY = new Kind(".py", 5_400, 0.60, false, 0.7);
    static final Kind BEST = new Kind(".best_config", 230, 0.62, false, 0.3);

    static final int KERNEL_DIRS = 1_109;
    static final int FX_DIRS = 600;
    static final int PY_FILES = 887;
    static final int BEST_CONFIGS = 27;
    static final long[] LARGE = {38_500_000L, 350_000L, 150_000L};

    private static final String ALNUM = "abcdefghijklmnopqrstuvwxyz234567";

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Random rnd = new Random(args.length > 1 ? Long.parseLong(args[1]) : 7);
        if (Files.exists(dir)) {
            throw new IOException(dir + " exists; give a new directory");
        }
        Files.createDirectories(dir);
        Kind[] kernel = {SOURCE, TTIR, TTGIR, LLIR, PTX, CUBIN, JSON, JSON};
        for (int k = 0; k < KERNEL_DIRS; k++) {
            Path kd = Files.createDirectories(dir.resolve("triton/0/" + name(rnd, 52)));
            String base = "triton_" + (k % 3 == 0 ? "poi" : k % 3 == 1 ? "red" : "per") + "_fused_" + name(rnd, 12);
            boolean firstJson = true;
            for (Kind kind : kernel) {
                String file = kind == JSON ? (firstJson ? base + ".json" : "__grp__" + base + ".json") : base + kind.ext;
                if (kind == JSON) {
                    firstJson = false;
                }
                write(kd.resolve(file), kind, size(rnd, kind), rnd);
            }
        }
        Set<String> twoLetter = new HashSet<>();
        while (twoLetter.size() < FX_DIRS) {
            twoLetter.add("" + ALNUM.charAt(rnd.nextInt(26)) + ALNUM.charAt(rnd.nextInt(32)));
        }
        String[] fx = twoLetter.stream().sorted().toArray(String[]::new);
        for (int i = 0; i < PY_FILES; i++) {
            Path d = Files.createDirectories(dir.resolve(fx[i % fx.length]));
            write(d.resolve("c" + name(rnd, 50) + ".py"), PY, size(rnd, PY), rnd);
        }
        for (int i = 0; i < BEST_CONFIGS; i++) {
            Path d = Files.createDirectories(dir.resolve(fx[rnd.nextInt(fx.length)]));
            write(d.resolve("triton_" + name(rnd, 12) + ".best_config"), BEST, size(rnd, BEST), rnd);
        }
        for (int i = 0; i < LARGE.length; i++) {
            write(dir.resolve("fxgraph-" + name(rnd, 20) + (i == 0 ? ".bin" : ".pkl")), i == 0 ? LLIR : PY, LARGE[i], rnd);
        }
    }

    /** Log-normal around the kind's mean (its median below the mean: .llir has a long tail of large kernels). */
    static long size(Random rnd, Kind kind) {
        long mean = kind.meanBytes;
        double sigma = kind.sigma;
        double mu = Math.log(mean) - sigma * sigma / 2;
        return Math.max(64, Math.min(mean * 60, Math.round(Math.exp(mu + sigma * rnd.nextGaussian()))));
    }

    static String name(Random rnd, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(ALNUM.charAt(rnd.nextInt(ALNUM.length())));
        }
        return b.toString();
    }

    /** Each kind's pool of lines that recur: 160 of them, fixed per kind (the seed picks them once per run). */
    private static final java.util.Map<Kind, byte[][]> POOLS = new java.util.HashMap<>();

    private static final String[] TOKENS = ("%0 = arith.constant tt.load tt.store tt.dot tt.splat tt.broadcast tt.addptr "
            + "llvm.getelementptr llvm.load llvm.store i32 i64 f32 bf16 ptr<f32> #blocked #mma loc(#loc3) "
            + "ld.global.v4.b32 st.shared.v4.b32 mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 bar.sync "
            + "add.s32 mul.wide.s32 cvt.rn.f32.bf16 setp.lt.s32 @%p1 bra $L__BB0_2; ret; %r %rd %f %p "
            + "def triton_ tl.load tl.store tl.program_id tl.arange xindex xmask rindex rmask tmp0 tmp1 tmp2 "
            + "num_warps num_stages XBLOCK RBLOCK BLOCK_M BLOCK_N BLOCK_K \"name\": \"hash\": \"num_warps\": "
            + "torch._inductor buf0 buf1 arg0_1 empty_strided_cuda reinterpret_tensor extern_kernels.mm").split(" ");

    static byte[][] pool(Kind kind, Random rnd) {
        return POOLS.computeIfAbsent(kind, k -> {
            byte[][] p = new byte[160][];
            for (int i = 0; i < p.length; i++) {
                if (k.binary) {
                    p[i] = new byte[16];
                    rnd.nextBytes(p[i]);
                } else {
                    StringBuilder b = new StringBuilder("  ");
                    int words = 4 + rnd.nextInt(8);
                    for (int w = 0; w < words; w++) {
                        b.append(TOKENS[rnd.nextInt(TOKENS.length)]).append(w % 3 == 2 ? ", " : " ");
                    }
                    p[i] = b.append('\n').toString().getBytes(StandardCharsets.US_ASCII);
                }
            }
            return p;
        });
    }

    static void write(Path file, Kind kind, long bytes, Random rnd) throws IOException {
        byte[][] pool = pool(kind, rnd);
        byte[] fresh = new byte[kind.binary ? 16 : 48];
        try (OutputStream out = Files.newOutputStream(file)) {
            long left = bytes;
            byte[] buf = new byte[64 << 10];
            int at = 0;
            while (left > 0) {
                byte[] chunk;
                if (rnd.nextDouble() < kind.fresh) {
                    for (int i = 0; i < fresh.length; i++) {
                        fresh[i] = kind.binary ? (byte) rnd.nextInt(256) : (byte) ALNUM.charAt(rnd.nextInt(ALNUM.length()));
                    }
                    if (!kind.binary) {
                        fresh[fresh.length - 1] = '\n';
                    }
                    chunk = fresh;
                } else {
                    chunk = pool[rnd.nextInt(pool.length)];
                }
                int n = (int) Math.min(chunk.length, left);
                if (at + n > buf.length) {
                    out.write(buf, 0, at);
                    at = 0;
                }
                System.arraycopy(chunk, 0, buf, at, n);
                at += n;
                left -= n;
            }
            out.write(buf, 0, at);
        }
    }
}
