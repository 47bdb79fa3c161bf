package b10.transfer.base;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/**
 * A nested jar loaded child first through its own central directory ({@link JarRegion}): read in
 * place where it is stored in the agent jar, so a JVM's start pays neither a copy nor an array of
 * its size, or held in memory where it is compressed and {@code java.io.tmpdir} cannot take a copy.
 * (In memory as the first choice was slower than a copy: a fresh 1.2 MB array's pages.)
 */
final class JarRegionLoader extends ChildFirstLoader {
    static {
        registerAsParallelCapable();
    }

    private final JarRegion jar;

    private JarRegionLoader(String name, JarRegion jar, ClassLoader parent) {
        super(name, parent);
        this.jar = jar;
    }

    /**
     * The jar stored as {@code entry} of {@code outer}, read where it lies; null where {@code outer}
     * has no such entry.
     *
     * @throws IOException where it cannot be read in place (compressed, or not a zip we read)
     */
    static ClassLoader inPlace(String name, Path outer, String entry, ClassLoader parent) throws IOException {
        RandomAccessFile file = new RandomAccessFile(outer.toFile(), "r");
        try {
            JarRegion nested = JarRegion.inFile(outer.getFileName().toString(), file, 0, file.length()).nested(entry, name);
            if (nested == null) {
                file.close();
                return null;
            }
            return new JarRegionLoader(name, nested, parent);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Reads the nested jar ({@code size} bytes from {@code in}) into memory and indexes it. */
    static ClassLoader read(String name, InputStream in, long size, ClassLoader parent) throws IOException {
        if (size < 22 || size > Integer.MAX_VALUE - 8) {
            throw new IOException(name + ": a nested jar of " + size + " bytes");
        }
        byte[] zip = new byte[(int) size];
        int n = in.readNBytes(zip, 0, zip.length);
        if (n != zip.length) {
            throw new IOException(name + ": the nested jar ends after " + n + " of " + size + " bytes");
        }
        return new JarRegionLoader(name, JarRegion.inMemory(name, zip), parent);
    }

    @Override
    protected byte[] entry(String path) throws IOException {
        return jar.entry(path);
    }

    @Override
    protected boolean holds(String path) {
        return jar.holds(path);
    }

    @Override
    protected long entrySize(String path) {
        return jar.size(path);
    }
}
