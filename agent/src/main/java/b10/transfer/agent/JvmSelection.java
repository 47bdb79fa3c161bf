package b10.transfer.agent;

import java.util.Locale;

/**
 * Decides whether the agent acts in this JVM. With {@code -javaagent} in JAVA_TOOL_OPTIONS (common
 * in containers) every JVM loads it: the JDK's tools, our own CLI, and the short helper JVMs that
 * servers start (DJL Serving starts five at start-up to count GPUs). By default the agent stands
 * aside in the JDK's tools and in our CLI; {@code B10_TRANSFER_ONLY_IN} names the JVMs it acts in,
 * by main class or jar, as globs ({@code *} any run of characters, {@code ?} one), separated by
 * {@code ;} or spaces (a comma ends an agent option).
 *
 * <p>The main class comes from {@code sun.java.command}, which every JDK launcher sets before the
 * JVM starts: "{@code <class or jar> <args>}", or "{@code <module>/<class> <args>}". A JVM created
 * through JNI has none, and counts as an application.
 */
final class JvmSelection {
    /** The JDK's source launcher runs a .java file: the application is the file, not the launcher. */
    private static final String SOURCE_LAUNCHER = "com.sun.tools.javac.launcher.";
    /** Strings, not class literals: the CLI's classes are not loaded on the agent's start-up path. */
    static final String CLI_MAIN = "b10.transfer.cli.Main";
    /** The jar's Main-Class, which runs {@link #CLI_MAIN} from the nested implementation. */
    static final String CLI_LAUNCHER = "b10.transfer.cli.Launcher";

    private JvmSelection() {
    }

    /** What this JVM runs: a main class, a jar path, or a .java file; null when unknown. */
    static String mainOf(String javaCommand) {
        if (javaCommand == null || javaCommand.isBlank()) {
            return null;
        }
        String[] words = firstTwoWords(javaCommand);
        String main = words[0];
        int slash = main.indexOf('/');
        if (slash > 0 && !main.toLowerCase(Locale.ROOT).endsWith(".jar")) {
            main = main.substring(slash + 1); // module/class
        }
        if (main.startsWith(SOURCE_LAUNCHER) && words.length > 1) {
            return words[1];
        }
        return main;
    }

    /** The command's first two words, split at whitespace (no regular expression on the start-up path); missing ones are absent. */
    private static String[] firstTwoWords(String command) {
        String[] words = new String[2];
        int n = 0;
        int i = 0;
        int len = command.length();
        while (n < 2) {
            while (i < len && Character.isWhitespace(command.charAt(i))) {
                i++;
            }
            if (i >= len) {
                break;
            }
            int start = i;
            while (i < len && !Character.isWhitespace(command.charAt(i))) {
                i++;
            }
            words[n++] = command.substring(start, i);
        }
        return n == 2 ? words : new String[] {words[0]};
    }

    /**
     * Null when the agent acts in this JVM, else why it stands aside (for one debug line).
     *
     * @param javaCommand the JVM's {@code sun.java.command}
     * @param onlyIn      B10_TRANSFER_ONLY_IN, or null for the default
     */
    static String standAside(String javaCommand, String onlyIn) {
        String main = mainOf(javaCommand);
        if (onlyIn != null) {
            if (main != null && matchesAny(main, onlyIn)) {
                return null;
            }
            return "this JVM runs " + (main == null ? "no known main class" : main) + ", which B10_TRANSFER_ONLY_IN="
                    + onlyIn + " does not name";
        }
        if (main == null) {
            return null;
        }
        if (isJdkTool(main)) {
            return "this JVM runs a JDK tool (" + main + "), not an application";
        }
        if (isOwnCli(main)) {
            return "this JVM runs b10-transfer's own CLI (" + main + ")";
        }
        return null;
    }

    static boolean isJdkTool(String main) {
        return main.startsWith("com.sun.") || main.startsWith("sun.") || main.startsWith("jdk.")
                || main.startsWith("java.") || main.startsWith("javax.");
    }

    static boolean isOwnCli(String main) {
        if (main.equals(CLI_MAIN) || main.equals(CLI_LAUNCHER)) {
            return true;
        }
        String file = main.substring(main.lastIndexOf('/') + 1);
        return file.startsWith("b10-transfer") && file.toLowerCase(Locale.ROOT).endsWith(".jar");
    }

    /** A jar matches by its path or its file name; a class by its name. */
    static boolean matchesAny(String main, String globs) {
        String file = main.substring(main.lastIndexOf('/') + 1);
        for (String g : globs.split("[;\\s]+")) {
            if (!g.isEmpty() && (glob(g, main) || glob(g, file))) {
                return true;
            }
        }
        return false;
    }

    /** {@code *} and {@code ?} only; no regular expression on the agent's start-up path. */
    static boolean glob(String pattern, String text) {
        int p = 0;
        int t = 0;
        int star = -1;
        int mark = 0;
        while (t < text.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))) {
                p++;
                t++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = t;
            } else if (star >= 0) {
                p = star + 1;
                t = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
