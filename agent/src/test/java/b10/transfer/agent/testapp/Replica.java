package b10.transfer.agent.testapp;

import b10.transfer.LoadStatus;
import b10.transfer.SaveStatus;
import b10.transfer.config.Settings;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.SaveResult;
import b10.transfer.store.LocalCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One replica of the many-replicas test, a process of its own on the library API.
 * {@code save ID ROUNDS GO}: each round writes version (ID, round) into its local cache and saves it
 * as the key's whole content ({@code save --replace}: no layers, so that every load is one version).
 * {@code load ID ROUNDS GO}: each round force-loads the store's archive and checks that the cache is
 * exactly one saved version, byte for byte, by regenerating that version from the marker it names.
 * Both wait for the file GO to exist, so that all replicas start together; a loader given a file
 * STOP as well goes on past its rounds, a load a second, until STOP exists (so that its loads meet
 * saves landing). One line per round:
 * "saved|loaded WRITER ROUND MILLIS"; a mismatch exits 3, a failed operation 4.
 */
public final class Replica {
    private Replica() {
    }

    public static void main(String[] args) throws Exception {
        String role = args[0];
        int id = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        Path go = Path.of(args[3]);
        Path stop = args.length > 4 ? Path.of(args[4]) : null;
        Settings settings = Settings.fromEnvironment();
        Path local = settings.localCacheDir;
        while (!Files.exists(go)) {
            Thread.sleep(5);
        }
        for (int round = 0; round < rounds || stop != null && !Files.exists(stop); round++) {
            if (round >= rounds) {
                Thread.sleep(1000); // past its rounds a loader only samples, leaving the CPU to the savers
            }
            long t0 = System.nanoTime();
            if (role.equals("save")) {
                LocalCache.deleteTree(local);
                write(local, id, round);
                b10.transfer.ops.Operations ops = b10.transfer.ops.Operations.of(settings);
                SaveResult r = ops.saveAndReport(ops.newControl(), true);
                if (r.status() != SaveStatus.SUCCESS) {
                    System.out.println("FAILED save " + r.status() + " " + r.message());
                    System.exit(4);
                }
                System.out.println("saved " + id + " " + round + " " + (System.nanoTime() - t0) / 1_000_000);
            } else {
                b10.transfer.ops.Operations ops = b10.transfer.ops.Operations.of(settings);
                LoadResult r = ops.loadAndReport(true, ops.newControl());
                if (r.status() != LoadStatus.SUCCESS) {
                    System.out.println("FAILED load " + r.status() + " " + r.message());
                    System.exit(4);
                }
                String[] marker = Files.readString(local.resolve("version.txt")).trim().split(" ");
                int writer = Integer.parseInt(marker[0]);
                int writerRound = Integer.parseInt(marker[1]);
                Map<String, byte[]> expected = content(writer, writerRound);
                Map<String, byte[]> actual = read(local);
                if (!sameBytes(expected, actual)) {
                    System.out.println("MISMATCH round " + round + ": the cache is not exactly version " + writer + " " + writerRound);
                    System.exit(3);
                }
                System.out.println("loaded " + writer + " " + writerRound + " " + (System.nanoTime() - t0) / 1_000_000);
            }
        }
    }

    /** Version (writer, round): a marker and 40 files of 1-60 KB, the same bytes every time. */
    static Map<String, byte[]> content(int writer, int round) {
        Map<String, byte[]> files = new TreeMap<>();
        Random rnd = new Random(writer * 100_003L + round);
        files.put("version.txt", (writer + " " + round + "\n").getBytes());
        int count = 30 + rnd.nextInt(20);
        for (int i = 0; i < count; i++) {
            byte[] b = new byte[1024 + rnd.nextInt(60 * 1024)];
            rnd.nextBytes(b);
            files.put("k" + rnd.nextInt(8) + "/f" + i + ".bin", b);
        }
        return files;
    }

    static void write(Path dir, int writer, int round) throws Exception {
        for (Map.Entry<String, byte[]> e : content(writer, round).entrySet()) {
            Path f = dir.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
        }
    }

    static Map<String, byte[]> read(Path dir) throws Exception {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    files.put(dir.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        }
        return files;
    }

    static boolean sameBytes(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
