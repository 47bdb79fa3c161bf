package b10.transfer.agent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code -javaagent:b10-transfer.jar=NAME=value,NAME=value}. Names are the environment
 * variables' (the B10_TRANSFER_ prefix may be left out). A malformed item is reported and skipped.
 */
final class AgentOptions {
    private AgentOptions() {
    }

    /**
     * Whether the agent is switched off (ENABLED false, as an option, a system property or in the
     * environment, in the settings' precedence), read without the rest of the settings. A value that
     * is not a boolean is left to the settings, which name it in their error.
     */
    static boolean disabled(Map<String, String> options, String property, String env) {
        String v = options.get("ENABLED");
        if (v == null) {
            v = options.get("B10_TRANSFER_ENABLED");
        }
        if (v == null) {
            v = property;
        }
        if (v == null) {
            v = env;
        }
        if (v == null) {
            return false;
        }
        switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "0": case "false": case "no": case "off": return true;
            default: return false;
        }
    }

    static Map<String, String> parse(String args, List<String> problems) {
        Map<String, String> m = new LinkedHashMap<>();
        if (args == null || args.isBlank()) {
            return m;
        }
        for (String item : args.split(",")) {
            String t = item.trim();
            if (t.isEmpty()) {
                continue;
            }
            int eq = t.indexOf('=');
            if (eq <= 0) {
                problems.add("agent option '" + t + "' is not NAME=value; skipped");
                continue;
            }
            m.put(t.substring(0, eq).trim().toUpperCase(java.util.Locale.ROOT), t.substring(eq + 1).trim());
        }
        return m;
    }
}
