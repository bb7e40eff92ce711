package org.tlworkbook.classroom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The grader's parts on their own: the signed channel, the name reader, the CSV round trip and the fingerprints. */
class ClassroomPartsTest {
    @TempDir
    Path tmp;

    @Test
    void theChannelTakesOnlyTheHostsLinesInOrder() {
        byte[] key = Signed.newKey();
        Signed host = new Signed(key), grader = new Signed(key), stranger = new Signed(Signed.newKey());
        String first = host.sign(Exercises.JSON.createObjectNode().put("type", "check").put("passed", false));
        String second = host.sign(Exercises.JSON.createObjectNode().put("type", "end"));
        assertNull(grader.verify(stranger.sign(Exercises.JSON.createObjectNode().put("type", "check").put("passed", true))), "another key");
        assertNull(grader.verify(first.replace("false", "true ")), "an edited line");
        assertNull(grader.verify(second), "out of order");
        JsonNode r = grader.verify(first);
        assertNotNull(r);
        assertFalse(r.path("passed").asBoolean());
        assertNull(grader.verify(first), "replayed");
        assertEquals("end", grader.verify(second).path("type").asText());
        assertNull(grader.verify("{\"type\":\"end\"}"), "unsigned");
    }

    @Test
    void namesAreReadFromCodeNotFromCommentsOrStrings() {
        String cell = """
                // Check.splitCounts(trainCounts, valCounts) in a comment
                String s = "Check org classroom";
                /* folder = null; */
                var x = folder.summary(); Map<String, Integer> m = Map.of();
                char c = '"'; int y = base . countParams();
                """;
        Set<String> free = Names.free(cell);
        assertTrue(free.containsAll(Set.of("String", "folder", "Map", "Integer", "base", "var", "x", "m", "c", "y")), free.toString());
        assertFalse(free.contains("Check") || free.contains("classroom") || free.contains("summary") || free.contains("countParams"), free.toString());
        assertTrue(Names.all(cell).contains("countParams"));
        assertFalse(Names.all(cell).contains("splitCounts"));
    }

    @Test
    void gradesSurviveTheirOwnCsv() {
        List<Grader.Row> rows = List.of(new Grader.Row("ada", "01.ipynb", "ex1", 2.0, 2, "passed"),
                new Grader.Row("bo, \"b\"", "05.ipynb", "ex5-answer", null, 1, "to be graded by hand\nsecond line"),
                new Grader.Row("bo, \"b\"", "05.ipynb", "ex5", 0.5, 3, "a hint, with \"quotes\""));
        List<Grader.Row> back = Feedback.parseGrades(Feedback.gradesCsv(rows));
        assertEquals(3, back.size());
        assertEquals(rows.get(0), back.get(0));
        assertEquals("bo, \"b\"", back.get(1).student());
        assertNull(back.get(1).points());
        assertEquals("to be graded by hand second line", back.get(1).feedback());
        assertEquals(0.5, back.get(2).points());
        assertTrue(Feedback.gradesCsv(rows).contains("\"bo, \"\"b\"\"\",TOTAL,,0.50,4,"), Feedback.gradesCsv(rows));

        // a student folder named like a formula is written so a spreadsheet shows it as text, and reads back as itself
        List<Grader.Row> formula = List.of(new Grader.Row("=HYPERLINK(\"http://x\")", "01.ipynb", "ex1", 1.0, 2, "-1 point: see hint"));
        String grades = Feedback.gradesCsv(formula);
        assertTrue(grades.contains("\"'=HYPERLINK(\"\"http://x\"\")\"") && grades.contains("'-1 point"), grades);
        assertEquals(formula, Feedback.parseGrades(grades));
        String book = Feedback.gradebookCsv(formula, java.util.Map.of("01.ipynb", 2.0));
        assertTrue(book.lines().skip(1).noneMatch(l -> l.startsWith("=")), book);
    }

    @Test
    void fingerprintsSeeRewritesThatKeepSizeAndTime() throws Exception {
        Path f = Files.writeString(tmp.resolve("a.txt"), "abc");
        Files.writeString(tmp.resolve(".lock"), "");
        Isolation.Fingerprint before = Isolation.Fingerprint.of(tmp);
        var mtime = Files.getLastModifiedTime(f);
        Thread.sleep(20);
        Files.writeString(f, "xyz");
        Files.setLastModifiedTime(f, mtime); // a careful forger puts the time back; the change time still moves
        Files.writeString(tmp.resolve(".lock"), "held");
        Files.writeString(tmp.resolve("b.txt"), "new");
        List<String> changes = Isolation.Fingerprint.of(tmp).changesSince(before);
        assertEquals(List.of("a.txt (changed)", "b.txt (added)"), changes);
    }
}
