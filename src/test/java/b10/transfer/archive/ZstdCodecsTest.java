package b10.transfer.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import b10.transfer.archive.zstd.NativeZstd;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

/** Native and pure-Java zstd read each other's streams, so an archive never depends on which wrote it. */
class ZstdCodecsTest {
    private static final ZstdCodec NATIVE = new NativeZstd();
    private static final ZstdCodec JAVA = new ZstdCodecs.JavaZstd();

    private static byte[] sample() {
        Random r = new Random(7);
        StringBuilder b = new StringBuilder();
        while (b.length() < 3_000_000) {
            b.append("tl.load(in_ptr").append(r.nextInt(64)).append(" + xindex, xmask)\n");
        }
        byte[] text = b.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] noise = new byte[500_000];
        r.nextBytes(noise);
        byte[] all = Arrays.copyOf(text, text.length + noise.length);
        System.arraycopy(noise, 0, all, text.length, noise.length);
        return all;
    }

    private static byte[] compress(ZstdCodec c, byte[] data, int level, int workers) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = c.compressing(bytes, level, workers)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private static byte[] decompress(ZstdCodec c, byte[] packed) throws IOException {
        try (InputStream in = c.decompressing(new ByteArrayInputStream(packed))) {
            return in.readAllBytes();
        }
    }

    @Test
    void eachReadsWhatTheOtherWrote() throws IOException {
        byte[] data = sample();
        assertArrayEquals(data, decompress(JAVA, compress(NATIVE, data, 3, 2)));
        assertArrayEquals(data, decompress(NATIVE, compress(JAVA, data, 3, 0)));
        assertArrayEquals(data, decompress(NATIVE, compress(NATIVE, data, 19, 0)));
    }

    @Test
    void higherLevels_compressSmaller() throws IOException {
        byte[] data = sample();
        int fast = compress(NATIVE, data, 1, 0).length;
        int small = compress(NATIVE, data, 19, 0).length;
        assertEquals(true, small < fast, small + " vs " + fast);
    }

    @Test
    void aStreamCutShort_isAnError_forBoth() throws IOException {
        byte[] packed = compress(NATIVE, sample(), 3, 0);
        byte[] cut = Arrays.copyOf(packed, packed.length - 1);
        assertThrows(IOException.class, () -> decompress(NATIVE, cut));
        assertThrows(IOException.class, () -> decompress(JAVA, cut));
    }

    @Test
    void archiveEntries_carryWholeSecondTimes_soNoPaxHeaders() throws IOException {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("b10-zstd-test");
        try {
            java.nio.file.Files.writeString(dir.resolve("a.py"), "print(1)\n");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new ArchiveWriter(b10.transfer.config.Settings.Compression.ZSTD, 3, 0, 1 << 20,
                    java.util.concurrent.Executors.newSingleThreadExecutor())
                    .write(dir, out, java.util.Map.of(), TransferControl.NONE);
            try (TarArchiveInputStream tar = new TarArchiveInputStream(NATIVE.decompressing(new ByteArrayInputStream(out.toByteArray())))) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    assertFalse(e.isPaxHeader(), e.getName());
                    assertEquals(0, e.getLastModifiedTime().toInstant().getNano(), e.getName());
                    assertEquals(true, e.getExtraPaxHeaders().isEmpty(), e.getName() + " " + e.getExtraPaxHeaders());
                }
            }
        } finally {
            b10.transfer.store.LocalCache.deleteTree(dir);
        }
    }
}
