package b10.transfer.key;

import java.util.Map;
import java.util.TreeMap;

/**
 * The exact text of Python's {@code json.dumps(d, sort_keys=True)} for a dictionary of strings:
 * the default separators {@code ", "} and {@code ": "}, and {@code ensure_ascii}, so every
 * character outside ASCII is a {@code \\uXXXX} escape (surrogate pairs beyond the BMP). A null
 * value is {@code null}, as Python writes None. Keys are sorted by code point, as Python sorts.
 */
final class PythonJson {
    private PythonJson() {
    }

    static String dumpsSorted(Map<String, String> d) {
        Map<String, String> sorted = new TreeMap<>(PythonJson::codePointOrder);
        sorted.putAll(d);
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            if (b.length() > 1) {
                b.append(", ");
            }
            string(b, e.getKey());
            b.append(": ");
            if (e.getValue() == null) {
                b.append("null");
            } else {
                string(b, e.getValue());
            }
        }
        return b.append('}').toString();
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                case '\b': b.append("\\b"); break;
                case '\f': b.append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7e) {
                        // UTF-16 units, as Python escapes characters beyond the BMP as surrogate pairs
                        b.append("\\u");
                        String hex = Integer.toHexString(c);
                        for (int pad = hex.length(); pad < 4; pad++) {
                            b.append('0');
                        }
                        b.append(hex);
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }

    private static int codePointOrder(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
