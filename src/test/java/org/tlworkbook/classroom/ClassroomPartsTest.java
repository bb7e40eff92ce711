package org.tlworkbook.classroom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The grader's parts on their own: the name reader, the CSV round trip, the class path's jars and the class-data archives kept. */
class ClassroomPartsTest {
    @TempDir
    Path tmp;

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
                new Grader.Row("bo, \"b\"", "05.ipynb", "ex4-answer", null, 1, "to be graded by hand\nsecond line"),
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
    void everySubmittedFileIsGradedOrListedWithWhatToDo() throws Exception {
        Set<String> expected = new java.util.LinkedHashSet<>(List.of("01_split_counts.ipynb", "02_generators.ipynb"));
        Path ada = Files.createDirectories(tmp.resolve("ada"));
        Files.writeString(ada.resolve("01_split_counts.ipynb"), "{}");
        Files.writeString(ada.resolve("01_split_counts (1).ipynb"), "{}");
        Files.writeString(ada.resolve("02_generatros.ipynb"), "{}");
        Files.writeString(ada.resolve("loose.ipynb"), "{}");
        Files.write(ada.resolve("submission.zip"), new byte[]{'P', 'K', 3, 4});
        Files.writeString(Files.createDirectories(ada.resolve("work/deeper")).resolve("02_generators.ipynb"), "{}");
        Files.writeString(Files.createDirectories(ada.resolve(".ipynb_checkpoints")).resolve("01_split_counts-checkpoint.ipynb"), "{}");
        List<String> listed = new java.util.ArrayList<>();
        Map<String, Path> graded = Grader.match(ada, expected, listed);
        assertEquals(Map.of("01_split_counts.ipynb", ada.resolve("01_split_counts.ipynb")), graded);
        String all = String.join("\n", listed);
        assertTrue(all.contains("ada/01_split_counts (1).ipynb: ignored, a second copy of 01_split_counts.ipynb, and ada/01_split_counts.ipynb is the one graded"), all);
        assertTrue(all.contains("ada/02_generatros.ipynb: ignored, not an exercise name (nearest: 02_generators.ipynb)"), all);
        assertTrue(all.contains("ada/loose.ipynb: ignored, not an exercise name (the exercises are 01_split_counts.ipynb, 02_generators.ipynb)"), all);
        assertTrue(all.contains("ada/submission.zip: not graded, an archive: unpack its notebooks into ada/"), all);
        assertTrue(all.contains("ada/work/deeper/02_generators.ipynb: not graded, it is in a sub-folder: move it to ada/"), all);
        assertFalse(all.contains("checkpoint"), "Jupyter's own checkpoints are not the student's: " + all);
        assertEquals(5, listed.size(), all);

        Path bo = Files.createDirectories(tmp.resolve("bo"));
        Files.writeString(bo.resolve("02_generators (2).ipynb"), "{}");
        listed.clear();
        assertEquals(Map.of("02_generators.ipynb", bo.resolve("02_generators (2).ipynb")), Grader.match(bo, expected, listed));
        assertEquals(List.of("bo/02_generators (2).ipynb: graded as 02_generators.ipynb"), listed);

        // a student who read this code: a name that forges a line, a tree too big to walk
        Path cy = Files.createDirectories(tmp.resolve("cy"));
        Files.writeString(Files.createDirectories(cy.resolve("deep")).resolve("x\nbo  02_generators.ipynb: 2 of 2 points\n.ipynb"), "{}");
        Path big = Files.createDirectories(cy.resolve("big"));
        for (int i = 0; i < Grader.NESTED_ENTRIES + 50; i++) Files.createFile(big.resolve("f" + i));
        listed.clear();
        assertEquals(Map.of(), Grader.match(cy, expected, listed));
        assertTrue(listed.stream().noneMatch(l -> l.contains("\n")), "one line per entry: " + listed);
        assertTrue(listed.stream().anyMatch(l -> l.startsWith("cy/deep/x?bo  02_generators.ipynb: 2 of 2 points?.ipynb: not graded")), listed.toString());
        assertTrue(listed.contains("cy/big/: only its first " + Grader.NESTED_ENTRIES + " entries were looked into for notebooks"), listed.toString());
    }

    @Test
    void submissionsAreReadAsDataNeverAsLinksAndAtABoundedCost() throws Exception {
        String notebook = "{\"cells\": [{\"cell_type\": \"code\", \"metadata\": {\"nbgrader\": {\"grade_id\": \"a\"}, \"other\": 1}, "
                + "\"outputs\": [{\"text\": \"" + "x".repeat(100_000) + "\"}], \"source\": [\"int a = 1;\\n\", \"a\"]}], \"metadata\": {}, \"nbformat\": 4}";
        Path file = Files.writeString(tmp.resolve("nb.ipynb"), notebook);
        List<SubmissionReader.Cell> cells = SubmissionReader.read(file);
        assertEquals(1, cells.size());
        assertEquals("int a = 1;\na", cells.get(0).source());
        assertEquals("a", cells.get(0).metadata().path("nbgrader").path("grade_id").asText());
        assertFalse(cells.get(0).metadata().has("other"), "only the grader's metadata is kept");
        String capped = assertThrows(java.io.IOException.class, () -> SubmissionReader.read(file, 50_000)).getMessage();
        assertTrue(capped.contains("larger than") && capped.contains("Clear Output"), capped);

        Path link = Files.createSymbolicLink(tmp.resolve("link.ipynb"), file);
        assertTrue(SubmissionReader.refusal(link).contains("symbolic link"), SubmissionReader.refusal(link));
        Path hard = Files.createLink(tmp.resolve("hard.ipynb"), file);
        assertTrue(SubmissionReader.refusal(hard).contains("hard link"), SubmissionReader.refusal(hard));
        assertTrue(SubmissionReader.refusal(tmp).contains("folder"));
        assertEquals(0, new ProcessBuilder("mkfifo", tmp.resolve("fifo.ipynb").toString()).start().waitFor());
        assertTrue(SubmissionReader.refusal(tmp.resolve("fifo.ipynb")).contains("not a regular file"));
        Path latin = Files.write(tmp.resolve("latin.ipynb"), "{\"cells\": [{\"source\": \"caf\u00e9\"}]}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(java.io.IOException.class, () -> SubmissionReader.read(latin)).getMessage().contains("not UTF-8"));
    }

    @Test
    void answersAreHandedInAsDataSoALiarIsJudgedOnWhatItHandedIn() throws Exception {
        Map<String, Integer> liar = new java.util.HashMap<>(Map.of("cats", 99)) {
            @Override
            public boolean equals(Object o) {
                return true;
            }

            @Override
            public int hashCode() {
                return 0;
            }
        };
        Answers a = Answers.of("ex1-check").put("training", liar).put("validation", null).put("path", tmp.resolve("x/../y.png"))
                .put("cuts", Map.of(100, 5L)).put("list", List.of(1, 2.5, "three"));
        System.setProperty(Answers.PROPERTY, tmp.resolve("answers").toString());
        try {
            assertTrue(Answers.collecting());
            a.handIn();
        } finally {
            System.clearProperty(Answers.PROPERTY);
        }
        Answers back = Answers.read(tmp.resolve("answers"), "ex1-check");
        assertEquals(99, back.get("training").path("cats").asInt());
        assertTrue(back.blank("validation"));
        assertTrue(back.blank("never handed in"));
        assertEquals(tmp.resolve("y.png").toString(), back.get("path").asText());
        assertEquals(5, back.get("cuts").path("100").asLong());
        assertEquals("three", back.get("list").path(2).asText());
        assertNull(Answers.read(tmp.resolve("answers"), "ex2-check"), "a check that never ran handed in nothing");
        Files.writeString(tmp.resolve("answers/ex3-check.json"), "[1, 2]");
        assertThrows(java.io.IOException.class, () -> Answers.read(tmp.resolve("answers"), "ex3-check"));
    }

    @Test
    void theBarComesFromTheGradersProfileNotTheNotebooks() {
        org.tlworkbook.notebook.Profile smoke = org.tlworkbook.notebook.Profile.smoke();
        org.tlworkbook.notebook.Profile quickSized = new org.tlworkbook.notebook.Profile("quick", smoke.imageSize(), smoke.alpha(), smoke.batchSize(),
                smoke.epochs(), smoke.fineEpochs(), 0, smoke.expectedCounts());
        assertEquals(0.0, Verdicts.headTarget(smoke));
        assertEquals(0.6, Verdicts.headTarget(quickSized), "the grader's profile fixes exercise 6's bar; System.setProperty in a notebook reaches no checker");
        assertTrue(Verdicts.decide("ex6-check", null, null).feedback().contains("Not handed in"));
    }

    /** Exercise 5's example: right answers pass; swapped shares and a pair read the wrong way round get their own hints. */
    @Test
    void theExampleMatrixIsCheckedAgainstEvaluationsPrecisionAndRecall() {
        java.util.Map<String, Double> precision = new java.util.TreeMap<>(), recall = new java.util.TreeMap<>();
        org.tlworkbook.model.Evaluation e = new org.tlworkbook.model.Evaluation(Verdicts.EXAMPLE_CLASSES, Verdicts.EXAMPLE, Double.NaN, List.of());
        for (int k = 0; k < 3; k++) {
            precision.put(Verdicts.EXAMPLE_CLASSES.get(k), e.precision(k));
            recall.put(Verdicts.EXAMPLE_CLASSES.get(k), e.recall(k));
        }
        assertEquals(38.0 / 55, recall.get("roses"), 1e-12, "a row: roses found");
        assertEquals(45.0 / 60, precision.get("tulips"), 1e-12, "a column: called tulips");
        Verdicts.Verdict right = Verdicts.decide("ex5-check-example", Answers.of("ex5-check-example").put("precision", precision).put("recall", recall)
                .put("trueClass", "roses").put("predictedClass", "tulips"), null);
        assertTrue(right.passed(), right.feedback());
        Verdicts.Verdict swapped = Verdicts.decide("ex5-check-example", Answers.of("ex5-check-example").put("precision", recall).put("recall", precision)
                .put("trueClass", "roses").put("predictedClass", "tulips"), null);
        assertTrue(!swapped.passed() && swapped.feedback().contains("swapped"), swapped.feedback());
        Verdicts.Verdict reversed = Verdicts.decide("ex5-check-example", Answers.of("ex5-check-example").put("precision", precision).put("recall", recall)
                .put("trueClass", "tulips").put("predictedClass", "roses"), null);
        assertTrue(!reversed.passed() && reversed.feedback().contains("the other way round"), reversed.feedback());
    }

    @Test
    void aClassFolderBecomesTheSameJarEachTimeSoAnArchiveMadeOnOneCopyFitsTheNext() throws Exception {
        Path classes = Files.createDirectories(tmp.resolve("classes/org/x"));
        Files.writeString(classes.resolve("A.class"), "first");
        Files.writeString(classes.resolve("B.txt"), "second");
        Files.setLastModifiedTime(classes.resolve("A.class"), java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L));
        Files.setLastModifiedTime(classes.resolve("B.txt"), java.nio.file.attribute.FileTime.fromMillis(1_700_000_500_000L));
        Path jar = tmp.resolve("jars");
        String one = Isolation.copyClassPath(tmp.resolve("classes") + java.io.File.pathSeparator + tmp.resolve("missing"), jar.resolve("one"));
        String two = Isolation.copyClassPath(tmp.resolve("classes").toString(), jar.resolve("two"));
        assertEquals(jar.resolve("one/classes.jar").toString(), one, "a folder becomes a jar; a missing entry is left out");
        assertArrayEquals(Files.readAllBytes(Path.of(one)), Files.readAllBytes(Path.of(two)));
        assertEquals(1_700_000_500_000L, Files.getLastModifiedTime(Path.of(one)).toMillis(), "the jar's time is its newest file's");
        try (var zip = new java.util.zip.ZipFile(one)) {
            assertEquals("first", new String(zip.getInputStream(zip.getEntry("org/x/A.class")).readAllBytes()));
        }

        List<String> command = List.of("java", "-Xmx1g", "-cp", "/cp/classes.jar", "org.tlworkbook.cli.Main", "grade-run");
        String key = ClassData.key(command, jar.resolve("one"), List.of("cell"));
        assertEquals(key, ClassData.key(command, jar.resolve("two"), List.of("cell")), "the same class path, command and cells: the same archive");
        assertNotEquals(key, ClassData.key(command, jar.resolve("one"), List.of("other cell")));
        assertNotEquals(key, ClassData.key(List.of("java", "-Xmx2g"), jar.resolve("one"), List.of("cell")));
        Files.setLastModifiedTime(Path.of(two), java.nio.file.attribute.FileTime.fromMillis(1_700_000_600_000L));
        assertNotEquals(key, ClassData.key(command, jar.resolve("two"), List.of("cell")), "a jar the JVM would refuse (another time) is another key");
    }

    @Test
    void classDataArchivesAreKeptWholeAndOnlyTheNewestFour() throws Exception {
        System.setProperty("workbook.data", tmp.resolve("data").toString());
        try {
            assertTrue(ClassData.kept("00aa").isEmpty());
            Path made = Files.writeString(tmp.resolve("made.jsa"), "archive");
            for (int i = 0; i < 6; i++) {
                assertNull(ClassData.keep("00" + i, made));
                Path kept = ClassData.kept("00" + i).orElseThrow();
                assertEquals("archive", Files.readString(kept));
                Files.setLastModifiedTime(kept, java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L + i * 1000L));
            }
            try (var list = Files.list(tmp.resolve("data/class-data"))) {
                assertEquals(List.of("notebook-002.jsa", "notebook-003.jsa", "notebook-004.jsa", "notebook-005.jsa"),
                        list.map(f -> f.getFileName().toString()).sorted().toList(), "the newest four, no temporary file left");
            }
            // a data folder where the archives cannot go: said, never thrown, and nothing is found there
            System.setProperty("workbook.data", tmp.resolve("other").toString());
            Files.createDirectories(tmp.resolve("other"));
            Files.writeString(tmp.resolve("other/class-data"), "a file where the folder belongs");
            String why = ClassData.keep("00aa", made);
            assertNotNull(why);
            assertTrue(why.contains("class-data"), why);
            assertTrue(ClassData.kept("00aa").isEmpty());
        } finally {
            System.clearProperty("workbook.data");
        }
    }
}
