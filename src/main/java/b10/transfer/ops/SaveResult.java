package b10.transfer.ops;

import b10.transfer.SaveStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/** A save's status with what it wrote, and the error behind an ERROR. */
public record SaveResult(SaveStatus status, String message, long files, long bytes, long archiveBytes, long millis,
                         String archive, Throwable error) {
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status.name());
        m.put("message", message);
        m.put("files", files);
        m.put("bytes", bytes);
        m.put("archive_bytes", archiveBytes);
        m.put("millis", millis);
        m.put("archive", archive);
        return m;
    }
}
