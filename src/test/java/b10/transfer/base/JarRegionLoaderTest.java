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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nested jars read through their own central directory, in memory and in place, against jars written by the JDK. */
class JarRegionLoaderTest {
    /** A class whose bytes go into the jar: the loader must define its own copy. */
    public static final class Probe {
        public static String where() {
            return "probe";
        }
    }

    private static final byte[] NON_ASCII_CONTENT = "named in UTF-8".getBytes();

    private static byte[] bytesOf(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getName().substring(c.getName().lastIndexOf('.') + 1) + ".class")) {
            return in.readAllBytes();
        }
    }

    /** An entry written as is, not deflated: a zip must know its size and CRC before its bytes. */
    private static JarEntry stored(String name, byte[] bytes) {
        JarEntry e = new JarEntry(name);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        e.setMethod(ZipEntry.STORED);
        e.setSize(bytes.length);
        e.setCrc(crc.getValue());
        return e;
    }

    private static byte[] jar(byte[] text, byte[] stored, byte[] probe) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out)) {
            jar.putNextEntry(new JarEntry("a/text.txt"));
            jar.write(text);
            jar.putNextEntry(stored("b/stored.bin", stored));
            jar.write(stored);
            jar.putNextEntry(new JarEntry(Probe.class.getName().replace('.', '/') + ".class"));
            jar.write(probe);
            jar.putNextEntry(new JarEntry("n/gr\u00fc\u00dfe-\u540d\u524d.txt")); // a name that is not ASCII
            jar.write(NON_ASCII_CONTENT);
        }
        return out.toByteArray();
    }

    @Test
    void deflatedAndStoredEntries_classesAndResourceUrls_readBackExactly() throws Exception {
        byte[] text = "compiled kernel\n".repeat(500).getBytes();
        byte[] stored = new byte[70_000];
        new Random(7).nextBytes(stored);
        byte[] jar = jar(text, stored, bytesOf(Probe.class));
        JarRegionLoader loader = (JarRegionLoader) JarRegionLoader.read("test-jar", new ByteArrayInputStream(jar), jar.length,
                getClass().getClassLoader());

        assertArrayEquals(text, loader.entry("a/text.txt"));
        assertArrayEquals(stored, loader.entry("b/stored.bin"));
        assertArrayEquals(NON_ASCII_CONTENT, loader.entry("n/gr\u00fc\u00dfe-\u540d\u524d.txt"));
        assertNull(loader.entry("n/gr\u00fc\u00dfe-\u540d\u524e.txt"));
        assertNull(loader.entry("a/missing.txt"));
        assertNull(loader.entry("a/text.tx"));
        URL url = loader.getResource("b/stored.bin");
        try (InputStream in = url.openStream()) {
            assertArrayEquals(stored, in.readAllBytes());
        }
        // not ours: the parent's, as child first means
        assertEquals(getClass().getClassLoader().getResource("b10/transfer/base/JarRegionLoaderTest.class"),
                loader.getResource("b10/transfer/base/JarRegionLoaderTest.class"));

        Class<?> own = loader.loadClass(Probe.class.getName());
        assertNotSame(Probe.class, own, "defined from the jar, child first");
        assertSame(loader, own.getClassLoader());
        assertEquals("probe", own.getMethod("where").invoke(null));
        assertSame(String.class, loader.loadClass("java.lang.String"));
    }

    /** An agent jar holding {@code nested} as the entry {@code name}, stored or deflated, with a comment after it all. */
    private static Path outer(Path dir, byte[] nested, String name, boolean stored) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out)) {
            jar.putNextEntry(new JarEntry("b10/transfer/agent/AgentMain.class"));
            jar.write("not a class".repeat(100).getBytes());
            jar.putNextEntry(stored ? stored(name, nested) : new JarEntry(name));
            jar.write(nested);
            jar.putNextEntry(new JarEntry("z/after.txt"));
            jar.write(1);
            jar.setComment("an agent jar's comment");
        }
        Path file = dir.resolve(stored ? "stored.jar" : "deflated.jar");
        Files.write(file, out.toByteArray());
        return file;
    }

    @Test
    void aStoredNestedJar_isReadInPlace_exactlyAsTheJdkWroteIt(@TempDir Path dir) throws Exception {
        byte[] text = "compiled kernel\n".repeat(500).getBytes();
        byte[] stored = new byte[70_000];
        new Random(11).nextBytes(stored);
        byte[] nested = jar(text, stored, bytesOf(Probe.class));
        ClassLoader parent = getClass().getClassLoader();
        Path agent = outer(dir, nested, CoreLoader.NESTED, true);

        JarRegionLoader loader = (JarRegionLoader) JarRegionLoader.inPlace("in-place", agent, CoreLoader.NESTED, parent);
        assertArrayEquals(text, loader.entry("a/text.txt"));
        assertArrayEquals(stored, loader.entry("b/stored.bin"));
        assertNull(loader.entry("b10/transfer/agent/AgentMain.class"), "the outer jar's entries are not the nested jar's");
        assertArrayEquals(NON_ASCII_CONTENT, loader.entry("n/gr\u00fc\u00dfe-\u540d\u524d.txt"));
        assertEquals(stored.length, loader.getResource("b/stored.bin").openConnection().getContentLengthLong());
        Class<?> own = loader.loadClass(Probe.class.getName());
        assertSame(loader, own.getClassLoader());
        assertEquals("probe", own.getMethod("where").invoke(null));

        assertNull(JarRegionLoader.inPlace("absent", agent, "META-INF/other.jar", parent), "no such entry: nothing nested");
        Path deflated = outer(dir, nested, CoreLoader.NESTED, false);
        IOException compressed = assertThrows(IOException.class,
                () -> JarRegionLoader.inPlace("deflated", deflated, CoreLoader.NESTED, parent));
        assertTrue(compressed.getMessage().contains("not stored"), compressed.getMessage());
        // a nested jar cut short: its end record is not where its entry ends, so it is refused
        Path cut = outer(dir, Arrays.copyOf(nested, nested.length - 30), CoreLoader.NESTED, true);
        IOException corrupt = assertThrows(IOException.class, () -> JarRegionLoader.inPlace("cut", cut, CoreLoader.NESTED, parent));
        assertTrue(corrupt.getMessage().contains("cut"), corrupt.getMessage());
    }

    @Test
    void aCutOrShortJar_isRefusedNamingWhy_neverReadWrong() throws Exception {
        byte[] jar = jar("x".repeat(1000).getBytes(), new byte[10], bytesOf(Probe.class));
        ClassLoader parent = getClass().getClassLoader();

        byte[] noEnd = Arrays.copyOf(jar, jar.length - 22);
        IOException e = assertThrows(IOException.class,
                () -> JarRegionLoader.read("cut", new ByteArrayInputStream(noEnd), noEnd.length, parent));
        assertTrue(e.getMessage().contains("no end of central directory"), e.getMessage());

        IOException shortRead = assertThrows(IOException.class,
                () -> JarRegionLoader.read("short", new ByteArrayInputStream(jar), jar.length + 100L, parent));
        assertTrue(shortRead.getMessage().contains("ends after " + jar.length), shortRead.getMessage());

        // the central directory pointing past the data: the entry is refused, not read from elsewhere
        byte[] shifted = jar.clone();
        int end = shifted.length - 22;
        int cen = (shifted[end + 16] & 0xff) | (shifted[end + 17] & 0xff) << 8 | (shifted[end + 18] & 0xff) << 16;
        shifted[cen + 42] = (byte) 0xff;
        shifted[cen + 43] = (byte) 0xff;
        shifted[cen + 44] = (byte) 0x0f;
        JarRegionLoader loader = (JarRegionLoader) JarRegionLoader.read("shifted", new ByteArrayInputStream(shifted),
                shifted.length, parent);
        IOException bad = assertThrows(IOException.class, () -> loader.entry("a/text.txt"));
        assertTrue(bad.getMessage().contains("a/text.txt"), bad.getMessage());
    }
}
