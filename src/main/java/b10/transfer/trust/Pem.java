package b10.transfer.trust;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** PEM blocks as openssl writes them: {@code -----BEGIN <TYPE>-----}, base64 lines, {@code -----END <TYPE>-----}. */
final class Pem {
    record Block(String type, byte[] der) {
    }

    private Pem() {
    }

    static List<Block> read(String text) {
        List<Block> out = new ArrayList<>();
        int at = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", at);
            if (begin < 0) {
                return out;
            }
            int typeEnd = text.indexOf("-----", begin + 11);
            if (typeEnd < 0) {
                return out;
            }
            String type = text.substring(begin + 11, typeEnd);
            String endMarker = "-----END " + type + "-----";
            int end = text.indexOf(endMarker, typeEnd + 5);
            if (end < 0) {
                throw new IllegalArgumentException("a PEM block " + type + " has no END line");
            }
            String body = text.substring(typeEnd + 5, end).replaceAll("\\s", "");
            out.add(new Block(type, Base64.getDecoder().decode(body)));
            at = end + endMarker.length();
        }
    }

    static String write(String type, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
    }
}
