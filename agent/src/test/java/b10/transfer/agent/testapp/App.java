package b10.transfer.agent.testapp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A host application for the agent's tests. Its first line reports what the cache directory holds
 * at the first line of main; APP_SPAWN=1 starts a child process that counts the files itself,
 * APP_WRITE=1 adds a compiled artifact, APP_EXIT sets the exit code.
 */
public class App {
    public static void main(String[] args) throws Exception {
        Path cache = Path.of(System.getenv("TORCH_CACHE_DIR"));
        System.out.println("FILES=" + count(cache));
        if ("1".equals(System.getenv("APP_SPAWN"))) {
            Process p = new ProcessBuilder("/bin/sh", "-c", "find \"$TORCH_CACHE_DIR\" -type f | wc -l").start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            System.out.println("CHILD_FILES=" + out);
        }
        if ("1".equals(System.getenv("APP_WRITE"))) {
            Files.createDirectories(cache.resolve("app"));
            Files.writeString(cache.resolve("app/kernel-" + ProcessHandle.current().pid() + ".py"), "compiled\n");
        }
        if ("1".equals(System.getenv("APP_WARMUP"))) {
            warmup(cache);
            String sleep = System.getenv("APP_SLEEP_MS");
            Thread.sleep(sleep == null ? 3000 : Long.parseLong(sleep));
        }
        if ("1".equals(System.getenv("APP_MBEAN"))) {
            printMBean();
        }
        System.out.println("DONE");
        String exit = System.getenv("APP_EXIT");
        System.exit(exit == null ? 0 : Integer.parseInt(exit));
    }

    /** What the agent's MBean says, read as a JMX console would (waiting for its registration after the restore). */
    static void printMBean() throws Exception {
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName name = new javax.management.ObjectName("b10.transfer:type=Cache");
        for (int i = 0; i < 100 && !server.isRegistered(name); i++) {
            Thread.sleep(100);
        }
        StringBuilder b = new StringBuilder("MBEAN");
        for (String a : new String[] {"LastRestoreStatus", "RestoredFiles", "RestoredBytes", "LastSaveStatus", "SavedFiles",
                "NewFilesSinceRestore", "UnusedCache", "Key"}) {
            b.append(' ').append(a).append('=').append(server.getAttribute(name, a));
        }
        System.out.println(b);
    }

    static void warmup(Path cache) throws IOException {
        Files.createDirectories(cache);
        Files.writeString(cache.resolve("warm.py"), "warm\n");
    }

    static long count(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }
}
