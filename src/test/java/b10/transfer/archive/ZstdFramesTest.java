package b10.transfer.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.CacheValidationError;
import b10.transfer.archive.zstd.NativeZstd;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives written in independent frames: read back in parallel byte for byte by either codec,
 * read by a sequential decoder (earlier versions, the zstd tool) as one stream, and bounded
 * against frames that lie about their sizes.
 */
class ZstdFramesTest {
    private static final ZstdCodec NATIVE = new NativeZstd();
    private static final ZstdCodec JAVA = new ZstdCodecs.JavaZstd();

    @TempDir
    Path tmp;

    /** Eleven MiB and a bit: two whole frames and a short third, text and noise. */
    static byte[] sample() {
        Random r = new Random(11);
        byte[] all = new byte[ZstdFrames.FRAME_BYTES * 2 + 3_000_017];
        int at = 0;
        while (at < all.length) {
            byte[] line = ("tt.load %arg" + r.nextInt(4096) + " : tensor<128x64xbf16>\n").getBytes(StandardCharsets.US_ASCII);
            if (r.nextInt(10) == 0) {
                r.nextBytes(line);
            }
            int n = Math.min(line.length, all.length - at);
            System.arraycopy(line, 0, all, at, n);
            at += n;
        }
        return all;
    }

    static byte[] framed(ZstdCodec codec, byte[] data, int threads) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new ZstdFrames.Output(out, codec, 3, threads)) {
            // uneven writes, as a tar writer makes them
            for (int at = 0, step = 1; at < data.length; at += step, step = step * 7 % 100_003 + 1) {
                z.write(data, at, Math.min(step, data.length - at));
            }
        }
        return out.toByteArray();
    }

    static byte[] readParallel(ZstdCodec codec, byte[] archive) throws IOException {
        try (InputStream in = new ZstdFrames.Input(new ByteArrayInputStream(archive), codec, 3)) {
            return in.readAllBytes();
        }
    }

    @Test
    void framesRoundTrip_inParallel_eitherCodecReadingEithersFrames() throws IOException {
        byte[] data = sample();
        for (ZstdCodec writer : new ZstdCodec[] {NATIVE, JAVA}) {
            byte[] archive = framed(writer, data, 2);
            assertTrue(ZstdFrames.parallelReadable(archive, archive.length), "the first frame records its size");
            assertEquals(ZstdFrames.FRAME_BYTES, ZstdFrames.contentSize(archive, archive.length));
            for (ZstdCodec reader : new ZstdCodec[] {NATIVE, JAVA}) {
                assertArrayEquals(data, readParallel(reader, archive), writer.name() + " -> " + reader.name());
            }
            // what an earlier version, or any zstd decoder, does: one stream of concatenated frames
            try (InputStream seq = NATIVE.decompressing(new ByteArrayInputStream(archive))) {
                assertArrayEquals(data, seq.readAllBytes());
            }
        }
        assertArrayEquals(data, readParallel(NATIVE, framed(NATIVE, data, 0)), "compressed on the writing thread");
    }

    @Test
    void theZstdTool_readsAFramedArchive() throws Exception {
        byte[] data = sample();
        Path archive = Files.write(tmp.resolve("a.zst"), framed(NATIVE, data, 2));
        Process p = new ProcessBuilder("zstd", "-d", "-q", "-c", archive.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        assertArrayEquals(data, out);
    }

    @Test
    void aStreamedArchive_isNotTakenForAFramedOne() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = NATIVE.compressing(out, 3, 0)) {
            z.write(sample());
        }
        byte[] archive = out.toByteArray();
        assertFalse(ZstdFrames.parallelReadable(archive, archive.length), "a streamed frame records no size");
    }

    @Test
    void framesThatLie_areRefused() throws IOException {
        byte[] archive = framed(NATIVE, sample(), 2);
        // a frame claiming more than the bound: content size field rewritten to 1 GiB (4-byte field)
        byte[] big = new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, (byte) 0xa0, 0, 0, 0, 0x40, 0, 0, 0};
        assertTrue(ZstdFrames.contentSize(big, big.length) > ZstdFrames.MAX_FRAME_BYTES);
        assertThrows(CacheValidationError.class, () -> readParallel(NATIVE, concat(archive, big)));

        // cut inside the second frame: the first frame's bytes are delivered, then the cut is refused
        byte[] cut = java.util.Arrays.copyOf(archive, archive.length * 2 / 3);
        assertThrows(CacheValidationError.class, () -> readParallel(NATIVE, cut));
        try (InputStream in = new ZstdFrames.Input(new ByteArrayInputStream(cut), NATIVE, 3)) {
            assertEquals(ZstdFrames.FRAME_BYTES, in.readNBytes(ZstdFrames.FRAME_BYTES).length, "the whole first frame before the cut");
        }

        // one byte changed inside the first frame's blocks: its checksum or its blocks no longer hold
        byte[] flipped = archive.clone();
        flipped[archive.length / 5] ^= 0x10;
        Throwable t = assertThrows(Throwable.class, () -> readParallel(NATIVE, flipped));
        assertTrue(t instanceof IOException || t instanceof CacheValidationError, t.toString());

        // trailing bytes that are not a frame
        assertThrows(CacheValidationError.class, () -> readParallel(NATIVE, concat(archive, "not zstd".getBytes(StandardCharsets.US_ASCII))));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
