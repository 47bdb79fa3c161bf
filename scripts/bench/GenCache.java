import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes a cache shaped like a real autotuned TorchInductor cache, the same bytes for the same
 * arguments: about 90% of the files in triton/0/&lt;hash&gt;/ kernel directories (cubin, ptx, ttir,
 * ttgir, llir, json, source), a few hundred two-letter directories of .py and .best_config files,
 * and fxgraph / aotautograd entries holding the largest files. Sizes are log-normal around a
 * 16 KB median; a handful of large entries bring the total to the requested size.
 * Text is token soup and binaries repeat instructions from a pool, so both compress about as
 * much as real kernels do (a few times), never as well as zeros.
 *
 * Usage: java GenCache.java DIR [FILES=10000] [TOTAL_MB=420] [LARGEST_MB=38] [SEED=42]
 */
public final class GenCache {
    private static final String[] WORDS = ("tl load store program_id arange mask other where def triton jit import torch "
            + "xindex xmask rindex rmask tmp0 tmp1 tmp2 tmp3 float32 bfloat16 int64 num_warps num_stages BLOCK_M BLOCK_N "
            + "BLOCK_K ld.global.v4.f32 st.shared mma.sync.aligned.m16n8k16 %r1 %r2 %rd3 %f4 add.s32 mul.wide.s32 "
            + "bar.sync ret; { } ( ) = + * , : @triton.jit return for in range if else %0 = arith.constant "
            + "tt.load tt.store tt.dot llvm.getelementptr i32 i64 ptr<f32> #blocked loc(#loc3) kernel_name grid "
            + "XBLOCK RBLOCK reduction pointwise persistent_reduction autotune configs Config triton_poi_fused "
            + "triton_red_fused triton_per_fused _native_layer_norm gelu addmm view permute clone ").split(" ");
    private static final String[] KERNEL_FILES = {".cubin", ".ptx", ".ttir", ".ttgir", ".llir", ".json", ".source"};

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int files = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        long total = (args.length > 2 ? Long.parseLong(args[2]) : 420) << 20;
        long largest = (args.length > 3 ? Long.parseLong(args[3]) : 38) << 20;
        Random rnd = new Random(args.length > 4 ? Long.parseLong(args[4]) : 42);
        if (Files.exists(dir)) {
            throw new IOException(dir + " exists; give a new directory");
        }
        byte[][] pool = new byte[4096][];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = new byte[16];
            rnd.nextBytes(pool[i]);
        }
        List<Path> paths = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        int big = 6;
        int small = files - big;
        int kernelFiles = (int) (small * 0.9);
        long sum = 0;
        for (int k = 0; paths.size() < kernelFiles; k++) {
            Path kd = dir.resolve("triton/0/" + name(rnd, 52));
            for (String ext : KERNEL_FILES) {
                if (paths.size() < kernelFiles) {
                    paths.add(kd.resolve(ext.equals(".json") && rnd.nextBoolean() ? "__grp__" + name(rnd, 20) + ".json"
                            : "triton_" + name(rnd, 10) + ext));
                    sum += add(sizes, rnd);
                }
            }
        }
        for (int i = 0; paths.size() < small - 60; i++) {
            String d = name(rnd, 2);
            String stem = "c" + name(rnd, 50);
            paths.add(dir.resolve(d).resolve(stem + (i % 3 == 2 ? ".best_config" : ".py")));
            sum += add(sizes, rnd);
        }
        while (paths.size() < small) {
            String kind = paths.size() % 3 == 0 ? "aotautograd/" : "fxgraph/" + name(rnd, 2) + "/";
            paths.add(dir.resolve(kind + "f" + name(rnd, 50) + "/" + name(rnd, 52)));
            sum += add(sizes, rnd);
        }
        // The large entries: the largest as asked, the rest share what is left of the total.
        long rest = Math.max(0, total - sum - largest);
        for (int i = 0; i < big; i++) {
            long size = i == 0 ? largest : Math.min(largest, rest / (big - 1));
            paths.add(dir.resolve("fxgraph/" + name(rnd, 2) + "/f" + name(rnd, 50) + "/" + name(rnd, 52)));
            sizes.add(size);
        }
        byte[] buf = new byte[1 << 20];
        long written = 0;
        for (int i = 0; i < paths.size(); i++) {
            Path p = paths.get(i);
            Files.createDirectories(p.getParent());
            boolean binary = p.toString().endsWith(".cubin") || p.getParent().toString().contains("fxgraph");
            try (OutputStream out = Files.newOutputStream(p)) {
                long left = sizes.get(i);
                while (left > 0) {
                    int n = (int) Math.min(left, buf.length);
                    if (binary) {
                        fillBinary(buf, n, pool, rnd);
                    } else {
                        fillText(buf, n, rnd);
                    }
                    out.write(buf, 0, n);
                    left -= n;
                }
            }
            written += sizes.get(i);
        }
        System.out.printf("%s: %d files, %.1f MB%n", dir, paths.size(), written / 1048576.0);
    }

    private static long add(List<Long> sizes, Random rnd) {
        long s = (long) Math.exp(Math.log(16 * 1024) + 1.2 * rnd.nextGaussian());
        s = Math.max(200, Math.min(s, 4L << 20));
        sizes.add(s);
        return s;
    }

    private static String name(Random rnd, int len) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        StringBuilder b = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private static void fillText(byte[] buf, int n, Random rnd) {
        int i = 0;
        while (i < n) {
            byte[] w = rnd.nextInt(8) == 0 ? Integer.toString(rnd.nextInt(100_000)).getBytes(StandardCharsets.US_ASCII)
                    : WORDS[rnd.nextInt(WORDS.length)].getBytes(StandardCharsets.US_ASCII);
            for (int j = 0; j < w.length && i < n; j++) {
                buf[i++] = w[j];
            }
            if (i < n) {
                buf[i++] = (byte) (rnd.nextInt(6) == 0 ? '\n' : ' ');
            }
        }
    }

    private static void fillBinary(byte[] buf, int n, byte[][] pool, Random rnd) {
        for (int i = 0; i < n; i += 16) {
            byte[] ins = pool[rnd.nextInt(rnd.nextInt(8) == 0 ? pool.length : 256)];
            System.arraycopy(ins, 0, buf, i, Math.min(16, n - i));
            if (rnd.nextInt(4) == 0 && i + 4 < n) {
                buf[i + 4] = (byte) rnd.nextInt(); // operands differ from one use to the next
            }
        }
    }
}
