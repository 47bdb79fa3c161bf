package b10.transfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import b10.transfer.Version;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The CLI's conventions, checked in process (no command here reaches a store). */
class MainTest {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void version_printsTheBuildsVersion() {
        assertEquals(0, run("--version"));
        assertTrue(out().startsWith("b10-transfer " + Version.get() + " (Java "), out());
        assertFalse(Version.get().equals("unknown"), "the build writes the version resource");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // command line                          | what the one line names
            "key --force                             | key has no option --force",
            "key --backend jna                       | key has no option --backend",
            "load --froce                            | load has no option --froce; did you mean --force?",
            "save --progress-intervall 3             | did you mean --progress-interval?",
            "laod                                    | unknown command laod; did you mean load?",
            "list extra                              | list takes no argument 'extra'",
    })
    void aCommandLineThatIsNotValid_isRefusedWithExit2_namingTheNearestValidName(String line, String named) {
        assertEquals(2, run(line.split(" ")));
        assertTrue(err().contains(named), err());
        assertEquals("", out());
    }

    @Test
    void commandHelp_namesThatCommandsOptionsOnly() {
        assertEquals(0, run("probe", "--help"));
        assertTrue(out().contains("probe") && out().contains("--backend"), out());
        assertFalse(out().contains("--force") || out().contains("  save "), out());
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path tmp;

    @Test
    void keygen_writesAKeyPairAndNamesItsId_andRefusesToReplaceIt() throws Exception {
        java.nio.file.Path dir = tmp.resolve("keys");
        assertEquals(0, run("keygen", dir.toString(), "--json"), err());
        String id = b10.transfer.trust.SigningKey.load(dir.resolve("b10-signing-key.pem")).id();
        assertTrue(out().contains("\"key_id\":\"" + id + "\""), out());
        assertEquals(1, run("keygen", dir.toString()));
        assertTrue(err().contains("not replaced"), err());
        assertEquals(2, run("keygen"));
    }
}
