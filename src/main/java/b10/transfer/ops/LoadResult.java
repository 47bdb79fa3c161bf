package b10.transfer.ops;

import b10.transfer.LoadStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/** A load's status with what it did, and the error behind an ERROR. */
public record LoadResult(LoadStatus status, String message, long files, long bytes, long millis, String archive,
                         Throwable error, MissExplanation miss) {
    public LoadResult(LoadStatus status, String message, long files, long bytes, long millis, String archive, Throwable error) {
        this(status, message, files, bytes, millis, archive, error, null);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status.name());
        m.put("message", message);
        m.put("files", files);
        m.put("bytes", bytes);
        m.put("millis", millis);
        m.put("archive", archive);
        if (miss != null) {
            m.put("miss", miss.toMap());
        }
        return m;
    }
}
