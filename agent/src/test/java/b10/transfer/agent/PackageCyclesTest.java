package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The layers stay layers: jdeps reads the compiled classes of every module, and the subpackages of
 * b10.transfer must form no cycle. The API package b10.transfer itself (statuses, errors, the
 * facade) is exempt: every layer may use its public types.
 */
class PackageCyclesTest {
    static final Path ROOT = ConsumerBuildTest.ROOT;
    static final String API = "b10.transfer";
    static final Pattern EDGE = Pattern.compile("^\\s*(b10\\.transfer[\\w.]*)\\s+->\\s+(b10\\.transfer[\\w.]*)\\s");

    @Test
    void theSubpackagesOfB10Transfer_formNoCycle() {
        Map<String, Set<String>> uses = packageGraph();
        assertTrue(uses.containsKey("b10.transfer.ops") && uses.containsKey("b10.transfer.store") && uses.containsKey("b10.transfer.agent"),
                "jdeps saw the modules' packages: " + uses.keySet());
        List<List<String>> cycles = cycles(uses);
        assertEquals(List.of(), cycles, "package cycles (each a strongly connected set); edges: " + uses);
    }

    @Test
    void theBasePackage_dependsOnNothingOfOurs() {
        Set<String> base = packageGraph().getOrDefault("b10.transfer.base", Set.of());
        assertEquals(Set.of(), base, "b10.transfer.base is plumbing every layer may use");
    }

    @Test
    void theCycleFinder_findsACycle_soTheAssertionAboveCanFail() {
        Map<String, Set<String>> g = new TreeMap<>();
        g.put("a", new TreeSet<>(Set.of("b")));
        g.put("b", new TreeSet<>(Set.of("c")));
        g.put("c", new TreeSet<>(Set.of("a")));
        g.put("d", new TreeSet<>(Set.of("a")));
        assertEquals(List.of(List.of("a", "b", "c")), cycles(g));
    }

    static Map<String, Set<String>> packageGraph() {
        List<String> args = new ArrayList<>(List.of("--multi-release", "17", "-verbose:package", "-filter:none", "-e", "b10\\.transfer.*"));
        for (String module : List.of("native-probe", "src", "s3", "instrument", "agent")) {
            Path classes = ROOT.resolve(module).resolve("target/classes");
            assertTrue(Files.isDirectory(classes), "compiled classes of " + module + " at " + classes);
            args.add(classes.toString());
        }
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("this JDK has no jdeps"));
        StringWriter out = new StringWriter();
        int exit = jdeps.run(new PrintWriter(out), new PrintWriter(out), args.toArray(String[]::new));
        assertEquals(0, exit, out.toString());
        Map<String, Set<String>> uses = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find() && !m.group(1).equals(API) && !m.group(2).equals(API) && !m.group(1).equals(m.group(2))) {
                uses.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
            } else if (m.find(0) && !m.group(1).equals(API)) {
                uses.computeIfAbsent(m.group(1), k -> new TreeSet<>());
            }
        }
        return uses;
    }

    /** Tarjan's strongly connected components of more than one node, each sorted. */
    static List<List<String>> cycles(Map<String, Set<String>> g) {
        Map<String, Integer> index = new TreeMap<>();
        Map<String, Integer> low = new TreeMap<>();
        List<String> stack = new ArrayList<>();
        Set<String> onStack = new TreeSet<>();
        List<List<String>> found = new ArrayList<>();
        for (String v : g.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, g, index, low, stack, onStack, found);
            }
        }
        return found;
    }

    private static void connect(String v, Map<String, Set<String>> g, Map<String, Integer> index, Map<String, Integer> low,
                                List<String> stack, Set<String> onStack, List<List<String>> found) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.add(v);
        onStack.add(v);
        for (String w : g.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, g, index, low, stack, onStack, found);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> component = new ArrayList<>();
            String w;
            do {
                w = stack.remove(stack.size() - 1);
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                component.sort(null);
                found.add(component);
            }
        }
    }
}
