package b10.transfer.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Whether a directory is a mount point, which rename(2) cannot move (EBUSY): its device differs
 * from its parent's, or /proc/self/mountinfo names it (a bind mount of the parent's own device).
 * Elsewhere than Linux, or where neither can be read, a directory is taken not to be one.
 */
final class MountPoints {
    private MountPoints() {
    }

    static boolean isMountPoint(Path dir) {
        Path parent = dir.getParent();
        if (parent == null) {
            return true;
        }
        try {
            Object own = Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            Object above = Files.getAttribute(parent, "unix:dev");
            if (!own.equals(above)) {
                return true;
            }
        } catch (IOException | RuntimeException e) {
            // no unix view here: the mount table alone decides
        }
        return inMountTable(dir);
    }

    private static boolean inMountTable(Path dir) {
        Path table = Path.of("/proc/self/mountinfo");
        if (!Files.isReadable(table)) {
            return false;
        }
        String real;
        try {
            real = dir.toRealPath().toString();
            for (String line : Files.readAllLines(table, StandardCharsets.UTF_8)) {
                // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": the fifth field is the mount point
                String[] f = line.split(" ", 6);
                if (f.length >= 5 && unescape(f[4]).equals(real)) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /** The kernel writes space, tab, newline and backslash in mount points as \040, \011, \012 and \134. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
