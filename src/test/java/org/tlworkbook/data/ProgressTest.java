package org.tlworkbook.data;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ProgressTest {
    /** Records each write the reporter makes: a Jupyter kernel sends every write as its own message. */
    static final class Writes extends OutputStream {
        final List<String> writes = new ArrayList<>();

        @Override
        public void write(int b) {
            writes.add(String.valueOf((char) b));
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writes.add(new String(b, off, len, StandardCharsets.UTF_8));
        }
    }

    @Test
    void pipedOutputGetsSparseWholeLinesAndOneFinalLine() {
        Writes w = new Writes();
        Progress p = new Progress.Console(new PrintStream(w, true, StandardCharsets.UTF_8), false);
        p.start("featurize", 100, "images");
        for (int i = 0; i < 100; i++) p.advance(1);
        p.done();
        assertTrue(w.writes.size() <= 12, "about one line per 10%: " + w.writes);
        for (String s : w.writes) assertTrue(s.endsWith(System.lineSeparator()) && s.indexOf('\n') == s.length() - 1, "one whole line per write: " + s);
        assertTrue(w.writes.get(w.writes.size() - 1).startsWith("featurize: 100% 100/100 images"), w.writes.toString());
        assertEquals(1, w.writes.stream().filter(s -> s.contains("100%")).count(), "the end is said once");
    }

    @Test
    void slowWorkShowsAFractionalRateAndFastWorkAWholeOne() {
        assertEquals("Epoch 1/2:  11% 7/63 batches (9.3s, 0.8 batches/s)", Progress.describe("Epoch 1/2", 7, 63, "batches", 9.3));
        assertEquals("featurize:  45% 900/2000 images (3.0s, 300 images/s)", Progress.describe("featurize", 900, 2000, "images", 3.0));
        assertEquals("download:   0% 0/10 B (0.2s)", Progress.describe("download", 0, 10, "B", 0.2));
    }

    @Test
    void aTerminalLineIsRedrawnInPlaceAndEndsWithANewline() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Progress p = new Progress.Console(new PrintStream(out, true, StandardCharsets.UTF_8), true);
        p.start("download", 10, "B");
        p.advance(10);
        p.done();
        String s = out.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("\rdownload:   0% 0/10 B"), s);
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), "only the final state ends the line: " + s);
        assertTrue(s.matches("(?s).*\\r\\Qdownload: 100% 10/10 B (\\E[0-9.]+s[^)]*\\)" + System.lineSeparator()), s);
    }
}
