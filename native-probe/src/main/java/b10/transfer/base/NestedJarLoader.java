package b10.transfer.base;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * A jar that travels as one entry of the agent jar, loaded child first. Every entry of the agent
 * jar is read by every JVM that starts with the agent, so libraries that only some runs use (the
 * AWS SDK, Byte Buddy) travel this way. Opening one copies the entry to a private temporary file,
 * opens it and deletes the name at once: the open file serves the loader, and nothing is left on
 * disk, even after a kill -9. Classes and resources of the nested jar come first; everything
 * else, our core classes included, comes from the parent.
 */
public class NestedJarLoader extends ChildFirstLoader {
    static {
        registerAsParallelCapable();
    }

    private final JarFile jar;

    protected NestedJarLoader(String name, JarFile jar, ClassLoader parent) {
        super(name, parent);
        this.jar = jar;
    }

    /**
     * Opens {@code nested} (a URL of the agent jar's entry) as the loader {@code name}.
     *
     * @throws IOException where the temporary copy cannot be written ({@code java.io.tmpdir})
     */
    public static ClassLoader open(String name, URL nested, ClassLoader parent) throws IOException {
        return new NestedJarLoader(name, openCopy(name, nested), parent);
    }

    /** A loader over the nested jar read from {@code in}: {@link #copyToTemporary}. */
    static ClassLoader open(String name, InputStream in, ClassLoader parent) throws IOException {
        return new NestedJarLoader(name, copyToTemporary(name, in), parent);
    }

    /** {@link #copyToTemporary} of the agent jar's entry {@code nested}. */
    protected static JarFile openCopy(String name, URL nested) throws IOException {
        try (InputStream in = nested.openStream()) {
            return copyToTemporary(name, in);
        }
    }

    /**
     * A nested jar, read from {@code in}, copied to a private temporary file that is opened and then
     * deleted at once. The file is named here, not by Files.createTempFile, whose random names cost a
     * SecureRandom (40-60 ms when it is the JVM's first), nor after the process id, whose first read
     * (ProcessHandle) starts an executor and spins lambdas (about 7 ms of a JVM's start); a name that
     * exists is never opened (O_EXCL), another is tried.
     */
    private static JarFile copyToTemporary(String name, InputStream in) throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        for (int attempt = 0; ; attempt++) {
            Path copy = dir.resolve(name + "-" + Long.toHexString(System.nanoTime()) + "-" + attempt + ".jar");
            SeekableByteChannel out;
            try {
                out = ownerOnly(copy);
            } catch (FileAlreadyExistsException e) {
                if (attempt < 16) {
                    continue;
                }
                throw e;
            }
            try {
                // large reads and writes through one small buffer: a stream copy's 16 KB channel
                // writes took about 6 ms for 1.2 MB, interpreted at a JVM's start, and a buffer of
                // the whole jar costs its fresh pages (reading into one took 3-5 ms more)
                byte[] buffer = new byte[256 * 1024];
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
                    while (bytes.hasRemaining()) {
                        out.write(bytes);
                    }
                }
                return new JarFile(copy.toFile(), false);
            } finally {
                out.close();
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException e) {
                    copy.toFile().deleteOnExit();
                }
            }
        }
    }

    /** A new file only its owner may read, where the filesystem has POSIX permissions. */
    private static SeekableByteChannel ownerOnly(Path file) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            return Files.newByteChannel(file, options, PosixFilePermissions.asFileAttribute(
                    EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
        } catch (UnsupportedOperationException e) {
            return Files.newByteChannel(file, options);
        }
    }

    /** The names of the nested jar's entries (a loop: a stream's first use costs milliseconds of bootstrap). */
    protected List<String> entryNames() {
        List<String> names = new ArrayList<>();
        for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements(); ) {
            names.add(en.nextElement().getName());
        }
        return names;
    }

    @Override
    protected byte[] entry(String path) throws IOException {
        JarEntry e = jar.getJarEntry(path);
        if (e == null) {
            return null;
        }
        try (InputStream in = jar.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    @Override
    protected boolean holds(String path) {
        return jar.getJarEntry(path) != null;
    }

    /** Resource URLs read the open file (its name is gone); Byte Buddy reads advice classes so. */
    @Override
    protected InputStream entryStream(String path) throws IOException {
        JarEntry e = jar.getJarEntry(path);
        return e == null ? null : jar.getInputStream(e);
    }

    @Override
    protected long entrySize(String path) {
        JarEntry e = jar.getJarEntry(path);
        return e == null ? -1 : e.getSize();
    }
}
