/**
 * The host of the start-up benchmark: says when main began (epoch microseconds) and exits. With
 * BENCH_NEW_FILE set it first writes 10 KB there, as a server that compiled one kernel (the
 * incremental save's benchmark).
 */
public final class Hello {
    public static void main(String[] args) throws Exception {
        java.time.Instant now = java.time.Instant.now();
        System.out.println("main at " + (now.getEpochSecond() * 1_000_000L + now.getNano() / 1000));
        String newFile = System.getenv("BENCH_NEW_FILE");
        if (newFile != null) {
            byte[] kernel = new byte[10 * 1024];
            new java.util.Random(2).nextBytes(kernel);
            java.nio.file.Path p = java.nio.file.Path.of(newFile);
            java.nio.file.Files.createDirectories(p.getParent());
            java.nio.file.Files.write(p, kernel);
        }
    }
}
