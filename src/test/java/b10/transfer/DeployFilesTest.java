package b10.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The container examples in deploy/: the manifests parse, every setting they give is one of ours
 * with a valid value, the shutdown save fits the grace period, and the Dockerfiles build the jar
 * the way the README does and start it as the README says.
 */
class DeployFilesTest {
    static final Path ROOT = Path.of(System.getProperty("b10.test.fixtures", "../fixtures")).toAbsolutePath().getParent();

    @ParameterizedTest
    @ValueSource(strings = {"agent-in-server.yaml", "init-container-and-prestop.yaml"})
    @SuppressWarnings("unchecked")
    void manifest_parses_namesOnlyOurSettings_andItsSaveFitsTheGracePeriod(String file) throws Exception {
        Map<String, Object> doc = new Yaml().load(Files.readString(ROOT.resolve("deploy/k8s/" + file)));
        assertEquals("Deployment", doc.get("kind"));
        Map<String, Object> pod = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) doc.get("spec"))
                .get("template")).get("spec");
        int grace = (Integer) pod.get("terminationGracePeriodSeconds");
        List<Map<String, Object>> containers = new ArrayList<>((List<Map<String, Object>>) pod.get("containers"));
        if (pod.get("initContainers") != null) {
            containers.addAll((List<Map<String, Object>>) pod.get("initContainers"));
        }
        int checked = 0;
        for (Map<String, Object> c : containers) {
            Map<String, String> env = new HashMap<>();
            for (Map<String, Object> e : (List<Map<String, Object>>) c.get("env")) {
                env.put((String) e.get("name"), String.valueOf(e.get("value")));
            }
            Settings s = Settings.from(env, Map.of()); // a bad value throws, naming it
            assertEquals(List.of(), s.warnings, c.get("name") + " in " + file);
            assertTrue(s.saveTimeout.toSeconds() + 5 <= grace, "the shutdown save of " + c.get("name") + " ("
                    + s.saveTimeout.toSeconds() + " s) does not fit the grace period (" + grace + " s)");
            checked++;
        }
        assertTrue(checked >= 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.cli"})
    void dockerfile_buildsTheJarAsTheReadmeDoes_andStartsItAsTheReadmeSays(String file) throws Exception {
        String docker = Files.readString(ROOT.resolve("deploy/" + file));
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher build = Pattern.compile("(?m)^#\\s+(scripts/build-env mvn .*)$").matcher(docker);
        assertTrue(build.find(), "the Dockerfile says how to build the jar");
        assertTrue(readme.contains(build.group(1)), "the README's first command builds the jar: " + build.group(1));
        Matcher copy = Pattern.compile("(?m)^COPY (agent/target/b10-transfer\\.jar) (\\S+)$").matcher(docker);
        assertTrue(copy.find(), "the Dockerfile copies the built jar");
        assertTrue(readme.contains(copy.group(1)));
        Matcher entry = Pattern.compile("(?m)^ENTRYPOINT \\[(.*)]$").matcher(docker);
        assertTrue(entry.find());
        String start = entry.group(1);
        assertTrue(start.contains("\"-javaagent:" + copy.group(2) + "\"") || start.contains("\"-jar\", \"" + copy.group(2) + "\""),
                "it starts the copied jar: " + start);
        Map<String, String> env = new HashMap<>();
        Matcher e = Pattern.compile("(?m)^(?:ENV |\\s+)(B10_\\w+|TORCH\\w+)=(\\S+?)\\s*\\\\?$").matcher(docker);
        while (e.find()) {
            env.put(e.group(1), e.group(2));
        }
        assertEquals(List.of(), Settings.from(env, Map.of()).warnings);
    }
}
