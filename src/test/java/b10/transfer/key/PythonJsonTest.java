package b10.transfer.key;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PythonJsonTest {
    // Expected texts printed by CPython 3.11: json.dumps(d, sort_keys=True)
    @Test
    void dumpsSorted_escapesAsPythonsEnsureAscii() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("device_name", "Caf\u00e9 \"x\"\\ \uD83D\uDE00 \u007f\u0001");
        d.put("cuda_version", null);
        assertEquals("{\"cuda_version\": null, \"device_name\": \"Caf\\u00e9 \\\"x\\\"\\\\ \\ud83d\\ude00 \\u007f\\u0001\"}",
                PythonJson.dumpsSorted(d));
        assertEquals("5ca98aa850310eac", EnvironmentKey.sha256(PythonJson.dumpsSorted(d)).substring(0, 16));
    }

    @Test
    void dumpsSorted_ordersKeysByCodePoint_notByInsertion() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("platform_system", "Linux");
        d.put("device_type", "cpu");
        d.put("cpu_architecture", "x86_64");
        assertEquals("{\"cpu_architecture\": \"x86_64\", \"device_type\": \"cpu\", \"platform_system\": \"Linux\"}",
                PythonJson.dumpsSorted(d));
    }

    @Test
    void machineFromJvm_mapsTheJvmsNamesToUnames() {
        assertEquals("x86_64", PythonPlatform.machineFromJvm("amd64"));
        assertEquals("aarch64", PythonPlatform.machineFromJvm("aarch64"));
        assertEquals("ppc64le", PythonPlatform.machineFromJvm("ppc64le"));
    }
}
