package org.tlworkbook.notebook;

import jdk.jshell.JShell;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.data.AtomicFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Grades submitted exercise notebooks ({@code SUBMISSIONS/<student>/<notebook>.ipynb}) as nbgrader's autograder
 * does: every cell runs, even after a failing one, and a check cell earns its points when it runs without error.
 * Each notebook runs in a JVM of its own with a heap cap and a time limit, in a scratch copy of its student's
 * folder made from a snapshot taken before any submission ran, with its locked cells restored from the
 * instructor's version. So a submission that throws, loops or runs out of memory loses only the cells it
 * breaks. It cannot change what another submission is graded on (grading reads the snapshot), nor the grades
 * file (written once, at the end); submission folders changed while it ran are put back and the change is
 * reported in its feedback. There is no OS sandbox: run the grader as an unprivileged user or in a container
 * to keep submissions away from everything else on the machine.
 */
public final class Grader {
    /** Limits per notebook: heap of its JVM, wall time of the whole notebook, and of one cell. */
    public record Limits(String heap, Duration notebook, Duration cell, int parallel) {
        public static Limits defaults() {
            return new Limits("3g", Duration.ofMinutes(20), Duration.ofMinutes(5), 1);
        }
    }

    /** One graded cell of one submission: a row of grades.csv. */
    public record Row(String student, String notebook, String gradeId, double points, double maxPoints, String feedback) { }

    private static final long MAX_SNAPSHOT_BYTES = 200L << 20;

    private Grader() { }

    /** Grades every student's notebooks against {@code source} (the instructor's notebooks) and writes {@code grades}. */
    public static List<Row> grade(Path submissions, Path source, Path grades, Limits limits) throws Exception {
        if (!Files.isDirectory(submissions)) throw new IllegalArgumentException("No submissions folder " + submissions);
        Map<String, JsonNode> instructor = new LinkedHashMap<>();
        for (Path nb : NotebookRunner.notebooks(source)) instructor.put(nb.getFileName().toString(), Exercises.JSON.readTree(nb.toFile()));
        List<Path> students;
        try (var s = Files.list(submissions)) {
            students = s.filter(Files::isDirectory).sorted().toList();
        }
        Map<String, Map<String, byte[]>> snapshots = new LinkedHashMap<>();
        for (Path student : students) snapshots.put(student.getFileName().toString(), snapshot(student));
        Path scratchRoot = Files.createTempDirectory("workbook-grading-");
        List<Row> rows = new ArrayList<>();
        try {
            var pool = Executors.newFixedThreadPool(Math.max(1, limits.parallel()));
            try {
                List<Future<List<Row>>> jobs = new ArrayList<>();
                for (var student : snapshots.entrySet()) {
                    for (var nb : instructor.entrySet()) {
                        jobs.add(pool.submit(() -> gradeOne(student.getKey(), nb.getKey(), nb.getValue(), submissions, snapshots, scratchRoot, limits)));
                    }
                }
                for (var job : jobs) rows.addAll(job.get()); // each job put the submission folders back after its run
            } finally {
                pool.shutdownNow();
            }
        } finally {
            org.tlworkbook.data.SafeUnzip.deleteTree(scratchRoot);
        }
        AtomicFiles.writeString(grades, csv(rows));
        return rows;
    }

    /** Puts every submission folder back as it was snapshotted (changed, deleted or added files); returns what was restored. */
    static synchronized List<String> restoreChanged(Path submissions, Map<String, Map<String, byte[]>> snapshots) throws IOException {
        List<String> restored = new ArrayList<>();
        for (var student : snapshots.entrySet()) {
            Path dir = submissions.resolve(student.getKey());
            Map<String, byte[]> now = Files.isDirectory(dir) ? snapshot(dir) : Map.of();
            for (var f : student.getValue().entrySet()) {
                if (!java.util.Arrays.equals(f.getValue(), now.get(f.getKey()))) {
                    Path target = dir.resolve(f.getKey());
                    Files.createDirectories(target.getParent());
                    Files.write(target, f.getValue());
                    restored.add(student.getKey() + "/" + f.getKey());
                }
            }
            for (String added : now.keySet()) {
                if (!student.getValue().containsKey(added)) {
                    Files.deleteIfExists(dir.resolve(added));
                    restored.add(student.getKey() + "/" + added + " (added, removed)");
                }
            }
        }
        return restored;
    }

    private static Map<String, byte[]> snapshot(Path student) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        long total = 0;
        try (var walk = Files.walk(student)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                total += Files.size(p);
                if (total > MAX_SNAPSHOT_BYTES) throw new IllegalArgumentException(student + " holds more than 200 MiB; submit notebooks only.");
                files.put(student.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    private static List<Row> gradeOne(String student, String notebook, JsonNode original, Path submissions,
                                      Map<String, Map<String, byte[]>> snapshots, Path scratchRoot, Limits limits) throws Exception {
        Map<String, byte[]> files = snapshots.get(student);
        Map<String, Double> cells = Exercises.gradeCells(original);
        if (!files.containsKey(notebook)) {
            List<Row> missing = new ArrayList<>();
            for (var c : cells.entrySet()) missing.add(new Row(student, notebook, c.getKey(), 0, c.getValue(), "notebook not submitted"));
            return missing;
        }
        Path dir = Files.createDirectories(scratchRoot.resolve(student + "." + notebook.replace(".ipynb", "")));
        for (var f : files.entrySet()) {
            Path target = dir.resolve(f.getKey()).normalize();
            if (!target.startsWith(dir)) continue;
            Files.createDirectories(target.getParent());
            Files.write(target, f.getValue());
        }
        Path nb = dir.resolve(notebook);
        Files.writeString(nb, withLockedCells(Exercises.JSON.readTree(files.get(notebook)), original).toString());
        Path results = scratchRoot.resolve(student + "." + notebook + ".results");
        Path log = scratchRoot.resolve(student + "." + notebook + ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + limits.heap(),
                "-XX:+UseSerialGC", "-Dorg.bytedeco.javacpp.maxbytes=" + limits.heap(), "-Dorg.bytedeco.javacpp.maxphysicalbytes=" + physical(limits.heap())));
        for (String p : new String[]{"workbook.data", "workbook.mirror", "workbook.profile", "workbook.home"}) {
            if (System.getProperty(p) != null) cmd.add("-D" + p + "=" + System.getProperty(p));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.tlworkbook.cli.Main", "grade-notebook", nb.toString(), results.toString(),
                Long.toString(limits.cell().toSeconds())));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(limits.notebook().toSeconds(), TimeUnit.SECONDS);
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        if (!finished) {
            p.destroyForcibly();
            p.waitFor();
        }
        String why = !finished ? "not run: the notebook exceeded its time limit of " + limits.notebook().toSeconds() + " s"
                : "not run: the notebook's JVM ended with exit code " + p.exitValue() + lastLine(log);
        Map<String, JsonNode> got = new HashMap<>();
        if (Files.exists(results)) {
            for (String line : Files.readAllLines(results)) {
                if (line.isBlank()) continue;
                JsonNode r = Exercises.JSON.readTree(line);
                got.put(r.path("grade_id").asText(), r);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (var c : cells.entrySet()) {
            JsonNode r = got.get(c.getKey());
            if (r == null) rows.add(new Row(student, notebook, c.getKey(), 0, c.getValue(), why));
            else rows.add(new Row(student, notebook, c.getKey(), r.path("passed").asBoolean() ? c.getValue() : 0, c.getValue(), r.path("feedback").asText()));
        }
        List<String> tampered = restoreChanged(submissions, snapshots);
        if (!tampered.isEmpty()) {
            String note = " | while this notebook ran, files of other submissions changed and were restored: " + String.join("; ", tampered);
            rows.replaceAll(r -> new Row(r.student(), r.notebook(), r.gradeId(), r.points(), r.maxPoints(), r.feedback() + note));
        }
        System.out.printf(Locale.ROOT, "%s / %s: %.0f of %.0f points%n", student, notebook, rows.stream().mapToDouble(Row::points).sum(),
                rows.stream().mapToDouble(Row::maxPoints).sum());
        return rows;
    }

    private static String physical(String heap) {
        long bytes = parseBytes(heap);
        return Long.toString(bytes * 2 + (512L << 20));
    }

    static long parseBytes(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        long unit = t.endsWith("g") ? 1L << 30 : t.endsWith("m") ? 1L << 20 : t.endsWith("k") ? 1L << 10 : 1;
        return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = lines.size() - 1; i >= 0; i--) if (!lines.get(i).isBlank()) return " (" + lines.get(i).strip() + ")";
        } catch (IOException e) {
            // no log: nothing to add
        }
        return "";
    }

    /** The submission with every locked cell's source replaced by the instructor's (matched by grade_id), as nbgrader does. */
    static JsonNode withLockedCells(JsonNode submitted, JsonNode original) {
        Map<String, JsonNode> locked = new HashMap<>();
        for (JsonNode cell : original.path("cells")) {
            JsonNode meta = Exercises.nbgrader(cell);
            if (meta != null && meta.path("locked").asBoolean()) locked.put(meta.path("grade_id").asText(), cell.get("source"));
        }
        JsonNode copy = submitted.deepCopy();
        for (JsonNode cell : copy.path("cells")) {
            JsonNode meta = Exercises.nbgrader(cell);
            if (meta != null && locked.containsKey(meta.path("grade_id").asText())) ((ObjectNode) cell).set("source", locked.get(meta.path("grade_id").asText()));
        }
        return copy;
    }

    static String csv(List<Row> rows) {
        StringBuilder sb = new StringBuilder("student,notebook,grade_id,points,max_points,feedback\n");
        Map<String, double[]> totals = new LinkedHashMap<>();
        for (Row r : rows) {
            sb.append(String.join(",", quote(r.student()), quote(r.notebook()), quote(r.gradeId()), number(r.points()), number(r.maxPoints()), quote(r.feedback())))
                    .append('\n');
            double[] t = totals.computeIfAbsent(r.student(), k -> new double[2]);
            t[0] += r.points();
            t[1] += r.maxPoints();
        }
        for (var t : totals.entrySet()) {
            sb.append(String.join(",", quote(t.getKey()), "TOTAL", "", number(t.getValue()[0]), number(t.getValue()[1]), "")).append('\n');
        }
        return sb.toString();
    }

    private static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String quote(String s) {
        String one = s.replace("\r", " ").replace("\n", " ").strip();
        return one.contains(",") || one.contains("\"") ? "\"" + one.replace("\"", "\"\"") + "\"" : one;
    }

    /**
     * The child side: runs every code cell of {@code notebook} in order (errors do not stop it), each for at most
     * {@code cellSeconds}, and appends one JSON line per graded cell to {@code results} as soon as it ran.
     */
    public static void runNotebook(Path notebook, Path results, long cellSeconds) throws IOException {
        JsonNode doc = Exercises.JSON.readTree(notebook.toFile());
        PrintStream out = System.out;
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cell-time-limit");
            t.setDaemon(true);
            return t;
        });
        try (JShell shell = NotebookRunner.shell(out); Writer w = Files.newBufferedWriter(results, StandardCharsets.UTF_8)) {
            int index = 0;
            for (JsonNode cell : doc.path("cells")) {
                if (!"code".equals(cell.path("cell_type").asText())) continue;
                index++;
                String source = NotebookRunner.text(cell.get("source"));
                boolean[] timedOut = {false};
                ScheduledFuture<?> limit = watchdog.schedule(() -> {
                    timedOut[0] = true;
                    shell.stop();
                }, cellSeconds, TimeUnit.SECONDS);
                String error;
                try {
                    error = NotebookRunner.evalAll(shell, source)[0];
                } finally {
                    limit.cancel(false);
                }
                if (timedOut[0]) error = "stopped: the cell ran longer than its time limit of " + cellSeconds + " s (an endless loop?)";
                if (error != null) out.println("[cell " + index + "] " + error);
                JsonNode meta = Exercises.nbgrader(cell);
                if (meta == null || !meta.path("grade").asBoolean()) continue;
                ObjectNode r = Exercises.JSON.createObjectNode();
                r.put("grade_id", meta.path("grade_id").asText());
                r.put("passed", error == null);
                r.put("feedback", error == null ? "passed" : feedback(error));
                w.write(Exercises.JSON.writer().without(org.nd4j.shade.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
                w.write('\n');
                w.flush();
            }
        } finally {
            watchdog.shutdownNow();
        }
    }

    private static String feedback(String error) {
        String hint = Check.Hint.class.getName() + ": ";
        return error.startsWith(hint) ? error.substring(hint.length()) : error;
    }
}
