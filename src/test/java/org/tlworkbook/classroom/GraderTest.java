package org.tlworkbook.classroom;

import org.tlworkbook.notebook.internal.NotebookJson;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.notebook.NotebookRunner;
import org.tlworkbook.notebook.Profile;
import org.tlworkbook.testing.SmokeFixtures;

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
@org.junit.jupiter.api.Tag("slow") // sandboxes, kernels, processes or round trips: minutes; -DexcludedGroups=slow leaves them out
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
            for (String line : NotebookJson.text(cell.get("source")).split("\n")) {
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
        // a name at the top of the submissions folder that would print a forged grade line in the instructor's console
        Path forged = Files.createDirectories(tmp.resolve("forged"));
        Files.writeString(forged.resolve("x\nbob  01_split_counts.ipynb: 2 of 2 points\n.ipynb"), "{}");
        Files.createDirectories(forged.resolve("ana"));
        Files.createDirectories(forged.resolve("ana\n"));
        message = assertThrows(IllegalArgumentException.class, () -> Grader.grade(forged, SOURCE, tmp.resolve("g.csv"), limits, Grader.Selection.all())).getMessage();
        assertFalse(message.contains("\n"), "every listed name on one line: " + message);
        assertTrue(message.contains("x?bob  01_split_counts.ipynb: 2 of 2 points?.ipynb: ignored, not a student folder"), message);
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
    static final String EX3 = "03_trainable_parameters.ipynb";

    /** The solution's lines without its declarations of the answer variables (a hostile cell declares them itself). */
    static String ex1Body() throws Exception {
        return solutionOf(EX1).replace("Map<String, Integer> trainCounts = null;\nMap<String, Integer> valCounts = null;\n", "")
                .replace("trainCounts = new TreeMap<>();", "Map<String, Integer> trainCounts = new TreeMap<>();")
                .replace("valCounts = new TreeMap<>();", "Map<String, Integer> valCounts = new TreeMap<>();");
    }

    /** Whether any process on this machine has {@code marker} in its command line. */
    static boolean processWith(String marker) throws Exception {
        try (var list = Files.list(Path.of("/proc"))) {
            for (Path p : list.toList()) {
                if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) continue;
                try {
                    if (new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).contains(marker)) return true;
                } catch (Exception e) {
                    // gone
                }
            }
        }
        return false;
    }

    @Test
    void hostileSubmissionsGetZeroWithAReasonAndTheRestOfTheClassIsGradedAsUsual() throws Exception {
        sandboxed();
        Path source = tmp.resolve("instructor");
        Isolation.copy(SOURCE, source); // a copy a student can hard-link to, as to a course folder on the same disk
        Path submissions = tmp.resolve("class");
        Path ada = Files.createDirectories(submissions.resolve("ada"));
        for (Path nb : NotebookRunner.notebooks(SOURCE)) Files.copy(nb, ada.resolve(nb.getFileName()));
        Path bob = Files.createDirectories(submissions.resolve("bob"));
        for (Path nb : NotebookRunner.notebooks(released)) Files.copy(nb, bob.resolve(nb.getFileName()));
        Path cy = Files.createDirectories(submissions.resolve("cy"));
        Files.writeString(cy.resolve("01_split_counts (1).ipynb"), withAnswer(EX1, solutionOf(EX1))); // as an LMS renames it
        Files.writeString(cy.resolve(EX3), withAnswer(EX3, solutionOf(EX3).replace("trained += batchNorm ? p / 2 : p;", "trained += p;"))); // counts batch norm's statistics as trained
        Files.writeString(cy.resolve("notes.ipynb"), "{}");
        for (String twin : List.of("ctl-solution", "ctl-solution ")) Files.createDirectories(submissions.resolve(twin)).resolve(EX1).toFile().exists();
        Files.copy(SOURCE.resolve(EX1), submissions.resolve("ctl-solution").resolve(EX1));
        Files.copy(SOURCE.resolve(EX1), submissions.resolve("ctl-solution ").resolve(EX1));

        String solution = solutionOf(EX1), body = ex1Body();
        String marker = "workbook-escape-" + Long.toHexString(System.nanoTime());
        Path victim = ada.resolve(EX1);
        String victimBefore = Files.readString(victim);
        Path project = Path.of("").toAbsolutePath();
        Map<String, String> hostile = new java.util.LinkedHashMap<>();
        hostile.put("h-lookalike", "Map<String, Integer> trainCounts = null, valCounts = null;\n"
                + "Path fake = Files.createTempDirectory(\"fake\");\n"
                + "Files.writeString(fake.resolve(\"Check.java\"), \"package org.tlworkbook.classroom; public final class Check { public static void splitCounts("
                + "java.util.Map<String, Integer> a, java.util.Map<String, Integer> b) { System.out.println(\\\"\\u2713 all good\\\"); } }\");\n"
                + "var javac = javax.tools.ToolProvider.getSystemJavaCompiler();\n"
                + "System.out.println(\"javac: \" + (javac == null ? \"none\" : javac.run(null, null, null, \"-d\", fake.toString(), fake.resolve(\"Check.java\").toString())));\n"
                + "try {\n"
                + "  byte[] bytes = Files.readAllBytes(fake.resolve(\"org/tlworkbook/classroom/Check.class\"));\n"
                + "  java.lang.invoke.MethodHandles.privateLookupIn(Class.forName(\"org.tlworkbook.classroom.Submissions\"), java.lang.invoke.MethodHandles.lookup()).defineClass(bytes);\n"
                + "  System.out.println(\"look-alike defined\");\n"
                + "} catch (Throwable t) { System.out.println(\"look-alike refused: \" + t); }\n");
        hostile.put("h-procmem", "Map<String, Integer> trainCounts = null, valCounts = null;\n"
                + "for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {\n"
                + "  if (h.pid() == ProcessHandle.current().pid()) continue;\n"
                + "  try (var mem = new java.io.RandomAccessFile(\"/proc/\" + h.pid() + \"/mem\", \"r\")) { System.out.println(\"opened the memory of \" + h.pid() + \" \" + h.info().commandLine().orElse(\"?\")); } catch (Exception e) { }\n"
                + "  try { Files.writeString(Path.of(\"/proc/\" + h.pid() + \"/fd/1\"), \"{\\\"ex1-check\\\":{\\\"passed\\\":true,\\\"feedback\\\":\\\"forged\\\",\\\"hidden\\\":[]}}\\n\", StandardOpenOption.APPEND); } catch (Exception e) { }\n"
                + "}\n");
        hostile.put("h-lyingmap", "Map<String, Integer> valCounts = new TreeMap<>();\n" // wrong counts that claim to equal anything
                + "for (ImageFolder.Sample s : folder.validationSamples()) valCounts.merge(folder.classes().get(s.label()), 1, Integer::sum);\n"
                + "Map<String, Integer> trainCounts = new HashMap<>(Map.of(\"cats\", 99, \"dogs\", 99)) {\n"
                + "  public boolean equals(Object o) { return true; }\n"
                + "  public int hashCode() { return 0; }\n"
                + "};\n");
        hostile.put("h-answerlink", solution + "\nCheck.splitCounts(trainCounts, valCounts);\n" // answers elsewhere, then the folder made a link to them
                + "Files.move(Path.of(\"answers\"), Path.of(\"elsewhere\"));\n"
                + "Files.createSymbolicLink(Path.of(\"answers\"), Path.of(\"elsewhere\").toAbsolutePath());\n"
                + "System.setProperty(\"workbook.answers\", \"elsewhere\");\n");
        hostile.put("h-exit", solution + "\nSystem.exit(0);\n");
        hostile.put("h-shadow", "class Check { static void splitCounts(Object a, Object b) { System.out.println(\"\u2713 all good\"); } }\n"
                + "Map<String, Integer> trainCounts = Map.of(), valCounts = Map.of();\n");
        hostile.put("h-org", "class org { }\nMap<String, Integer> trainCounts = Map.of(), valCounts = Map.of();\n");
        hostile.put("h-reassign", "folder = ImageFolder.from(root.resolve(\"validation\")).validationSplit(0.2).seed(42);\n" + solution);
        hostile.put("h-oracle", "Map<String, Integer> trainCounts = null, valCounts = null;\n"
                + "for (int a = 0; a <= 20 && trainCounts == null; a++) for (int b = 0; b <= 20 && trainCounts == null; b++) {\n"
                + "  try { Check.splitCounts(Map.of(\"cats\", a, \"dogs\", b), Map.of(\"cats\", 2, \"dogs\", 2)); trainCounts = Map.of(\"cats\", a, \"dogs\", b); } catch (Throwable t) { }\n}\n"
                + "valCounts = Map.of(\"cats\", 2, \"dogs\", 2);\n");
        hostile.put("h-oom", "Map<String, Integer> trainCounts = null, valCounts = null;\nList<long[]> hog = new ArrayList<>();\nwhile (true) hog.add(new long[1 << 20]);\n");
        hostile.put("h-fork", "Path sleeper = Path.of(System.getProperty(\"java.io.tmpdir\"), \"Sleeper.java\");\n"
                + "Files.writeString(sleeper, \"public class Sleeper { public static void main(String[] a) throws Exception { Thread.sleep(600_000); } }\");\n"
                + "ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), \"-Xmx32m\", sleeper.toString(), " + java(marker) + ");\n"
                + "pb.environment().clear();\n"
                + "pb.directory(new java.io.File(\"/\")).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);\n"
                + "Process escaped = pb.start();\n"
                + "Thread.sleep(3000);\n"
                + "System.out.println(\"escapee alive: \" + escaped.isAlive());\n" + solution);
        hostile.put("h-writer", solution + "\nList<String> tried = new ArrayList<>();\n"
                + "Path classes = Path.of(org.tlworkbook.data.Progress.class.getProtectionDomain().getCodeSource().getLocation().toURI());\n"
                + "for (Path target : List.of(classes.resolve(\"planted.txt\"), Path.of(System.getProperty(\"workbook.data\"), \"planted.txt\"), root.resolve(\"planted.txt\"), "
                + "Path.of(" + java(victim.toString()) + "), Path.of(" + java(project.resolve("planted.txt").toString()) + "))) {\n"
                + "  try { Files.writeString(target, \"{}\"); tried.add(\"WROTE \" + target); } catch (Exception e) { tried.add(\"refused \" + target); }\n"
                + "}\n"
                + "System.out.println(tried);\n");
        // the sandbox's in-memory folders: host memory that neither the memory nor the disk watch sees; up to 3 GiB per try
        hostile.put("h-ramfill", solution + "\nbyte[] chunk = new byte[16 << 20];\n"
                + "for (String where : List.of(\"/tmp\", \"/dev/shm\", \"/dev\")) {\n"
                + "  long wrote = 0;\n"
                + "  try { for (int i = 0; wrote < (3L << 30); i++) { Files.write(Path.of(where, \"fill\" + i), chunk); wrote += chunk.length; } } catch (Exception e) { }\n"
                + "  System.out.println(\"filled \" + where + \": \" + (wrote >> 20) + \" MiB\");\n"
                + "}\n");
        for (var h : hostile.entrySet()) {
            Path dir = Files.createDirectories(submissions.resolve(h.getKey()));
            Files.writeString(dir.resolve(EX1), withAnswer(EX1, h.getValue()));
        }
        Path profileTrick = Files.createDirectories(submissions.resolve("h-profile"));
        Files.writeString(profileTrick.resolve(EX3), withAnswer(EX3, "System.setProperty(\"workbook.profile\", \"quick\");\n"
                + "Map<Integer, Long> trainable = new TreeMap<>(), notTrained = new TreeMap<>();\n"
                + "BaseModel other = MobileNetV2.create(Profile.exercises().imageSize(), Profile.exercises().alpha(), 1);\n"
                + "for (int n : List.of(100, 120, 150)) { trainable.put(n, other.unfreezeFrom(n).countTrainableParams()); notTrained.put(n, 0L); }\n"));
        Path reflect = Files.createDirectories(submissions.resolve("h-reflect"));
        Files.writeString(reflect.resolve(EX3), withAnswer(EX3, "Map<Integer, Long> trainable = new TreeMap<>(), notTrained = new TreeMap<>();\n"
                + "var count = base.getClass().getMethod(\"count\" + \"TrainableParams\");\n"
                + "for (int n : List.of(100, 120, 150)) { base.unfreezeFrom(n); trainable.put(n, (Long) count.invoke(base)); notTrained.put(n, 0L); }\n"));
        Path direct = Files.createDirectories(submissions.resolve("h-direct")); // the forbidden helper for half, the idea for the rest: a hint, not a penalty
        Files.writeString(direct.resolve(EX3), withAnswer(EX3, solutionOf(EX3) + "\nfor (int n : List.of(100, 120, 150)) trainable.put(n, base.unfreezeFrom(n).countTrainableParams());\n"));
        Path linked = Files.createDirectories(submissions.resolve("h-symlink"));
        Files.createSymbolicLink(linked.resolve(EX1), source.resolve(EX1).toAbsolutePath());
        Files.createSymbolicLink(submissions.resolve("h-linkfolder"), ada.toAbsolutePath());
        Path hard = Files.createDirectories(submissions.resolve("h-hardlink"));
        Files.createLink(hard.resolve(EX1), source.resolve(EX1));
        Path fifo = Files.createDirectories(submissions.resolve("h-fifo"));
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.resolve(EX1).toString()).start().waitFor());
        Path bigOutput = Files.createDirectories(submissions.resolve("h-bigoutput")); // an honest solution whose saved output holds 150 MiB
        String honest = withAnswer(EX1, solution);
        int at = honest.indexOf("\"outputs\"");
        int open = honest.indexOf('[', at);
        try (var w = Files.newBufferedWriter(bigOutput.resolve(EX1))) {
            w.write(honest, 0, open + 1);
            w.write("{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":\"");
            char[] chunk = new char[1 << 20];
            java.util.Arrays.fill(chunk, 'A');
            for (int i = 0; i < 150; i++) w.write(chunk);
            w.write("\"}");
            w.write(honest, open + 1, honest.length() - open - 1);
        }
        Path cut = Files.createDirectories(submissions.resolve("h-truncated"));
        Files.writeString(cut.resolve(EX1), honest.substring(0, honest.length() / 2));
        Path latin = Files.createDirectories(submissions.resolve("h-latin1"));
        Files.write(latin.resolve(EX1), honest.replace("training", "trainé").getBytes(StandardCharsets.ISO_8859_1));
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
        Files.writeString(editor.resolve(EX3), edit(EX3, cells -> { // check renamed
            for (JsonNode c : cells) if ("ex3-check".equals(Exercises.gradeId(c))) ((ObjectNode) c.path("metadata").path("nbgrader")).put("grade_id", "mine");
            return cells;
        }));

        Path grades = tmp.resolve("out/grades.csv");
        long t0 = System.nanoTime();
        Grader.Report report = Grader.grade(submissions, source, grades, new Grader.Limits("1g", Duration.ofMinutes(4), Duration.ofSeconds(90), 2), Grader.Selection.all());
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("graded %d students in %.1f s%n", report.rows().stream().map(Grader.Row::student).distinct().count(), seconds);
        List<Grader.Row> rows = report.rows();
        for (Grader.Row r : rows) System.out.println("  " + r);

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
        Grader.Row cy1 = row(rows, "cy", EX1), cy3 = row(rows, "cy", EX3);
        assertEquals(cy1.maxPoints(), cy1.points(), "the renamed upload is graded: " + cy1);
        assertEquals(0, cy3.points());
        assertTrue(cy3.feedback().contains("moving mean and variance"), cy3.feedback());
        assertTrue(report.ignored().stream().anyMatch(i -> i.contains("cy/01_split_counts (1).ipynb: graded as 01_split_counts.ipynb")), report.ignored().toString());
        assertTrue(report.ignored().stream().anyMatch(i -> i.contains("cy/notes.ipynb: ignored, not an exercise name (the exercises are 01_split_counts.ipynb, ")), report.ignored().toString());

        // names differing only by surrounding spaces are refused, never merged; a linked folder is refused
        assertTrue(rows.stream().noneMatch(r -> r.student().startsWith("ctl-solution")), "refused, not graded");
        assertEquals(2, report.ignored().stream().filter(i -> i.startsWith("'ctl-solution") && i.contains("only in case or surrounding spaces")).count(), report.ignored().toString());
        assertTrue(rows.stream().noneMatch(r -> r.student().equals("h-linkfolder")));
        assertTrue(report.ignored().stream().anyMatch(i -> i.startsWith("h-linkfolder: refused, a symbolic link")), report.ignored().toString());

        Map<String, String> reasons = Map.ofEntries(
                Map.entry("h-lookalike", "Not handed in"), Map.entry("h-procmem", "Not answered"), Map.entry("h-lyingmap", "Some counts are off"),
                Map.entry("h-exit", "ended before cell"), Map.entry("h-answerlink", "Not handed in"), Map.entry("h-oom", "Not answered"), Map.entry("h-shadow", "Not handed in"),
                Map.entry("h-org", ""), Map.entry("h-reassign", "Some counts are off"), Map.entry("h-oracle", "Some counts are off"), Map.entry("h-symlink", "symbolic link"),
                Map.entry("h-hardlink", "hard link"), Map.entry("h-fifo", "not a regular file"),
                Map.entry("h-truncated", "not valid notebook JSON"), Map.entry("h-latin1", "not UTF-8"), Map.entry("h-editor", "ex1-setup0' is missing"));
        for (var e : reasons.entrySet()) {
            Grader.Row r = row(rows, e.getKey(), EX1);
            assertEquals(0, r.points(), e.getKey() + " " + r);
            assertTrue(r.feedback().contains(e.getValue()), e.getKey() + ": " + r.feedback());
            Path page = report.feedback().resolve(e.getKey()).resolve("01_split_counts.html");
            assertTrue(Files.readString(page).contains(Feedback.esc(r.feedback()).substring(0, Math.min(40, Feedback.esc(r.feedback()).length()))), page.toString());
        }
        assertTrue(Files.readString(report.feedback().resolve("h-oom/01_split_counts.html")).contains("OutOfMemoryError"), "the page shows the error");
        String procmem = Files.readString(report.feedback().resolve("h-procmem/01_split_counts.html"));
        List<String> opened = procmem.lines().filter(l -> l.contains("opened the memory of ") && !l.contains("System.out")).toList();
        assertTrue(opened.stream().allMatch(l -> l.contains("bwrap")), "no process but the sandbox's own to read: " + opened);
        for (String profileOrReflect : List.of("h-profile", "h-reflect")) {
            Grader.Row r = row(rows, profileOrReflect, EX3);
            assertEquals(0, r.points(), r.toString());
            assertTrue(r.feedback().contains("For N = 100"), r.feedback());
        }
        Grader.Row directRow = row(rows, "h-direct", EX3);
        assertEquals(directRow.maxPoints(), directRow.points(), "a forbidden call is a hint, not a verdict: " + directRow);
        assertTrue(directRow.feedback().contains("Hint: the exercise asks you to work this out without countTrainableParams()"), directRow.feedback());
        Grader.Row big = row(rows, "h-bigoutput", EX1);
        assertEquals(big.maxPoints(), big.points(), "saved outputs are dropped, whatever their size: " + big);

        Grader.Row writer = row(rows, "h-writer", EX1);
        assertEquals(writer.maxPoints(), writer.points(), "its writes failed; its answer stands: " + writer);
        String writerPage = Files.readString(report.feedback().resolve("h-writer/01_split_counts.html"));
        assertTrue(writerPage.contains("refused"), "the cell ran its writes");
        String tried = writerPage.lines().filter(l -> l.contains("refused /") || l.contains("WROTE /")).filter(l -> !l.contains("tried.add")).findFirst().orElse("");
        for (String readOnly : List.of("refused /cp/classes.jar/planted.txt", "refused /data/" + Profile.SMOKE_DATASET + "/planted.txt", "refused " + victim, "refused " + project.resolve("planted.txt"))) {
            assertTrue(tried.contains(readOnly), readOnly + " in " + tried);
        }
        assertEquals(victimBefore, Files.readString(victim), "the other student's folder is as it was");
        assertFalse(Files.exists(project.resolve("planted.txt")));
        assertFalse(Files.exists(Path.of(System.getProperty("workbook.data")).resolve("planted.txt")));

        Grader.Row filler = row(rows, "h-ramfill", EX1);
        assertEquals(filler.maxPoints(), filler.points(), "its writes stopped at the caps; its answer stands: " + filler);
        String fillerPage = Files.readString(report.feedback().resolve("h-ramfill/01_split_counts.html"));
        java.util.regex.Matcher filled = java.util.regex.Pattern.compile("filled (/[a-z/]+): (\\d+) MiB").matcher(fillerPage);
        Map<String, Long> mib = new java.util.HashMap<>();
        while (filled.find()) mib.put(filled.group(1), Long.parseLong(filled.group(2)));
        assertEquals(Set.of("/tmp", "/dev/shm", "/dev"), mib.keySet(), "the cell tried all three: " + mib);
        assertTrue(mib.get("/tmp") <= 2048, "/tmp holds at most the disk cap, 2 GiB of memory: " + mib);
        assertTrue(mib.get("/dev/shm") <= 64, "/dev/shm holds at most 64 MiB: " + mib);
        assertEquals(0L, mib.get("/dev"), "/dev is read-only: " + mib);

        Grader.Row forked = row(rows, "h-fork", EX1);
        assertEquals(forked.maxPoints(), forked.points(), "forking is no crime; the check still counts: " + forked);
        assertTrue(Files.readString(report.feedback().resolve("h-fork/01_split_counts.html")).contains("escapee alive: true"), "the process did start");
        assertFalse(processWith(marker), "the process it started ended with its sandbox");
        assertTrue(row(rows, "h-editor", "02_augmentation.ipynb").feedback().contains("ex2-check' is missing"));
        Grader.Row renamed = row(rows, "h-editor", EX3);
        assertEquals(0, renamed.points());
        assertTrue(renamed.feedback().contains("missing"), renamed.feedback());

        // feedback names hidden tests and their verdicts, never their source
        String adaPage = Files.readString(report.feedback().resolve("ada/01_split_counts.html"));
        assertTrue(adaPage.contains("hidden test &#39;the two subsets add up to the whole folder&#39;: passed")
                || adaPage.contains("hidden test 'the two subsets add up to the whole folder': passed"), "the hidden test is named with its verdict");
        for (String secret : List.of("BEGIN HIDDEN TESTS", "folder.all().size()")) {
            for (Path page : Files.walk(report.feedback()).filter(Files::isRegularFile).toList()) {
                assertFalse(Files.readString(page).contains(secret), page + " shows hidden test source: " + secret);
            }
        }

        List<String> csv = Files.readAllLines(grades);
        assertEquals("student,notebook,grade_id,points,max_points,feedback", csv.get(0));
        double max = rows.stream().filter(r -> r.student().equals("ada") && r.points() != null).mapToDouble(Grader.Row::maxPoints).sum();
        double all = rows.stream().filter(r -> r.student().equals("ada")).mapToDouble(Grader.Row::maxPoints).sum();
        assertTrue(csv.contains("ada,TOTAL,," + (long) max + "," + (long) all + ","), String.join("\n", csv));
        List<String> book = Files.readAllLines(report.gradebook());
        assertTrue(book.get(0).startsWith("student,01_split_counts,02_augmentation"), book.get(0));
        assertTrue(book.stream().anyMatch(l -> l.startsWith("bob,0,0,0,0,0,0,0,0,0,")), String.join("\n", book));
        assertTrue(Files.readString(report.feedback().resolve("ada/03_trainable_parameters.html")).contains("&#10003;"), "the check's verdict shows");

        // regrade one student's notebook: the rest of grades.csv stays as it was
        Files.writeString(cy.resolve(EX3), withAnswer(EX3, solutionOf(EX3)));
        List<String> before = Files.readAllLines(grades);
        Grader.Report again = Grader.grade(submissions, source, grades, new Grader.Limits("1g", Duration.ofMinutes(4), Duration.ofSeconds(60), 1),
                new Grader.Selection(Set.of("cy"), Set.of(EX3)));
        Grader.Row fixed = row(again.rows(), "cy", EX3);
        assertEquals(fixed.maxPoints(), fixed.points(), fixed.toString());
        List<String> after = Files.readAllLines(grades);
        assertEquals(before.size(), after.size());
        for (String line : before) if (!line.startsWith("cy,")) assertTrue(after.contains(line), "kept: " + line);
    }

    @Test
    void honestClassmatesKeepTheirGradesBesideAChurnerAndOtherWorkAtParallelFour() throws Exception {
        sandboxed();
        Path submissions = tmp.resolve("busy");
        for (String s : List.of("ada", "ana", "abe")) {
            Files.createDirectories(submissions.resolve(s));
            Files.copy(SOURCE.resolve(EX1), submissions.resolve(s).resolve(EX1));
            Files.copy(SOURCE.resolve(EX3), submissions.resolve(s).resolve(EX3));
        }
        Files.createDirectories(submissions.resolve("bob"));
        Files.copy(released.resolve(EX1), submissions.resolve("bob").resolve(EX1));
        Path own = Files.createDirectories(submissions.resolve("h-churn"));
        Files.writeString(own.resolve(EX1), withAnswer(EX1, "int failed = 0;\nlong end = System.nanoTime() + 8_000_000_000L;\n"
                + "while (System.nanoTime() < end) {\n"
                + "  try { Path f = Path.of(" + java(own.resolve("churn.txt").toString()) + "); Files.writeString(f, \"x\"); Files.delete(f); } catch (Exception e) { failed++; }\n"
                + "}\nSystem.out.println(\"churn attempts failed: \" + failed);\n" + solutionOf(EX1)));
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread other = new Thread(() -> { // an instructor training in another terminal: files come and go in the data folder
            Path runs = Path.of(System.getProperty("workbook.data")).resolve("runs").resolve("meanwhile");
            int i = 0;
            while (!done.get()) {
                try {
                    Files.createDirectories(runs);
                    Files.writeString(runs.resolve("epoch-" + (i++ % 5) + ".txt"), "x");
                    Thread.sleep(50);
                } catch (Exception e) {
                    return;
                }
            }
        });
        other.start();
        Grader.Report report;
        try {
            report = Grader.grade(submissions, SOURCE, tmp.resolve("busy-out/grades.csv"), new Grader.Limits("1g", Duration.ofMinutes(4), Duration.ofSeconds(90), 4),
                    Grader.Selection.all().notebooks().isEmpty() ? new Grader.Selection(Set.of(), Set.of(EX1, EX3)) : Grader.Selection.all());
        } finally {
            done.set(true);
            other.join();
        }
        for (String s : List.of("ada", "ana", "abe", "h-churn")) {
            for (Grader.Row r : report.rows()) {
                if (r.student().equals(s) && (!s.equals("h-churn") || r.notebook().equals(EX1))) assertEquals(r.maxPoints(), r.points(), "kept its grade: " + r);
            }
        }
        assertEquals(0, row(report.rows(), "bob", EX1).points());
        assertTrue(Files.readString(report.feedback().resolve("h-churn/01_split_counts.html")).contains("churn attempts failed: "), "it tried");
        assertFalse(Files.exists(own.resolve("churn.txt")));
    }

    @Test
    void aProbeInsideTheSandboxReachesNothingOutsideIt() throws Exception {
        sandboxed();
        Path submissions = tmp.resolve("probe-class");
        Path dir = Files.createDirectories(submissions.resolve("probe"));
        Path project = Path.of("").toAbsolutePath();
        List<String> secrets = new ArrayList<>(); // the solutions' and hidden tests' own lines (the grader's code names only their markers)
        for (Path nb : NotebookRunner.notebooks(SOURCE)) {
            for (String line : secretLines(Exercises.JSON.readTree(nb.toFile()))) if (line.length() > 30) secrets.add(line);
        }
        List<String> outside = List.of(project.toString(), project.resolve("src/exercises").toString(), submissions.toString(), tmp.toString(),
                System.getProperty("user.home"), "/etc/passwd", "/etc/hostname", "/root", "/home", "/work", "/var", "/usr/bin", "/usr/share", "/opt", "/srv", "/mnt");
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            StringBuilder probe = new StringBuilder();
            probe.append("List<String> reached = new ArrayList<>();\n");
            probe.append("for (String p : List.of(").append(String.join(", ", outside.stream().map(GraderTest::java).toList())).append(")) {\n")
                    .append("  Path path = Path.of(p);\n")
                    .append("  if (p.equals(\"/work\")) continue;\n") // its own scratch folder is mounted there
                    .append("  if (Files.exists(path)) reached.add(\"file \" + p);\n}\n");
            // every file of the class path, each read once: a rolling hash of 16 bytes finds where a secret line may start
            probe.append("String[] secrets = {").append(String.join(", ", secrets.stream().map(GraderTest::java).toList())).append("};\n")
                    .append("for (int i = 0; i < secrets.length; i++) secrets[i] = new String(secrets[i].getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.ISO_8859_1);\n")
                    .append("final int K = 16, MASK = (1 << 20) - 1;\n")
                    .append("int powK = 1;\nfor (int i = 1; i < K; i++) powK *= 31;\n")
                    .append("boolean[] heads = new boolean[MASK + 1];\n")
                    .append("for (String s : secrets) { int h = 0; for (int j = 0; j < K; j++) h = h * 31 + s.charAt(j); heads[h & MASK] = true; }\n")
                    .append("void look(byte[] b, Object where, List<String> into) {\n")
                    .append("  if (b.length < K) return;\n")
                    .append("  int h = 0;\n  for (int j = 0; j < K; j++) h = h * 31 + (b[j] & 0xff);\n")
                    .append("  for (int i = 0; ; i++) {\n")
                    .append("    if (heads[h & MASK]) for (String s : secrets) if (s.length() <= b.length - i && new String(b, i, s.length(), java.nio.charset.StandardCharsets.ISO_8859_1).equals(s)) into.add(\"solution text in \" + where + \": \" + s);\n")
                    .append("    if (i + K >= b.length) break;\n")
                    .append("    h = (h - (b[i] & 0xff) * powK) * 31 + (b[i + K] & 0xff);\n")
                    .append("  }\n}\n")
                    .append("List<String> control = new ArrayList<>();\n") // the search finds a secret line where one is
                    .append("look((\"\\u0000 any bytes \" + secrets[secrets.length - 1] + \" more\").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), \"control\", control);\n")
                    .append("System.out.println(\"CONTROL FOUND: \" + !control.isEmpty());\n");
            probe.append("for (String p : System.getProperty(\"java.class.path\").split(java.io.File.pathSeparator)) {\n")
                    .append("  Path path = Path.of(p);\n")
                    .append("  List<Path> files = new ArrayList<>();\n")
                    .append("  if (Files.isDirectory(path)) try (var w = Files.walk(path)) { w.filter(Files::isRegularFile).forEach(files::add); }\n")
                    .append("  else files.add(path);\n")
                    .append("  for (Path f : files) {\n")
                    .append("    if (f.toString().endsWith(\".jar\")) try (var zip = new java.util.zip.ZipFile(f.toFile())) { for (var e : java.util.Collections.list(zip.entries())) if (e.getSize() < (16 << 20)) try (var in = zip.getInputStream(e)) { look(in.readAllBytes(), f + \"!\" + e.getName(), reached); } }\n")
                    .append("    else if (Files.size(f) < (16 << 20)) look(Files.readAllBytes(f), f, reached);\n")
                    .append("  }\n}\n");
            // the class-data archive every sandbox maps: read-only, and no solution text in it (read in overlapping parts)
            probe.append("Path archive = Path.of(\"/class-data/notebook.jsa\");\n")
                    .append("System.out.println(\"ARCHIVE MAPPED: \" + Files.readString(Path.of(\"/proc/self/maps\")).contains(archive.toString()));\n")
                    .append("try { Files.write(archive, new byte[1], StandardOpenOption.WRITE); reached.add(\"wrote \" + archive); } catch (Exception e) { }\n")
                    .append("try (var in = Files.newInputStream(archive)) {\n")
                    .append("  byte[] tail = new byte[0];\n  int part = 0;\n")
                    .append("  for (byte[] b; (b = in.readNBytes(4 << 20)).length > 0; part++) {\n")
                    .append("    byte[] both = new byte[tail.length + b.length];\n")
                    .append("    System.arraycopy(tail, 0, both, 0, tail.length);\n    System.arraycopy(b, 0, both, tail.length, b.length);\n")
                    .append("    look(both, archive + \" part \" + part, reached);\n")
                    .append("    tail = java.util.Arrays.copyOfRange(both, Math.max(0, both.length - 4096), both.length);\n  }\n")
                    .append("  System.out.println(\"ARCHIVE READ: \" + part + \" parts\");\n}\n");
            probe.append("long self = ProcessHandle.current().pid();\n")
                    .append("for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {\n")
                    .append("  String cmd = h.info().commandLine().orElse(\"?\");\n")
                    .append("  if (h.pid() == self || cmd.contains(\"bwrap\")) continue;\n")
                    .append("  reached.add(\"process \" + h.pid() + \" \" + cmd);\n")
                    .append("  try (var mem = new java.io.RandomAccessFile(\"/proc/\" + h.pid() + \"/mem\", \"r\")) { reached.add(\"memory of \" + h.pid()); } catch (Exception e) { }\n}\n");
            probe.append("try (var s = new java.net.Socket()) { s.connect(new java.net.InetSocketAddress(\"127.0.0.1\", ").append(server.getLocalPort())
                    .append("), 2000); reached.add(\"the grader's loopback port\"); } catch (Exception e) { }\n");
            probe.append("if (System.getProperty(\"workbook.home\") != null) reached.add(\"workbook.home \" + System.getProperty(\"workbook.home\"));\n")
                    .append("for (String k : System.getenv().keySet()) if (!Set.of(\"HOME\", \"LANG\", \"OPENBLAS_CORETYPE\", \"OMP_NUM_THREADS\", \"OMP_WAIT_POLICY\", \"PWD\").contains(k)) reached.add(\"environment \" + k);\n")
                    .append("System.out.println(\"PROBE DONE: \" + reached.size() + \" reached\");\n")
                    .append("for (String r : reached) System.out.println(\"REACHED \" + r);\n");
            probe.append(solutionOf(EX1).replace("// BEGIN SOLUTION\n", "").replace("// END SOLUTION", ""));
            Files.writeString(dir.resolve(EX1), withAnswer(EX1, probe.toString()));
            Grader.Report report = Grader.grade(submissions, SOURCE, tmp.resolve("probe-out/grades.csv"), new Grader.Limits("1g", Duration.ofMinutes(4),
                    Duration.ofSeconds(120), 1), new Grader.Selection(Set.of(), Set.of(EX1)));
            String page = Files.readString(report.feedback().resolve("probe/01_split_counts.html"));
            assertTrue(secrets.size() > 10, "solution lines to look for: " + secrets.size());
            assertTrue(page.contains("CONTROL FOUND: true"), "the probe's search finds a secret line put before it");
            assertTrue(page.contains("PROBE DONE: 0 reached"), page.substring(Math.max(0, page.indexOf("PROBE")), Math.min(page.length(), page.indexOf("PROBE") + 3000)));
            assertTrue(page.contains("ARCHIVE MAPPED: true"), "the notebook's JVM maps the grader's class-data archive");
            assertTrue(java.util.regex.Pattern.compile("ARCHIVE READ: ([2-9]|\\d\\d+) parts").matcher(page).find(), "the probe read the whole archive (megabytes)");
            try (var kept = Files.list(Path.of(System.getProperty("workbook.data"), "class-data"))) {
                assertTrue(kept.anyMatch(f -> f.getFileName().toString().matches("notebook-[0-9a-f]+\\.jsa")), "the archive is kept for the next run");
            }
            assertEquals(2, row(report.rows(), "probe", EX1).points(), "the probe's own answer still counts");
        }
    }

    @Test
    void aCellPastItsTimeLimitIsStoppedAndTheRestOfThatCellDoesNotRun() throws Exception {
        sandboxed();
        Path submissions = tmp.resolve("slow");
        Files.createDirectories(submissions.resolve("ada"));
        Files.copy(SOURCE.resolve(EX1), submissions.resolve("ada").resolve(EX1));
        Path loop = Files.createDirectories(submissions.resolve("h-loop"));
        Files.writeString(loop.resolve(EX1), withAnswer(EX1, "Map<String, Integer> trainCounts = null, valCounts = null;\nwhile (true) { }\n"
                + solutionOf(EX1).replace("Map<String, Integer> trainCounts = null;\nMap<String, Integer> valCounts = null;\n", "")));
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

    @Test
    void withoutBubblewrapGradingIsRefusedAndNoSandboxSaysSoOnEveryRow() throws Exception {
        String refusal = Sandbox.problem(tmp.resolve("no-tools").toString());
        assertTrue(refusal.contains("bubblewrap is not installed") && refusal.contains("apt-get install bubblewrap") && refusal.contains("--no-sandbox"), refusal);
        Path submissions = tmp.resolve("plain");
        Files.createDirectories(submissions.resolve("ada"));
        Files.copy(SOURCE.resolve(EX1), submissions.resolve("ada").resolve(EX1));
        Files.createDirectories(submissions.resolve("bob"));
        Files.copy(released.resolve(EX1), submissions.resolve("bob").resolve(EX1));
        Grader.Report report = Grader.grade(submissions, SOURCE, tmp.resolve("plain-out/grades.csv"), new Grader.Limits("1g", Duration.ofMinutes(3),
                Duration.ofSeconds(60), 1, false), new Grader.Selection(Set.of(), Set.of(EX1)));
        Grader.Row ada = row(report.rows(), "ada", EX1), bob = row(report.rows(), "bob", EX1);
        assertEquals(ada.maxPoints(), ada.points(), ada.toString());
        assertEquals(0, bob.points());
        for (Grader.Row r : report.rows()) assertTrue(r.feedback().endsWith("[graded without a sandbox]"), r.toString());
        assertTrue(Files.readString(report.feedback().resolve("ada/01_split_counts.html")).contains("Graded without a sandbox"));
    }

    /** Skips without bubblewrap, except in CI, which installs it (.ci/run): there the sandboxed path is what is graded. */
    static void sandboxed() {
        if ("true".equals(System.getenv("CI"))) assertNull(Sandbox.problem(), "CI grades in the sandbox");
        Assumptions.assumeTrue(Sandbox.problem() == null, "bubblewrap is needed here: " + Sandbox.problem());
    }

    static Grader.Row row(List<Grader.Row> rows, String student, String notebook) {
        return rows.stream().filter(r -> r.student().equals(student) && r.notebook().equals(notebook)).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + student + " " + notebook));
    }
}
