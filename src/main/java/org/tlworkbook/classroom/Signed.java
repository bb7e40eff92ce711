package org.tlworkbook.classroom;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The grading host's report channel: numbered JSON lines, each with an HMAC-SHA256 under a key the grader makes
 * per notebook and hands over on the host's standard input (never on a command line, in the environment or in a
 * file). Code of a submission runs in another JVM and never sees the key, so a line it writes into the channel
 * (through {@code /proc}, say) fails verification, and a dropped or replayed line breaks the numbering.
 */
final class Signed {
    private final Mac mac;
    private long next;

    Signed(byte[] key) {
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] newKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }

    /** {@code record} numbered and signed, as one line (without its line break). */
    synchronized String sign(ObjectNode record) {
        record.put("seq", next++);
        String json = compact(record);
        return json + "\t" + HexFormat.of().formatHex(mac.doFinal(json.getBytes(StandardCharsets.UTF_8)));
    }

    /** The record of a line this channel's next number, or null when the line is not the host's. */
    synchronized JsonNode verify(String line) {
        int tab = line.lastIndexOf('\t');
        if (tab < 0) return null;
        String json = line.substring(0, tab);
        byte[] expected = mac.doFinal(json.getBytes(StandardCharsets.UTF_8));
        byte[] given;
        try {
            given = HexFormat.of().parseHex(line.substring(tab + 1).strip());
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (!MessageDigest.isEqual(expected, given)) return null;
        try {
            JsonNode record = Exercises.JSON.readTree(json);
            if (record.path("seq").asLong(-1) != next) return null;
            next++;
            return record;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    static String compact(JsonNode node) {
        try {
            return Exercises.JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(node);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
