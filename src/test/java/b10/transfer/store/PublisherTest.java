package b10.transfer.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The publisher's promises as a table, in a real directory: the old file or the new one, whole, and no temporary left. */
class PublisherTest {
    @TempDir
    Path dir;

    /** How a publish goes, and what the final name must then hold. */
    private record Row(String name, Publisher.Body body, Publisher.BeforeRename beforeRename, String expected, boolean fails) {
    }

    private static Publisher.Body writing(String text) {
        return out -> out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void publish_leavesTheOldFileOrTheNewOneWhole_andNoTemporary() throws Exception {
        List<Row> rows = List.of(
                new Row("whole body", writing("new"), null, "new", false),
                new Row("body fails half way", out -> {
                    out.write("ne".getBytes(StandardCharsets.UTF_8));
                    throw new IOException("disk full");
                }, null, "old", true),
                new Row("the step before the rename fails", writing("new"), temp -> {
                    throw new IOException("index not written");
                }, "old", true),
                new Row("body throws unchecked", out -> {
                    throw new IllegalStateException("bug");
                }, null, "old", true));
        for (Row row : rows) {
            Path target = dir.resolve("archive.tar.zst");
            Files.writeString(target, "old");
            if (row.fails()) {
                assertThrows(Exception.class, () -> Publisher.publish(dir, "archive.tar.zst", row.body(), row.beforeRename()), row.name());
            } else {
                assertEquals(target, Publisher.publish(dir, "archive.tar.zst", row.body(), row.beforeRename()), row.name());
            }
            assertEquals(row.expected(), Files.readString(target), row.name());
            assertEquals(Set.of("archive.tar.zst"), names(), "no temporary left: " + row.name());
        }
    }

    @Test
    void createOnly_placesTheFirst_andRefusesWhereATargetExists_leavingTheTemporaryToTheCaller() throws Exception {
        Path first = dir.resolve(Publisher.temporaryName("base"));
        Files.writeString(first, "first");
        assertTrue(Publisher.createOnly(first, dir.resolve("base")));
        assertFalse(Files.exists(first), "the temporary's name is removed once linked");

        Path second = dir.resolve(Publisher.temporaryName("base"));
        Files.writeString(second, "second");
        assertFalse(Publisher.createOnly(second, dir.resolve("base")));
        assertEquals("first", Files.readString(dir.resolve("base")), "the first stays");
        assertTrue(Files.exists(second), "the refused temporary is the caller's (a layer, say)");
    }

    @Test
    void temporaryNames_areTemporaries_andNeverTheFinalName() {
        String t = Publisher.temporaryName("cache_abc.latest.tar.zst");
        assertTrue(StoreNames.isTemporary(t), t);
        assertFalse(StoreNames.isTemporary("cache_abc.latest.tar.zst"));
        assertFalse(t.equals(Publisher.temporaryName("cache_abc.latest.tar.zst")), "unique per call");
    }

    @Test
    void publishSmall_replacesWhole() throws Exception {
        Publisher.publishSmall(dir, "cache_abc.key", "one".getBytes(StandardCharsets.UTF_8));
        Publisher.publishSmall(dir, "cache_abc.key", "two".getBytes(StandardCharsets.UTF_8));
        assertEquals("two", Files.readString(dir.resolve("cache_abc.key")));
        assertEquals(Set.of("cache_abc.key"), names());
    }

    private Set<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
