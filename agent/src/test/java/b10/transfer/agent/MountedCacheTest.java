package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local cache is a volume mounted at its path (a Kubernetes emptyDir or PVC), with the
 * lost+found of an ext4 volume: rename(2) cannot move a mount point, so the agent and the CLI work
 * inside it. Real mounts, in a mount namespace of their own (unshare), so nothing outlives the
 * test; where this machine cannot make one, the test says so loudly and checks nothing.
 */
class MountedCacheTest {
    @TempDir
    Path tmp;

    @Test
    void aCacheDirectoryThatIsAMountPoint_isRestoredIntoAndSavedFrom_itsLostAndFoundLeftAlone() throws Exception {
        Path venv = SurvivalKit.fakeVenv(tmp);
        Path store = tmp.resolve("store");
        Path fixture = Path.of(System.getProperty("b10.test.fixtures", "../fixtures"), "inductor-cache-gpt2-h200.tgz");
        Path seed = Files.createDirectories(tmp.resolve("seed"));
        assertEquals(0, new ProcessBuilder("tar", "-xzf", fixture.toString(), "-C", seed.toString()).start().waitFor());
        ChildJvm.Result saved = SurvivalKit.cli(SurvivalKit.env(seed.resolve("indc-cold"), store, venv), "save");
        assertEquals(0, saved.exit(), saved.err());

        Path mount = Files.createDirectories(tmp.resolve("pod/volume"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jar = ChildJvm.jar().toString();
        // inside the namespace: mount, a root-only lost+found, the agent restoring before main and
        // saving the application's new kernel at exit, a forced CLI load, then what is there
        String script = String.join("\n",
                "set -e",
                "mount -t tmpfs tmpfs \"$C\"",
                "mkdir \"$C/lost+found\" && echo volume > \"$C/lost+found/kept\" && chmod 700 \"$C/lost+found\"",
                "echo MOUNTED",
                "APP_WRITE=1 \"$JAVA\" -javaagent:\"$JAR\" -cp \"$TESTCLASSES\" b10.transfer.agent.testapp.App",
                "echo \"AFTER_APP $(find \"$C\" -type f -not -path \"$C/.b10-transfer/*\" -not -path \"$C/lost+found/*\" | wc -l)\"",
                "\"$JAVA\" -jar \"$JAR\" load --force --quiet && echo FORCED",
                "echo \"AFTER_FORCE $(find \"$C\" -type f -not -path \"$C/.b10-transfer/*\" -not -path \"$C/lost+found/*\" | wc -l)\"",
                "echo \"KEPT $(cat \"$C/lost+found/kept\")\"",
                "echo \"OURS $(ls -A \"$C/.b10-transfer\" | tr '\\n' ' ')\"",
                "echo \"BESIDE $(ls -A \"$(dirname \"$C\")\" | tr '\\n' ' ')\"");
        ProcessBuilder pb = ChildJvm.withEnvironment(new ProcessBuilder("unshare", "--mount", "--map-root-user", "sh", "-c", script),
                SurvivalKit.env(mount, store, venv, "C", mount.toString(), "JAVA", java, "JAR", jar,
                        "TESTCLASSES", ChildJvm.testClasses()));
        Path out = tmp.resolve("out.txt");
        pb.redirectErrorStream(true).redirectOutput(out.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (java.io.IOException e) {
            System.err.println("MountedCacheTest: SKIPPED, unshare cannot run here: " + e);
            return;
        }
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the mounted scenario ended");
        String o = Files.readString(out);
        if (!o.contains("MOUNTED")) {
            System.err.println("MountedCacheTest: SKIPPED, this machine cannot mount a tmpfs in a namespace of its own: " + o);
            return;
        }
        assertEquals(0, p.exitValue(), o);
        // restored before main: the fixture's 121 files (the application's count includes our listing inside)
        List<String> lines = new ArrayList<>(o.lines().toList());
        assertTrue(o.contains("restore SUCCESS: restored 121 files"), o);
        assertTrue(o.contains("save at exit SUCCESS") && o.contains("as a layer"), o);
        assertTrue(o.contains("AFTER_APP 122"), "the fixture and the application's kernel: " + o);
        assertTrue(o.contains("FORCED") && o.contains("AFTER_FORCE 122"), "the forced load put the store's content (base and layer) in place: " + o);
        assertTrue(o.contains("KEPT volume"), "the volume's lost+found is left alone: " + o);
        assertTrue(lines.stream().anyMatch(l -> l.equals("OURS listing ")), "only the listing is left in b10-transfer's directory: " + o);
        assertTrue(lines.stream().anyMatch(l -> l.equals("BESIDE volume ")), "nothing was written beside the mount: " + o);
        assertTrue(!o.contains("busy") && !o.contains("ERROR"), o);
    }
}
