package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Full and missing disks, with real small filesystems: tmpfs mounts made by the test (root only;
 * without the right to mount, the tmpfs cases say so on stderr and are skipped, the rest runs).
 * Each case runs the CLI and the agent in front of a host application: a clear error naming the
 * cause, the previous cache and archive intact, no temporaries, the application's exit code kept.
 */
class DiskTest {
    static final List<String> ROWS = new ArrayList<>();
    @TempDir
    Path tmp;
    Path venv;
    final List<Path> mounts = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        venv = SurvivalKit.fakeVenv(tmp);
    }

    @AfterEach
    void unmount() throws Exception {
        for (Path m : mounts) {
            new ProcessBuilder("umount", "-l", m.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void writeReport() {
        SurvivalKit.report("disks.md", ROWS);
    }

    /** Mounts a tmpfs of the given options at dir, or skips the test loudly when this machine does not allow it. */
    Path tmpfs(String name, String options) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            System.err.println("DiskTest: SKIPPED, cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): " + out);
            ROWS.add("| " + name + " | skipped | cannot mount a tmpfs here: " + out + " |");
            Assumptions.abort("cannot mount a tmpfs: " + out);
        }
        mounts.add(0, dir);
        return dir;
    }

    Map<String, String> env(Path local, Path store, String... kv) {
        return SurvivalKit.env(local, store, venv, kv);
    }

    /** Many small files: their content passes the free-space check, their 4 KiB pages do not fit. */
    static void manySmallFiles(Path dir, int count) throws Exception {
        Random rnd = new Random(count);
        for (int i = 0; i < count; i++) {
            byte[] b = new byte[200];
            rnd.nextBytes(b);
            Path f = dir.resolve("k" + i % 50).resolve("f" + i);
            Files.createDirectories(f.getParent());
            Files.write(f, b);
        }
    }

    static void randomFile(Path dir, String name, int bytes) throws Exception {
        byte[] b = new byte[bytes];
        new Random(bytes).nextBytes(b);
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), b);
    }

    @Test
    void localDiskFillingMidRestore_isAnErrorNamingIt_andTheOldCacheStays() throws Exception {
        Path store = tmp.resolve("store");
        Path source = tmp.resolve("source/cache");
        manySmallFiles(source, 6000); // 1.2 MiB of content, 24 MiB of tmpfs pages
        assertTrue(SurvivalKit.cli(env(source, store), "save").out().strip().endsWith("SUCCESS"));
        Path small = tmpfs("small-local", "size=12m");
        Path local = small.resolve("cache");
        randomFile(local, "previous.bin", 100_000);
        Map<String, String> previous = SurvivalKit.digest(local);
        long freeBefore = Files.getFileStore(small).getUsableSpace();

        ChildJvm.Result r = SurvivalKit.cli(env(local, store), "load", "--force");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("no space left on"), r.out());
        assertEquals(previous, SurvivalKit.digest(local), "the previous cache is intact");
        assertEquals(List.of(), SurvivalKit.temporaries(small), "the staging directory is gone");
        assertEquals(freeBefore, Files.getFileStore(small).getUsableSpace(), "all space given back");

        ChildJvm.Result agent = SurvivalKit.app(env(small.resolve("fresh"), store));
        assertTrue(agent.out().startsWith("FILES=0"), agent.out());
        SurvivalKit.assertOneLineNaming(agent, "restore", "no space left on");
        assertFalse(Files.exists(small.resolve("fresh")), "no partial cache");
        assertEquals(List.of(), SurvivalKit.temporaries(small));
        ROWS.add("| local cache on a 12 MiB tmpfs that fills mid-restore (6,000 files) | CLI `load --force`, agent at start"
                + " | ERROR \"no space left on device\"; previous cache byte-identical; staging removed, all space given back;"
                + " application started, exit code kept |");
    }

    @Test
    void storeDiskFillingMidSave_isAnErrorNamingIt_andTheOldArchiveStays() throws Exception {
        Path store = tmpfs("small-store", "size=6m").resolve("cache");
        Path a = tmp.resolve("a/cache");
        randomFile(a, "a.bin", 1 << 20);
        assertTrue(SurvivalKit.cli(env(a, store), "save").out().strip().endsWith("SUCCESS"));
        Path archive;
        try (var s = Files.list(store)) {
            archive = s.filter(p -> p.getFileName().toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }
        String sha = SurvivalKit.sha256(archive);
        Path b = tmp.resolve("b/cache");
        randomFile(b, "b.bin", 8 << 20); // random bytes do not compress: 8 MiB cannot fit in 5

        ChildJvm.Result r = SurvivalKit.cli(env(b, store), "save");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("no space left on"), r.out());
        assertEquals(sha, SurvivalKit.sha256(archive), "the published archive is untouched");
        assertEquals(List.of(), SurvivalKit.temporaries(store), "the temporary is removed");

        ChildJvm.Result agent = SurvivalKit.app(env(b, store));
        SurvivalKit.assertOneLineNaming(agent, "save", "no space left on");
        assertEquals(sha, SurvivalKit.sha256(archive));
        assertEquals(List.of(), SurvivalKit.temporaries(store));
        ROWS.add("| store on a 6 MiB tmpfs that fills mid-save (8 MiB that does not compress) | CLI `save`, agent at exit"
                + " | ERROR \"no space left on device\"; the published archive byte-identical; temporary removed;"
                + " application exit code kept |");
    }

    @Test
    void readOnlyStore_servesLoads_andRefusesSavesClearly() throws Exception {
        Path mount = tmpfs("ro-store", "size=8m");
        Path store = mount.resolve("cache");
        Path a = tmp.resolve("a/cache");
        randomFile(a, "a.bin", 100_000);
        assertTrue(SurvivalKit.cli(env(a, store), "save").out().strip().endsWith("SUCCESS"));
        Map<String, String> storeBefore = SurvivalKit.digest(mount);
        Process p = new ProcessBuilder("mount", "-o", "remount,ro", mount.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());

        Path local = tmp.resolve("l/cache");
        ChildJvm.Result load = SurvivalKit.cli(env(local, store), "load");
        assertTrue(load.out().strip().endsWith("SUCCESS"), load.out() + load.err());
        assertEquals(SurvivalKit.digest(a), SurvivalKit.digest(local));
        randomFile(local, "new.bin", 1000);
        ChildJvm.Result save = SurvivalKit.cli(env(local, store), "save");
        assertEquals(1, save.exit());
        assertTrue(save.out().contains("is not writable"), save.out());
        ChildJvm.Result agent = SurvivalKit.app(env(local, store));
        SurvivalKit.assertOneLineNaming(agent, "save", "is not writable");
        assertEquals(storeBefore, SurvivalKit.digest(mount), "the read-only store is unchanged");
        ROWS.add("| read-only store (tmpfs remounted ro) | CLI `load`, `save`; agent | loads restore; saves ERROR"
                + " \"store directory ... is not writable\"; store unchanged; application exit code kept |");
    }

    @Test
    void missingStore_storeThatIsAFile_andLocalCacheThatIsAFile_areClearErrors() throws Exception {
        Path a = tmp.resolve("a/cache");
        randomFile(a, "a.bin", 1000);
        Path missing = tmp.resolve("no-mount/cache");
        ChildJvm.Result load = SurvivalKit.cli(env(tmp.resolve("l/cache"), missing), "load");
        assertTrue(load.out().contains("does not exist: is the shared mount there?") && load.exit() == 0, load.out());
        ChildJvm.Result save = SurvivalKit.cli(env(a, missing), "save");
        assertEquals(1, save.exit());
        assertTrue(save.out().contains("the parent of store directory"), save.out());
        assertFalse(Files.exists(tmp.resolve("no-mount")), "a missing mount point is never created");

        Path fileStore = tmp.resolve("store-file");
        Files.writeString(fileStore, "not a directory");
        assertTrue(SurvivalKit.cli(env(tmp.resolve("l/cache"), fileStore), "load").out().contains("is not a directory"));
        assertTrue(SurvivalKit.cli(env(a, fileStore), "save").out().contains("is not a directory"));
        assertEquals("not a directory", Files.readString(fileStore));

        Path store = tmp.resolve("store");
        assertTrue(SurvivalKit.cli(env(a, store), "save").out().strip().endsWith("SUCCESS"));
        Path fileLocal = tmp.resolve("local-file");
        Files.writeString(fileLocal, "a file");
        ChildJvm.Result l = SurvivalKit.cli(env(fileLocal, store), "load");
        assertEquals(1, l.exit());
        assertTrue(l.out().contains("(TORCH_CACHE_DIR) is not a directory"), l.out());
        ChildJvm.Result s = SurvivalKit.cli(env(fileLocal, store), "save");
        assertEquals(1, s.exit());
        assertTrue(s.out().contains("(TORCH_CACHE_DIR) is not a directory"), s.out());
        ChildJvm.Result agent = SurvivalKit.app(env(fileLocal, store));
        SurvivalKit.assertOneLineNaming(agent, "restore", "is not a directory");
        assertEquals("a file", Files.readString(fileLocal));
        ROWS.add("| store missing (no mount), store that is a file, local cache that is a file | CLI `load`, `save`; agent"
                + " | DOES_NOT_EXIST or ERROR naming the path and the variable; no mount point created; files untouched;"
                + " application exit code kept |");
    }
}
