package org.tlworkbook.notebook;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.testing.SmokeFixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The exercises in nbgrader's format, their student release, and the grader, on the smoke profile. */
class GraderTest {
    @TempDir
    static Path tmp;
    static final Path SOURCE = Path.of("notebooks/exercises");
    static Path released;

    @BeforeAll
    static void setUp() throws Exception {
        Path mirror = SmokeFixtures.mirror(tmp.resolve("fixtures"));
        System.setProperty("workbook.data", tmp.resolve("data").toString());
        System.setProperty("workbook.mirror", mirror.toString());
        System.setProperty("workbook.profile", "smoke");
        released = tmp.resolve("released");
        Exercises.release(SOURCE, released);
    }

    @AfterAll
    static void clear() {
        for (String p : new String[]{"workbook.data", "workbook.mirror", "workbook.profile"}) System.clearProperty(p);
    }

    /** Lines inside solution regions (and whole solution markdown cells) that say something. */
    static List<String> solutionLines(JsonNode nb) {
        List<String> lines = new ArrayList<>();
        for (JsonNode cell : nb.path("cells")) {
            JsonNode meta = Exercises.nbgrader(cell);
            if (meta == null || !meta.path("solution").asBoolean()) continue;
            boolean inside = false;
            for (String line : NotebookRunner.text(cell.get("source")).split("\n")) {
                if (line.contains("BEGIN SOLUTION")) inside = true;
                else if (line.contains("END SOLUTION")) inside = false;
                else if (inside && line.strip().length() >= 8) lines.add(line.strip());
            }
        }
        return lines;
    }

    @Test
    void eightNbgraderNotebooksAndAReleaseWithoutAnySolutionLine() throws Exception {
        List<Path> sources = NotebookRunner.notebooks(SOURCE);
        assertTrue(sources.size() >= 8, "at least 8 exercises: " + sources);
        int checked = 0;
        for (Path nb : sources) {
            JsonNode doc = Exercises.JSON.readTree(nb.toFile());
            int solutions = 0, checks = 0;
            for (JsonNode cell : doc.path("cells")) {
                JsonNode meta = Exercises.nbgrader(cell);
                assertNotNull(meta, nb + ": every cell carries nbgrader metadata");
                for (String key : new String[]{"grade", "solution", "locked", "grade_id", "schema_version"}) assertTrue(meta.has(key), nb + " " + key);
                if (meta.path("solution").asBoolean()) solutions++;
                if (meta.path("grade").asBoolean()) {
                    checks++;
                    assertTrue(meta.path("locked").asBoolean() && meta.path("points").asDouble() > 0, nb + ": check cells are locked and score points");
                }
            }
            assertTrue(solutions >= 1 && checks >= 1, nb + ": a solution and a check");
            String student = Files.readString(released.resolve(nb.getFileName()));
            for (String line : solutionLines(doc)) {
                assertFalse(student.contains(line.replace("\\", "\\\\").replace("\"", "\\\"")), nb.getFileName() + " leaks: " + line);
                assertFalse(student.contains(line), nb.getFileName() + " leaks: " + line);
                checked++;
            }
            assertTrue(student.contains(Exercises.CODE_STUB), nb + ": stubs in place");
            assertEquals(Exercises.gradeCells(doc), Exercises.gradeCells(Exercises.JSON.readTree(student)), "same checks and points");
        }
        assertTrue(checked > 40, "the leak search covered the solutions: " + checked + " lines");
    }

    @Test
    void solutionsGetFullMarksTheReleaseGetsZeroWithHintsAndAWrongAnswerGetsItsHint() throws Exception {
        Path submissions = tmp.resolve("submissions");
        for (Path nb : NotebookRunner.notebooks(SOURCE)) {
            Files.createDirectories(submissions.resolve("ada"));
            Files.copy(nb, submissions.resolve("ada").resolve(nb.getFileName()));
        }
        Path bob = Files.createDirectories(submissions.resolve("bob"));
        for (Path nb : NotebookRunner.notebooks(released)) Files.copy(nb, bob.resolve(nb.getFileName()));
        Path cy = Files.createDirectories(submissions.resolve("cy"));
        ObjectNode wrong = (ObjectNode) Exercises.JSON.readTree(SOURCE.resolve("03_trainable_parameters.ipynb").toFile());
        for (JsonNode cell : wrong.path("cells")) {
            JsonNode meta = Exercises.nbgrader(cell);
            if (meta != null && meta.path("solution").asBoolean()) {
                String text = NotebookRunner.text(cell.get("source")).replace("? p / 2 : p", "? p : p"); // counts batch norm's moving statistics too
                ((ObjectNode) cell).set("source", Exercises.lines(text));
            }
        }
        Files.writeString(cy.resolve("03_trainable_parameters.ipynb"), wrong.toString());
        Files.writeString(cy.resolve("01_split_counts.ipynb"), Files.readString(SOURCE.resolve("01_split_counts.ipynb")));
        Path grades = tmp.resolve("grades.csv");
        List<Grader.Row> rows = Grader.grade(submissions, SOURCE, grades, new Grader.Limits("1g", Duration.ofMinutes(5), Duration.ofMinutes(2), 2));

        for (Grader.Row r : rows) {
            switch (r.student()) {
                case "ada" -> assertEquals(r.maxPoints(), r.points(), "solution " + r);
                case "bob" -> {
                    assertEquals(0, r.points(), "released " + r);
                    assertTrue(r.feedback().contains("write your code here"), "a hint per cell: " + r);
                }
                default -> { }
            }
        }
        Grader.Row cy3 = rows.stream().filter(r -> r.student().equals("cy") && r.notebook().startsWith("03")).findFirst().orElseThrow();
        assertEquals(0, cy3.points());
        assertTrue(cy3.feedback().contains("moving mean and variance"), cy3.feedback());
        Grader.Row cy1 = rows.stream().filter(r -> r.student().equals("cy") && r.notebook().startsWith("01")).findFirst().orElseThrow();
        assertEquals(cy1.maxPoints(), cy1.points());
        assertTrue(rows.stream().anyMatch(r -> r.student().equals("cy") && r.feedback().equals("notebook not submitted")));

        List<String> csv = Files.readAllLines(grades);
        assertEquals("student,notebook,grade_id,points,max_points,feedback", csv.get(0));
        double max = rows.stream().filter(r -> r.student().equals("ada")).mapToDouble(Grader.Row::maxPoints).sum();
        assertTrue(csv.contains("ada,TOTAL,," + (long) max + "," + (long) max + ","), String.join("\n", csv));
        assertTrue(csv.contains("bob,TOTAL,,0," + (long) max + ","), String.join("\n", csv));
    }

    /** A Java string literal of {@code p}, escaped to sit inside a JSON string. */
    static String javaString(Path p) throws Exception {
        String json = Exercises.JSON.writeValueAsString("\"" + p + "\"");
        return json.substring(1, json.length() - 1);
    }

    @Test
    void anEndlessLoopAndAnOutOfMemoryErrorCostOnlyTheirCellsAndCannotTouchOtherSubmissions() throws Exception {
        Path source = Files.createDirectories(tmp.resolve("hostile-source"));
        Path submissions = tmp.resolve("hostile");
        Path victim = Files.createDirectories(submissions.resolve("victim"));
        Path grades = tmp.resolve("hostile-grades.csv");
        String nb = """
                {"cells": [
                 {"cell_type": "code", "id": "a", "metadata": {"nbgrader": {"grade": true, "grade_id": "loop", "locked": false, "points": 1, "schema_version": 3, "solution": false}},
                  "source": ["while (true) { }"], "outputs": [], "execution_count": null},
                 {"cell_type": "code", "id": "b", "metadata": {"nbgrader": {"grade": true, "grade_id": "oom", "locked": false, "points": 1, "schema_version": 3, "solution": false}},
                  "source": ["java.util.List<long[]> hog = new java.util.ArrayList<>();\\n", "while (true) hog.add(new long[1 << 20]);"], "outputs": [], "execution_count": null},
                 {"cell_type": "code", "id": "c", "metadata": {"nbgrader": {"grade": true, "grade_id": "tamper", "locked": false, "points": 1, "schema_version": 3, "solution": false}},
                  "source": ["hog = null;\\n", "java.nio.file.Files.writeString(java.nio.file.Path.of(%s), \\"overwritten\\");\\n",
                             "java.nio.file.Files.writeString(java.nio.file.Path.of(%s), \\"forged\\");"], "outputs": [], "execution_count": null}
                ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
                """.formatted(javaString(victim.resolve("x.ipynb")), javaString(grades));
        Files.writeString(source.resolve("x.ipynb"), nb);
        Files.createDirectories(submissions.resolve("mallory"));
        Files.writeString(submissions.resolve("mallory/x.ipynb"), nb);
        String victimOriginal = nb.replace("while (true) { }", "int answer = 42;");
        Files.writeString(victim.resolve("x.ipynb"), victimOriginal);

        long t0 = System.nanoTime();
        List<Grader.Row> rows = Grader.grade(submissions, source, grades, new Grader.Limits("256m", Duration.ofMinutes(3), Duration.ofSeconds(4), 1));
        double seconds = (System.nanoTime() - t0) / 1e9;
        Grader.Row loop = rows.get(0), oom = rows.get(1), tamper = rows.get(2);
        assertEquals("mallory", loop.student());
        assertEquals(0, loop.points());
        assertTrue(loop.feedback().contains("longer than its time limit of 4 s"), loop.feedback());
        assertEquals(0, oom.points());
        assertTrue(oom.feedback().contains("OutOfMemoryError"), oom.feedback());
        assertEquals(1, tamper.points(), "the cells after the broken ones still ran: " + tamper.feedback());
        assertTrue(tamper.feedback().contains("restored"), tamper.feedback());
        assertEquals(victimOriginal, Files.readString(victim.resolve("x.ipynb")), "the other submission is as it was");
        assertTrue(Files.readString(grades).startsWith("student,notebook,grade_id"), "the grades file is the grader's");
        assertTrue(seconds < 120, "bounded: " + seconds + " s");
    }
}
