package b10.transfer.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Arrays;
import java.util.Random;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/** The in-memory nested jar: its own small zip reading, against jars written by the JDK. */
class MemoryJarLoaderTest {
    /** A class whose bytes go into the jar: the loader must define its own copy. */
    public static final class Probe {
        public static String where() {
            return "probe";
        }
    }

    private static byte[] bytesOf(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getName().substring(c.getName().lastIndexOf('.') + 1) + ".class")) {
            return in.readAllBytes();
        }
    }

    private static byte[] jar(byte[] text, byte[] stored, byte[] probe) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out)) {
            jar.putNextEntry(new JarEntry("a/text.txt"));
            jar.write(text);
            JarEntry s = new JarEntry("b/stored.bin");
            CRC32 crc = new CRC32();
            crc.update(stored);
            s.setMethod(ZipEntry.STORED);
            s.setSize(stored.length);
            s.setCrc(crc.getValue());
            jar.putNextEntry(s);
            jar.write(stored);
            jar.putNextEntry(new JarEntry(Probe.class.getName().replace('.', '/') + ".class"));
            jar.write(probe);
        }
        return out.toByteArray();
    }

    @Test
    void deflatedAndStoredEntries_classesAndResourceUrls_readBackExactly() throws Exception {
        byte[] text = "compiled kernel\n".repeat(500).getBytes();
        byte[] stored = new byte[70_000];
        new Random(7).nextBytes(stored);
        byte[] jar = jar(text, stored, bytesOf(Probe.class));
        MemoryJarLoader loader = (MemoryJarLoader) MemoryJarLoader.read("test-jar", new ByteArrayInputStream(jar), jar.length,
                getClass().getClassLoader());

        assertArrayEquals(text, loader.entry("a/text.txt"));
        assertArrayEquals(stored, loader.entry("b/stored.bin"));
        assertNull(loader.entry("a/missing.txt"));
        URL url = loader.getResource("b/stored.bin");
        try (InputStream in = url.openStream()) {
            assertArrayEquals(stored, in.readAllBytes());
        }
        // not ours: the parent's, as child first means
        assertEquals(getClass().getClassLoader().getResource("b10/transfer/base/MemoryJarLoaderTest.class"),
                loader.getResource("b10/transfer/base/MemoryJarLoaderTest.class"));

        Class<?> own = loader.loadClass(Probe.class.getName());
        assertNotSame(Probe.class, own, "defined from the jar, child first");
        assertSame(loader, own.getClassLoader());
        assertEquals("probe", own.getMethod("where").invoke(null));
        assertSame(String.class, loader.loadClass("java.lang.String"));
    }

    @Test
    void aCutOrShortJar_isRefusedNamingWhy_neverReadWrong() throws Exception {
        byte[] jar = jar("x".repeat(1000).getBytes(), new byte[10], bytesOf(Probe.class));
        ClassLoader parent = getClass().getClassLoader();

        byte[] noEnd = Arrays.copyOf(jar, jar.length - 22);
        IOException e = assertThrows(IOException.class,
                () -> MemoryJarLoader.read("cut", new ByteArrayInputStream(noEnd), noEnd.length, parent));
        assertTrue(e.getMessage().contains("no end of central directory"), e.getMessage());

        IOException shortRead = assertThrows(IOException.class,
                () -> MemoryJarLoader.read("short", new ByteArrayInputStream(jar), jar.length + 100L, parent));
        assertTrue(shortRead.getMessage().contains("ends after " + jar.length), shortRead.getMessage());

        // the central directory pointing past the data: the entry is refused, not read from elsewhere
        byte[] shifted = jar.clone();
        int end = shifted.length - 22;
        int cen = (shifted[end + 16] & 0xff) | (shifted[end + 17] & 0xff) << 8 | (shifted[end + 18] & 0xff) << 16;
        shifted[cen + 42] = (byte) 0xff;
        shifted[cen + 43] = (byte) 0xff;
        shifted[cen + 44] = (byte) 0x0f;
        MemoryJarLoader loader = (MemoryJarLoader) MemoryJarLoader.read("shifted", new ByteArrayInputStream(shifted),
                shifted.length, parent);
        IOException bad = assertThrows(IOException.class, () -> loader.entry("a/text.txt"));
        assertTrue(bad.getMessage().contains("a/text.txt"), bad.getMessage());
    }
}
