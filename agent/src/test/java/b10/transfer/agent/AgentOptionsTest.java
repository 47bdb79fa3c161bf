package b10.transfer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgentOptionsTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "ENABLED=false                  | null  | null  | true",
            "B10_TRANSFER_ENABLED=off       | null  | null  | true",
            "null                           | null  | false | true",
            "null                           | null  | 0     | true",
            "ENABLED=true                   | null  | false | false", // the option wins over the environment
            "null                           | false | null  | true",  // the system property
            "null                           | true  | false | false", // the property wins over the environment
            "ENABLED=true                   | false | null  | false", // the option wins over the property
            "null                           | null  | null  | false",
            "null                           | null  | maybe | false", // not a boolean: left to the settings' error
            "SAVE_ON_EXIT=false             | null  | null  | false",
    })
    void disabled_isReadFromTheOptionThenThePropertyThenTheEnvironment(String args, String property, String env,
                                                                       boolean disabled) {
        List<String> problems = new ArrayList<>();
        Map<String, String> options = AgentOptions.parse(args, problems);
        assertEquals(disabled, AgentOptions.disabled(options, property, env));
        assertEquals(List.of(), problems);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "RESTORE=background,SAVE_AFTER_QUIET_S=30 | 2 | 0",
            "=FOO=1,SAVE_ON_EXIT=false                | 1 | 1",
            "ONLY_IN=a.B;c.D , ,LOG_LEVEL=debug       | 2 | 0",
            "noValue                                  | 0 | 1",
    })
    void parse_keepsWellFormedItems_andReportsEachMalformedOne(String args, int kept, int reported) {
        List<String> problems = new ArrayList<>();
        assertEquals(kept, AgentOptions.parse(args, problems).size());
        assertEquals(reported, problems.size(), problems.toString());
    }
}
