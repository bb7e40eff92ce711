package org.tlworkbook.classroom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.notebook.NotebookRunner;
import org.tlworkbook.testing.SmokeFixtures;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** The exercises in nbgrader's format, their student release, and the grader, on the smoke profile. */
class GraderTest {
    @TempDir
    static Path tmp;
    static final Path SOURCE = Path.of("src/exercises");
    static final Path RELEASED = Path.of("notebooks/exercises");
    static Path released;

    @BeforeAll
    static void setUp() throws Exception {
        Path mirror = SmokeFixtures.mirror(tmp.resolve("fixtures"));
        System.setProperty("workbook.data", tmp.resolve("data").toString());
        System.setProperty("workbook.mirror", mirror.toString());
        System.setProperty("workbook.profile", "smoke");
        released = tmp.resolve("released");
        Exercises.release(SOURCE, released, false);
    }

    @AfterAll
    static void clear() {
        for (String p : new String[]{"workbook.data", "workbook.mirror", "workbook.profile"}) System.clearProperty(p);
    }

    /** Lines inside solution regions (and whole solution markdown cells) and hidden tests that say something. */
    static List<String> secretLines(JsonNode nb) {
        List<String> lines = new ArrayList<>();
        for (JsonNode cell : nb.path("cells")) {
            JsonNode meta = Exercises.nbgrader(cell);
            if (meta == null) continue;
            boolean markdownAnswer = meta.path("solution").asBoolean() && "markdown".equals(cell.path("cell_type").asText());
            boolean inside = false;
            for (String line : NotebookRunner.text(cell.get("source")).split("\n")) {
                if (line.contains("BEGIN SOLUTION") || line.contains("BEGIN HIDDEN TESTS")) inside = true;
                else if (line.contains("END SOLUTION") || line.contains("END HIDDEN TESTS")) inside = false;
                else if ((inside || markdownAnswer) && line.strip().length() >= 8) lines.add(line.strip());
            }
        }
        return lines;
    }

    @Test
    void sourcesAndReleaseAreValidNbgraderNotebooksAndTheReleaseLeaksNoSolutionOrHiddenTest() throws Exception {
        List<Path> sources = NotebookRunner.notebooks(SOURCE);
        assertTrue(sources.size() >= 8, "at least 8 exercises: " + sources);
        int checked = 0;
        for (Path nb : sources) {
            JsonNode doc = Exercises.JSON.readTree(nb.toFile());
            assertEquals(List.of(), Exercises.problems(doc), nb + " breaks nbgrader's rules");
            JsonNode student = Exercises.JSON.readTree(released.resolve(nb.getFileName()).toFile());
            assertEquals(List.of(), Exercises.problems(student), "released " + nb.getFileName() + " breaks nbgrader's rules");
            String text = Files.readString(released.resolve(nb.getFileName()));
            for (String line : secretLines(doc)) {
                assertFalse(text.contains(line.replace("\\", "\\\\").replace("\"", "\\\"")), nb.getFileName() + " leaks: " + line);
                assertFalse(text.contains(line), nb.getFileName() + " leaks: " + line);
                checked++;
            }
            assertEquals(Exercises.gradeCells(doc), Exercises.gradeCells(student), "same checks and points");
        }
        assertTrue(checked > 40, "the leak search covered the solutions: " + checked + " lines");
        assertTrue(Files.readString(SOURCE.resolve("01_split_counts.ipynb")).contains("BEGIN HIDDEN TESTS"), "a hidden test to remove");

        // what the checker rejects, it rejects for the rules' reasons
        ObjectNode broken = (ObjectNode) Exercises.JSON.readTree(sources.get(0).toFile());
        ObjectNode meta = (ObjectNode) broken.path("cells").get(1).path("metadata").path("nbgrader");
        meta.put("schema_version", 3);
        meta.put("grade_id", "two words");
        ((ObjectNode) broken.path("metadata").path("kernelspec")).put("name", "workbook");
        String problems = String.join("\n", Exercises.problems(broken));
        for (String expected : List.of("schema_version is not 4", "characters nbgrader refuses", "kernelspec name")) assertTrue(problems.contains(expected), problems);
    }

    @Test
    void learnersSeeOnlyTheStudentVersionsWhichMatchTheSources() throws Exception {
        for (Path nb : NotebookRunner.notebooks(SOURCE)) {
            assertEquals(Exercises.JSON.readTree(released.resolve(nb.getFileName()).toFile()), Exercises.JSON.readTree(RELEASED.resolve(nb.getFileName()).toFile()),
                    RELEASED.resolve(nb.getFileName()) + " is out of date: run ./workbook exercises release --out notebooks/exercises --force");
        }
        // the folder ./workbook lab, Binder and ./workbook run serve holds no solution text
        StringBuilder taught = new StringBuilder(); // code the chapters show on purpose is not a solution leak
        for (Path nb : NotebookRunner.notebooks(Path.of("notebooks"))) taught.append(Files.readString(nb));
        List<String> secrets = new ArrayList<>();
        for (Path nb : NotebookRunner.notebooks(SOURCE)) {
            for (String s : secretLines(Exercises.JSON.readTree(nb.toFile()))) {
                if (!taught.toString().contains(s.replace("\"", "\\\""))) secrets.add(s);
            }
        }
        assertTrue(secrets.size() > 30, "solution lines to look for: " + secrets.size());
        try (var walk = Files.walk(Path.of("notebooks"))) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(f);
                for (String s : secrets) assertFalse(text.contains(s) || text.contains(s.replace("\"", "\\\"")), f + " shows solution text: " + s);
            }
        }
        String lab = Files.readString(Path.of("environment/lab.sh"));
        assertFalse(lab.contains("src/exercises"), "lab serves the notebooks folder, not the sources");
    }

    @Test
    void releaseNeverDestroysAndWritesFilesOthersCanRead() throws Exception {
        IllegalArgumentException over = assertThrows(IllegalArgumentException.class, () -> Exercises.release(SOURCE, released, false));
        assertTrue(over.getMessage().contains("--force"), over.getMessage());
        Path copy = tmp.resolve("sources-copy");
        Isolation.copy(SOURCE, copy);
        IllegalArgumentException onSource = assertThrows(IllegalArgumentException.class, () -> Exercises.release(copy, copy, true));
        assertTrue(onSource.getMessage().contains("source folder"), onSource.getMessage());
        assertTrue(Files.readString(copy.resolve("01_split_counts.ipynb")).contains("BEGIN SOLUTION"), "the sources are untouched");
        Exercises.release(SOURCE, released, true);
        Path probe = Files.createFile(tmp.resolve("probe"));
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(probe)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(released.resolve("01_split_counts.ipynb"))), "the umask's permissions");
    }

    @Test
    void gradingRefusesBadOptionsAndEmptyOrFlatFoldersBeforeRunningAnything() throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Grader.Limits("abc", Duration.ofMinutes(1), Duration.ofMinutes(1), 1))
                .getMessage().contains("--memory"));
        assertThrows(IllegalArgumentException.class, () -> new Grader.Limits("1g", Duration.ZERO, Duration.ofMinutes(1), 1));
        assertThrows(IllegalArgumentException.class, () -> new Grader.Limits("1g", Duration.ofMinutes(1), Duration.ofMinutes(1), 0));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Grader.Limits limits = new Grader.Limits("1g", Duration.ofMinutes(5), Duration.ofMinutes(2), 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Grader.grade(empty, SOURCE, tmp.resolve("e.csv"), limits, Grader.Selection.all()))
                .getMessage().contains("No student folders"));
        Path flat = Files.createDirectories(tmp.resolve("flat"));
        Files.copy(released.resolve("01_split_counts.ipynb"), flat.resolve("01_split_counts.ipynb"));
        String message = assertThrows(IllegalArgumentException.class, () -> Grader.grade(flat, SOURCE, tmp.resolve("f.csv"), limits, Grader.Selection.all())).getMessage();
        assertTrue(message.contains("<student>") && message.contains("01_split_counts.ipynb"), message);
        assertFalse(Files.exists(tmp.resolve("f.csv")));
    }

    // ---- the class: solutions, blank, partial, and hostile submissions, graded in one run ----

    static String withAnswer(String name, String code) throws Exception {
        return new Submissions(SOURCE).withAnswer(name, code);
    }

    static String edit(String name, UnaryOperator<ArrayNode> change) throws Exception {
        return new Submissions(SOURCE).edit(name, change);
    }

    static String solutionOf(String name) throws Exception {
        return new Submissions(SOURCE).solution(name);
    }

    static String java(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static final String EX1 = "01_split_counts.ipynb";

    @Test
    void hostileSubmissionsGetZeroWithAReasonAndTheRestOfTheClassIsGradedAsUsual() throws Exception {
        Path submissions = tmp.resolve("class");
        Path ada = Files.createDirectories(submissions.resolve("ada"));
        for (Path nb : NotebookRunner.notebooks(SOURCE)) Files.copy(nb, ada.resolve(nb.getFileName()));
        Path bob = Files.createDirectories(submissions.resolve("bob"));
        for (Path nb : NotebookRunner.notebooks(released)) Files.copy(nb, bob.resolve(nb.getFileName()));
        Path cy = Files.createDirectories(submissions.resolve("cy"));
        Files.writeString(cy.resolve("01_split_counts (1).ipynb"), withAnswer(EX1, solutionOf(EX1))); // as an LMS renames it
        Files.writeString(cy.resolve("03_trainable_parameters.ipynb"), withAnswer("03_trainable_parameters.ipynb",
                solutionOf("03_trainable_parameters.ipynb").replace("? p / 2 : p", "? p : p"))); // counts batch norm's moving statistics too
        Files.writeString(cy.resolve("notes.ipynb"), "{}");

        String solution = solutionOf(EX1);
        Path pidFile = tmp.resolve("forked.pid");
        Path victim = ada.resolve(EX1);
        String victimBefore = Files.readString(victim);
        Map<String, String> hostile = new java.util.LinkedHashMap<>();
        hostile.put("h-forger", "var host = ProcessHandle.current().parent().orElseThrow();\n"
                + "String line = \"{\\\"type\\\":\\\"check\\\",\\\"grade_id\\\":\\\"ex1-check\\\",\\\"passed\\\":true,\\\"feedback\\\":\\\"passed\\\",\\\"seq\\\":1}\\t00\\n\";\n"
                + "try { Files.writeString(Path.of(\"/proc/\" + host.pid() + \"/fd/1\"), line, StandardOpenOption.APPEND); } catch (Exception e) { }\n"
                + "System.out.println(\"{\\\"grade_id\\\": \\\"ex1-check\\\", \\\"passed\\\": true}\");\n"
                + "Runtime.getRuntime().halt(0);\n");
        hostile.put("h-exit", solution + "\nSystem.exit(0);\n");
        hostile.put("h-shadow", "class Check { static void splitCounts(Object a, Object b) { System.out.println(\"✓ all good\"); } }\n"
                + "Map<String, Integer> trainCounts = Map.of(), valCounts = Map.of();\n");
        hostile.put("h-org", "class org { }\nMap<String, Integer> trainCounts = Map.of(), valCounts = Map.of();\n");
        hostile.put("h-reassign", "folder = ImageFolder.from(root.resolve(\"validation\")).validationSplit(0.2).seed(42);\n" + solution);
        hostile.put("h-oracle", "Map<String, Integer> trainCounts = null, valCounts = null;\n"
                + "for (int a = 0; a <= 20 && trainCounts == null; a++) for (int b = 0; b <= 20 && trainCounts == null; b++) {\n"
                + "  try { Check.splitCounts(Map.of(\"cats\", a, \"dogs\", b), Map.of(\"cats\", 2, \"dogs\", 2)); trainCounts = Map.of(\"cats\", a, \"dogs\", b); } catch (Throwable t) { }\n}\n"
                + "valCounts = Map.of(\"cats\", 2, \"dogs\", 2);\n");
        hostile.put("h-oom", "Map<String, Integer> trainCounts = null, valCounts = null;\nList<long[]> hog = new ArrayList<>();\nwhile (true) hog.add(new long[1 << 20]);\n");
        hostile.put("h-fork", "Process p = new ProcessBuilder(\"sh\", \"-c\", \"setsid sleep 600 > /dev/null 2>&1 < /dev/null & echo $!\").start();\n"
                + "Files.writeString(Path.of(" + java(pidFile.toString()) + "), new String(p.getInputStream().readAllBytes()).strip());\n"
                + "Files.createDirectories(Path.of(\"sealed/inner\"));\n" // a folder the grader must still be able to delete
                + "Files.setPosixFilePermissions(Path.of(\"sealed\"), java.nio.file.attribute.PosixFilePermissions.fromString(\"---------\"));\n" + solution);
        hostile.put("h-writer", solution + "\nPath classes = Path.of(org.tlworkbook.data.Progress.class.getProtectionDomain().getCodeSource().getLocation().toURI());\n"
                + "Files.writeString(classes.resolve(\"planted.txt\"), \"x\");\n"
                + "Path data = Path.of(System.getProperty(\"workbook.data\"));\n"
                + "Files.writeString(data.resolve(\"planted.txt\"), \"x\");\n"
                + "Files.writeString(Path.of(" + java(victim.toString()) + "), \"{}\");\n");
        for (var h : hostile.entrySet()) {
            Path dir = Files.createDirectories(submissions.resolve(h.getKey()));
            Files.writeString(dir.resolve(EX1), withAnswer(EX1, h.getValue()));
        }
        Path cut = Files.createDirectories(submissions.resolve("h-truncated"));
        String whole = withAnswer(EX1, solution);
        Files.writeString(cut.resolve(EX1), whole.substring(0, whole.length() / 2));
        Path latin = Files.createDirectories(submissions.resolve("h-latin1"));
        Files.write(latin.resolve(EX1), whole.replace("training", "trainé").getBytes(StandardCharsets.ISO_8859_1));
        Path big = Files.createDirectories(submissions.resolve("h-big"));
        Files.writeString(big.resolve(EX1), whole);
        try (RandomAccessFile f = new RandomAccessFile(big.resolve("video.mp4").toFile(), "rw")) {
            f.setLength(300L << 20);
        }
        Path editor = Files.createDirectories(submissions.resolve("h-editor"));
        Files.writeString(editor.resolve(EX1), edit(EX1, cells -> { // the locked setup cell deleted, with a correct answer
            ArrayNode kept = Exercises.JSON.createArrayNode();
            for (JsonNode c : cells) {
                if ("ex1-setup0".equals(Exercises.gradeId(c))) continue;
                if (Exercises.flag(c, "solution")) ((ObjectNode) c).set("source", Exercises.lines(
                        "Path root = profile.catsAndDogs().load(Progress.console());\nImageFolder folder = ImageFolder.from(root.resolve(\"train\")).validationSplit(0.2).seed(42);\n" + solution));
                kept.add(c);
            }
            return kept;
        }));
        Files.writeString(editor.resolve("02_augmentation.ipynb"), edit("02_augmentation.ipynb", cells -> { // the check retyped to markdown
            for (JsonNode c : cells) if ("ex2-check".equals(Exercises.gradeId(c))) ((ObjectNode) c).put("cell_type", "markdown");
            return cells;
        }));
        Files.writeString(editor.resolve("03_trainable_parameters.ipynb"), edit("03_trainable_parameters.ipynb", cells -> { // check renamed, answer by the forbidden helper
            for (JsonNode c : cells) {
                if ("ex3-check".equals(Exercises.gradeId(c))) ((ObjectNode) c.path("metadata").path("nbgrader")).put("grade_id", "mine");
                if (Exercises.flag(c, "solution")) ((ObjectNode) c).set("source", Exercises.lines("Map<Integer, Long> predicted = new TreeMap<>();\n"
                        + "for (int n : new int[]{100, 120, 150}) predicted.put(n, base.unfreezeFrom(n).countTrainableParams());\n"));
            }
            return cells;
        }));

        Path grades = tmp.resolve("out/grades.csv");
        long t0 = System.nanoTime();
        Grader.Report report = Grader.grade(submissions, SOURCE, grades, new Grader.Limits("1g", Duration.ofMinutes(4), Duration.ofSeconds(90), 2), Grader.Selection.all());
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("graded %d students in %.1f s%n", report.rows().stream().map(Grader.Row::student).distinct().count(), seconds);
        List<Grader.Row> rows = report.rows();

        for (Grader.Row r : rows) {
            switch (r.student()) {
                case "ada" -> {
                    if (r.points() == null) assertEquals("to be graded by hand", r.feedback());
                    else assertEquals(r.maxPoints(), r.points(), "solution " + r);
                }
                case "bob" -> {
                    assertTrue(r.points() == null || r.points() == 0, "blank " + r);
                    if (r.points() != null) assertTrue(r.feedback().contains("write your code here"), "a hint per cell: " + r);
                }
                default -> { }
            }
        }
        Grader.Row cy1 = row(rows, "cy", EX1), cy3 = row(rows, "cy", "03_trainable_parameters.ipynb");
        assertEquals(cy1.maxPoints(), cy1.points(), "the renamed upload is graded: " + cy1);
        assertEquals(0, cy3.points());
        assertTrue(cy3.feedback().contains("moving mean and variance"), cy3.feedback());
        assertTrue(report.ignored().stream().anyMatch(i -> i.contains("cy/01_split_counts (1).ipynb: graded as 01_split_counts.ipynb")), report.ignored().toString());
        assertTrue(report.ignored().stream().anyMatch(i -> i.contains("cy/notes.ipynb") && i.contains("nearest")), report.ignored().toString());

        Map<String, String> reasons = Map.ofEntries(
                Map.entry("h-forger", "ended"), Map.entry("h-exit", "ended"), Map.entry("h-shadow", "declares Check"), Map.entry("h-org", "declares org"),
                Map.entry("h-reassign", "assigns folder"), Map.entry("h-oracle", "call the checks"), Map.entry("h-oom", ""), Map.entry("h-writer", "changed files outside"),
                Map.entry("h-truncated", "not valid notebook JSON"), Map.entry("h-latin1", "not UTF-8"), Map.entry("h-big", "more than the 200 MiB"),
                Map.entry("h-editor", "ex1-setup0' is missing"));
        for (var e : reasons.entrySet()) {
            Grader.Row r = row(rows, e.getKey(), EX1);
            assertEquals(0, r.points(), e.getKey() + " " + r);
            assertTrue(r.feedback().contains(e.getValue()), e.getKey() + ": " + r.feedback());
            Path page = report.feedback().resolve(e.getKey()).resolve("01_split_counts.html");
            assertTrue(Files.readString(page).contains(Feedback.esc(r.feedback()).substring(0, Math.min(40, Feedback.esc(r.feedback()).length()))), page.toString());
        }
        assertTrue(Files.readString(report.feedback().resolve("h-oom/01_split_counts.html")).contains("OutOfMemoryError"), "the page shows the error");
        Grader.Row writer = row(rows, "h-writer", EX1);
        for (String where : List.of("class path", "data folder", "another student")) assertTrue(writer.feedback().contains(where), writer.feedback());
        assertEquals(victimBefore, Files.readString(victim), "the other student's folder was put back");
        Grader.Row hidden = row(rows, "h-fork", EX1);
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the forked process " + pid + " is gone");
        assertEquals(hidden.maxPoints(), hidden.points(), "forking is no crime; the check still counts: " + hidden);
        assertTrue(row(rows, "h-editor", "02_augmentation.ipynb").feedback().contains("ex2-check' is missing"));
        Grader.Row renamed = row(rows, "h-editor", "03_trainable_parameters.ipynb");
        assertEquals(0, renamed.points());
        assertTrue(renamed.feedback().contains("missing"), renamed.feedback());

        List<String> csv = Files.readAllLines(grades);
        assertEquals("student,notebook,grade_id,points,max_points,feedback", csv.get(0));
        double max = rows.stream().filter(r -> r.student().equals("ada") && r.points() != null).mapToDouble(Grader.Row::maxPoints).sum();
        double all = rows.stream().filter(r -> r.student().equals("ada")).mapToDouble(Grader.Row::maxPoints).sum();
        assertTrue(csv.contains("ada,TOTAL,," + (long) max + "," + (long) all + ","), String.join("\n", csv));
        List<String> book = Files.readAllLines(report.gradebook());
        assertTrue(book.get(0).startsWith("student,01_split_counts,02_augmentation"), book.get(0));
        assertTrue(book.stream().anyMatch(l -> l.startsWith("bob,0,0,0,0,0,0,0,0,0,")), String.join("\n", book));
        assertTrue(Files.readString(report.feedback().resolve("ada/03_trainable_parameters.html")).contains("✓"), "the check's own line shows");

        // regrade one student's notebook: the rest of grades.csv stays as it was
        Files.writeString(cy.resolve("03_trainable_parameters.ipynb"), withAnswer("03_trainable_parameters.ipynb", solutionOf("03_trainable_parameters.ipynb")));
        List<String> before = Files.readAllLines(grades);
        Grader.Report again = Grader.grade(submissions, SOURCE, grades, new Grader.Limits("1g", Duration.ofMinutes(4), Duration.ofSeconds(25), 1),
                new Grader.Selection(Set.of("cy"), Set.of("03_trainable_parameters.ipynb")));
        Grader.Row fixed = row(again.rows(), "cy", "03_trainable_parameters.ipynb");
        assertEquals(fixed.maxPoints(), fixed.points(), fixed.toString());
        List<String> after = Files.readAllLines(grades);
        assertEquals(before.size(), after.size());
        for (String line : before) if (!line.startsWith("cy,")) assertTrue(after.contains(line), "kept: " + line);
    }

    @Test
    void aCellPastItsTimeLimitIsStoppedAndTheRestOfThatCellDoesNotRun() throws Exception {
        Path submissions = tmp.resolve("slow");
        String solution = solutionOf(EX1);
        Files.createDirectories(submissions.resolve("ada"));
        Files.copy(SOURCE.resolve(EX1), submissions.resolve("ada").resolve(EX1));
        Path loop = Files.createDirectories(submissions.resolve("h-loop"));
        Files.writeString(loop.resolve(EX1), withAnswer(EX1, "Map<String, Integer> trainCounts = null, valCounts = null;\nwhile (true) { }\n"
                + solution.replace("Map<String, Integer> trainCounts = null;\nMap<String, Integer> valCounts = null;\n", "")));
        Path stubborn = Files.createDirectories(submissions.resolve("h-stubborn"));
        Files.writeString(stubborn.resolve(EX1), withAnswer(EX1, "while (true) { try { while (true) { } } catch (Throwable t) { } }\n"));
        Grader.Report report = Grader.grade(submissions, SOURCE, tmp.resolve("slow-out/grades.csv"), new Grader.Limits("1g", Duration.ofMinutes(2),
                Duration.ofSeconds(8), 2), new Grader.Selection(Set.of(), Set.of(EX1)));
        Grader.Row ada = row(report.rows(), "ada", EX1), looped = row(report.rows(), "h-loop", EX1), caught = row(report.rows(), "h-stubborn", EX1);
        assertEquals(ada.maxPoints(), ada.points(), ada.toString());
        assertEquals(0, looped.points());
        assertTrue(looped.feedback().contains("Not answered"), "the answer lines after the loop did not run: " + looped.feedback());
        assertTrue(Files.readString(report.feedback().resolve("h-loop/01_split_counts.html")).contains("time limit of 8 s"), "the stopped cell says why");
        assertEquals(0, caught.points());
        assertTrue(caught.feedback().contains("ignored the interruption"), caught.feedback());
    }

    static Grader.Row row(List<Grader.Row> rows, String student, String notebook) {
        return rows.stream().filter(r -> r.student().equals(student) && r.notebook().equals(notebook)).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + student + " " + notebook));
    }
}
