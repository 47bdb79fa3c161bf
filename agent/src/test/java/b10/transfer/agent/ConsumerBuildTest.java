package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library as a Maven user gets it: the just-built artifacts laid out as a repository, a small
 * project (src/test/consumer) that names b10-transfer-core in two lines, built by Maven and run.
 * Everything else it needs comes from the build's own local repository, read as a remote one, so
 * nothing is downloaded and the build's repository is not written.
 */
class ConsumerBuildTest {
    @TempDir
    Path tmp;

    static final Path ROOT = Path.of(System.getProperty("b10.test.root", "..")).toAbsolutePath().normalize();
    static final String VERSION = System.getProperty("b10.test.version", "0.1.0");

    @Test
    void aProjectThatDependsOnTheLibrary_buildsAndRuns_gettingItsDependenciesAndNoAgentJar() throws Exception {
        Path repo = tmp.resolve("repo");
        publish(repo, "b10-transfer-parent", ROOT.resolve("pom.xml"), null);
        publish(repo, "b10-transfer-native-probe", ROOT.resolve("native-probe/pom.xml"),
                ROOT.resolve("native-probe/target/b10-transfer-native-probe-" + VERSION + ".jar"));
        publish(repo, "b10-transfer-core", ROOT.resolve("src/pom.xml"), ROOT.resolve("src/target/b10-transfer-core-" + VERSION + ".jar"));

        Path project = tmp.resolve("consumer");
        SurvivalKit.copyTree(ROOT.resolve("agent/src/test/consumer"), project);
        Path pom = project.resolve("pom.xml");
        Files.writeString(pom, Files.readString(pom).replace("@REPOSITORY@", repo.toUri().toString()).replace("@VERSION@", VERSION));
        String m2 = System.getProperty("b10.test.m2", System.getProperty("user.home") + "/.m2/repository");
        Path settings = Files.writeString(tmp.resolve("settings.xml"), "<settings><mirrors><mirror><id>build-cache</id>"
                + "<mirrorOf>*,!b10</mirrorOf><url>" + Path.of(m2).toUri() + "</url></mirror></mirrors></settings>");

        Result build = run(project, List.of("mvn", "-B", "-q", "-s", settings.toString(), "-Dmaven.repo.local=" + tmp.resolve("local"),
                "-DskipTests", "package", "dependency:build-classpath", "-Dmdep.outputFile=cp.txt"), Map.of());
        assertEquals(0, build.exit(), build.output());
        String cp = Files.readString(project.resolve("cp.txt")).strip();
        assertTrue(cp.contains("b10-transfer-core-" + VERSION + ".jar") && cp.contains("commons-compress"), cp);
        assertFalse(cp.contains("slf4j-simple"), "the library binds no slf4j for its user: " + cp);
        assertFalse(cp.contains("b10-transfer-agent") || cp.contains("byte-buddy"), cp);

        Path empty = Files.createDirectories(tmp.resolve("store"));
        Result app = run(project, List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                project.resolve("target/classes") + java.io.File.pathSeparator + cp, "consumer.Consumer"),
                Map.of("B10FS_CACHE_DIR", empty.toString(), "TORCH_CACHE_DIR", tmp.resolve("local-cache").toString(),
                        "B10_TRANSFER_TORCH_VERSION", "2.11.0+cu130", "B10_TRANSFER_GPU_BACKEND", "none"));
        assertEquals(0, app.exit(), app.output());
        assertTrue(app.output().contains("load DOES_NOT_EXIST") && app.output().contains("info " + VERSION), app.output());
        // the typed results: a save, its archive in cacheInfo, a forced reload and an asynchronous one with typed progress
        assertTrue(app.output().contains("save SUCCESS files=1 archive=true"), app.output());
        assertTrue(app.output().contains("cacheInfo exists=true signed=unsigned key=torch-2.11.0+cu130_cpu_triton-none"), app.output());
        assertTrue(app.output().contains("reload SUCCESS files=1"), app.output());
        assertTrue(app.output().contains("async SUCCESS result=true files=1"), app.output());
    }

    /** Lays out one artifact as a Maven repository holds it. */
    static void publish(Path repo, String artifact, Path pom, Path jar) throws Exception {
        Path dir = Files.createDirectories(repo.resolve("b10/transfer/" + artifact + "/" + VERSION));
        Files.copy(pom, dir.resolve(artifact + "-" + VERSION + ".pom"));
        if (jar != null) {
            assertTrue(Files.isRegularFile(jar), jar + " was built");
            Files.copy(jar, dir.resolve(artifact + "-" + VERSION + ".jar"));
        }
    }


    record Result(int exit, String output) {
    }

    static Result run(Path dir, List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = ChildJvm.withEnvironment(new ProcessBuilder(new ArrayList<>(cmd)), env).directory(dir.toFile())
                .redirectErrorStream(true);
        Path out = Files.createTempFile("consumer", ".txt");
        pb.redirectOutput(out.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "did not end: " + cmd);
        String text = Files.readString(out);
        Files.delete(out);
        return new Result(p.exitValue(), text);
    }
}
