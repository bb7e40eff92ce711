package org.tlworkbook.classroom;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.tlworkbook.data.AtomicFiles;
import org.tlworkbook.data.DataHome;
import org.tlworkbook.data.Downloader;
import org.tlworkbook.data.Progress;
import org.tlworkbook.data.SafeUnzip;
import org.tlworkbook.data.Suggest;
import org.tlworkbook.model.Architecture;
import org.tlworkbook.notebook.NotebookRunner;
import org.tlworkbook.notebook.Profile;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Grades a class: {@code SUBMISSIONS/<student>/<notebook>.ipynb} against the instructor's exercise sources. Each
 * notebook is run by a {@link GradingHost} process of its own, in a scratch copy of its student's folder, with
 * time, memory and output caps; the host decides the verdicts and sends them signed, so nothing the submission
 * runs can write them. Around every notebook the grader checks that the class path, the data folder and every
 * submission folder are as they were (see {@link Isolation}); a change costs that notebook its points and is put
 * back. A submission that cannot be read, is too large or breaks its JVM becomes rows with 0 points and the
 * reason; the rest of the class is graded as usual, and results are written after every notebook.
 */
public final class Grader {
    /** Limits per notebook: heap of the JVM that runs it, wall time of the whole notebook and of one cell, notebooks at once. */
    public record Limits(String heap, Duration notebook, Duration cell, int parallel) {
        public static Limits defaults() {
            return new Limits("3g", Duration.ofMinutes(20), Duration.ofMinutes(5), 1);
        }

        /** Refuses limits that cannot work, before anything runs. */
        public Limits {
            long bytes;
            try {
                bytes = parseBytes(heap);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--memory takes a heap size such as 3g or 1500m; got '" + heap + "'");
            }
            if (bytes < (128L << 20)) throw new IllegalArgumentException("--memory must be at least 128m; got '" + heap + "'");
            if (notebook.isNegative() || notebook.isZero()) throw new IllegalArgumentException("--timeout must be a positive number of seconds");
            if (cell.isNegative() || cell.isZero()) throw new IllegalArgumentException("--cell-timeout must be a positive number of seconds");
            if (parallel < 1 || parallel > 64) throw new IllegalArgumentException("--parallel must be between 1 and 64; got " + parallel);
        }
    }

    /** Which part of the class to grade; empty sets mean everyone and every notebook. */
    public record Selection(Set<String> students, Set<String> notebooks) {
        public static Selection all() {
            return new Selection(Set.of(), Set.of());
        }

        boolean partial() {
            return !students.isEmpty() || !notebooks.isEmpty();
        }
    }

    /** One graded cell of one submission: a row of grades.csv. {@code points} is null for a written answer graded by hand. */
    public record Row(String student, String notebook, String gradeId, Double points, double maxPoints, String feedback) { }

    /** What a run wrote, what it passed over (with why), and the wall time of each student's notebooks. */
    public record Report(List<Row> rows, List<String> ignored, Path grades, Path gradebook, Path feedback, Map<String, Double> seconds) { }

    static final long MAX_FOLDER_BYTES = 200L << 20;
    static final long OUTPUT_CAP = 1L << 20;
    private static final long CHANNEL_CAP = 64L << 20;
    private static final Pattern RENAMED = Pattern.compile("(?i)^(.*?)(?: \\(\\d+\\)|-\\d+| copy)+\\.ipynb$");

    private Grader() { }

    static long parseBytes(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        long unit = t.endsWith("g") ? 1L << 30 : t.endsWith("m") ? 1L << 20 : t.endsWith("k") ? 1L << 10 : 1;
        return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
    }

    /** Grades everyone in {@code submissions} (or the selection), writing {@code grades}, a gradebook and feedback pages beside it. */
    public static Report grade(Path submissions, Path source, Path grades, Limits limits, Selection selection) throws Exception {
        if (!Files.isDirectory(submissions)) throw new IllegalArgumentException("No submissions folder " + submissions);
        Map<String, JsonNode> instructor = new LinkedHashMap<>();
        Map<String, Double> maxima = new LinkedHashMap<>();
        for (Path nb : NotebookRunner.notebooks(source)) {
            JsonNode doc = Exercises.JSON.readTree(nb.toFile());
            instructor.put(nb.getFileName().toString(), doc);
            maxima.put(nb.getFileName().toString(), Exercises.gradeCells(doc).stream().mapToDouble(Exercises.GradeCell::points).sum());
        }
        if (instructor.isEmpty()) throw new IllegalArgumentException("No exercise notebooks (*.ipynb) in " + source);
        for (String nb : selection.notebooks()) {
            if (!instructor.containsKey(nb)) throw new IllegalArgumentException("--notebook " + nb + " is not an exercise; they are " + instructor.keySet());
        }
        List<String> ignored = new ArrayList<>();
        List<Path> students = new ArrayList<>();
        try (var list = Files.list(submissions)) {
            for (Path p : list.sorted().toList()) {
                String name = p.getFileName().toString();
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !name.startsWith(".")) students.add(p);
                else ignored.add(name + ": ignored, not a student folder" + (name.endsWith(".ipynb")
                        ? " (notebooks go in SUBMISSIONS/<student>/" + Suggest.nearest(name, instructor.keySet()) + ")" : ""));
            }
        }
        if (students.isEmpty()) {
            throw new IllegalArgumentException("No student folders in " + submissions + ": put each student's notebooks in " + submissions
                    + "/<student>/" + (ignored.isEmpty() ? "" : " (found only: " + String.join("; ", ignored) + ")"));
        }
        List<String> names = students.stream().map(p -> p.getFileName().toString()).toList();
        for (String s : selection.students()) {
            if (!names.contains(s)) throw new IllegalArgumentException("--student " + s + " has no folder in " + submissions + "; there are " + names);
        }
        Path out = grades.toAbsolutePath();
        Files.createDirectories(out.getParent());
        Path gradebook = out.resolveSibling("gradebook.csv");
        Path feedback = out.resolveSibling("feedback");
        List<Row> kept = new ArrayList<>();
        if (selection.partial() && Files.exists(out)) {
            for (Row r : Feedback.parseGrades(Files.readString(out))) {
                boolean regraded = (selection.students().isEmpty() || selection.students().contains(r.student()))
                        && (selection.notebooks().isEmpty() || selection.notebooks().contains(r.notebook()));
                if (!regraded) kept.add(r);
            }
        }

        Path scratch = Files.createTempDirectory("workbook-grading-");
        try {
            Run run = new Run(submissions, scratch, out, gradebook, feedback, kept, maxima, limits);
            run.prepare(students);
            List<Job> jobs = new ArrayList<>();
            for (Path student : students) {
                String s = student.getFileName().toString();
                if (!selection.students().isEmpty() && !selection.students().contains(s)) continue;
                Map<String, Path> files = run.match(s, instructor.keySet(), ignored);
                for (var nb : instructor.entrySet()) {
                    if (!selection.notebooks().isEmpty() && !selection.notebooks().contains(nb.getKey())) continue;
                    jobs.add(new Job(s, nb.getKey(), nb.getValue(), files.get(nb.getKey())));
                }
            }
            run.write(); // the rows kept from earlier runs are on disk before the first notebook runs
            ExecutorService pool = Executors.newFixedThreadPool(limits.parallel());
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (Job job : jobs) futures.add(pool.submit(() -> {
                    run.grade(job);
                    return null;
                }));
                for (Future<?> f : futures) f.get();
            } finally {
                pool.shutdownNow();
            }
            for (String i : ignored) System.out.println("ignored: " + i);
            return new Report(run.rows(), ignored, out, gradebook, feedback, new TreeMap<>(run.seconds));
        } finally {
            if (!Isolation.remove(scratch)) System.err.println("Could not delete all of " + scratch + " (a submission left files there); delete it by hand.");
        }
    }

    private record Job(String student, String notebook, JsonNode instructor, Path file) { }

    /** One grading run's shared state: the snapshots, the guarded folders and the results so far. */
    private static final class Run {
        private final Path submissions, scratch, grades, gradebook, feedback;
        private final Map<String, Double> maxima;
        private final Limits limits;
        private final List<Row> kept;
        private final Map<String, List<Row>> results = Collections.synchronizedMap(new TreeMap<>());
        private final Map<String, String> unreadable = new ConcurrentHashMap<>();
        private final Path snapshots;
        private final Path classPathCopy;
        private final String originalClassPath = System.getProperty("java.class.path");
        private final Object guard = new Object();
        private String classPath;
        private Isolation.Fingerprint classPathPrint, originalPrint, dataPrint;
        private final Map<String, Isolation.Fingerprint> studentPrints = new ConcurrentHashMap<>();
        private final Map<String, Double> seconds = new ConcurrentHashMap<>();

        Run(Path submissions, Path scratch, Path grades, Path gradebook, Path feedback, List<Row> kept, Map<String, Double> maxima, Limits limits) {
            this.submissions = submissions;
            this.scratch = scratch;
            this.grades = grades;
            this.gradebook = gradebook;
            this.feedback = feedback;
            this.kept = kept;
            this.maxima = maxima;
            this.limits = limits;
            this.snapshots = scratch.resolve("snapshots");
            this.classPathCopy = scratch.resolve("classpath");
        }

        /** Snapshots every student folder, copies the class path and makes the exercises' data ready, before any submission runs. */
        void prepare(List<Path> students) throws IOException {
            for (Path student : students) {
                String s = student.getFileName().toString();
                try {
                    long total = 0;
                    try (var walk = Files.walk(student)) {
                        for (Path p : (Iterable<Path>) walk::iterator) {
                            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) total += Files.size(p);
                        }
                    }
                    if (total > MAX_FOLDER_BYTES) {
                        unreadable.put(s, String.format(Locale.ROOT, "your folder holds %.0f MiB, more than the %d MiB allowed: submit notebooks "
                                + "and the small files they read only", total / 1048576.0, MAX_FOLDER_BYTES >> 20));
                    } else {
                        Isolation.copy(student, snapshots.resolve(s));
                    }
                } catch (IOException | SecurityException e) {
                    unreadable.put(s, "your folder cannot be read (" + e.getMessage() + "): check its permissions and submit again");
                }
                try {
                    studentPrints.put(s, Isolation.Fingerprint.of(student));
                } catch (IOException | java.io.UncheckedIOException | SecurityException e) {
                    unreadable.putIfAbsent(s, "your folder cannot be read (" + e.getMessage() + "): check its permissions and submit again");
                }
            }
            classPath = Isolation.copyClassPath(originalClassPath, classPathCopy);
            classPathPrint = Isolation.Fingerprint.of(classPathCopy);
            originalPrint = originalPrint();
            prepareData();
        }

        private Isolation.Fingerprint originalPrint() throws IOException {
            Map<String, String> files = new TreeMap<>();
            int i = 0;
            for (String entry : originalClassPath.split(java.io.File.pathSeparator)) {
                if (entry.isBlank() || !Files.exists(Path.of(entry))) continue;
                Path p = Path.of(entry);
                int index = i++;
                if (Files.isDirectory(p)) Isolation.Fingerprint.of(p).files().forEach((k, v) -> files.put(index + "/" + k, v));
                else Isolation.Fingerprint.of(p.getParent()).files().entrySet().stream()
                        .filter(e -> e.getKey().equals(p.getFileName().toString())).forEach(e -> files.put(index + "/" + e.getKey(), e.getValue()));
            }
            return new Isolation.Fingerprint(files);
        }

        /** Fetches what the exercises load (the dataset, the bases' weights), so a notebook's run only reads the data folder. */
        private void prepareData() throws IOException {
            Profile profile = Profile.exercises();
            profile.catsAndDogs().load(Progress.console());
            Downloader downloader = Downloader.standard(Progress.console());
            for (var file : List.of(Architecture.MOBILENET_V2.weightsFile(profile.imageSize(), profile.alpha()),
                    Architecture.MOBILENET_V2.weightsFile(224, profile.alpha()), Architecture.VGG16.weightsFile(profile.imageSize(), 1))) {
                try {
                    downloader.fetch(file);
                } catch (IOException e) {
                    // not to be had here: the notebooks say so themselves
                }
            }
            dataPrint = Isolation.Fingerprint.of(DataHome.cache());
        }

        /** The student's file for each expected notebook: its own name, or an LMS-renamed copy ("name (1).ipynb"); the rest reported. */
        Map<String, Path> match(String student, Set<String> expected, List<String> ignored) throws IOException {
            Map<String, Path> found = new LinkedHashMap<>();
            Path dir = snapshots.resolve(student);
            if (!Files.isDirectory(dir)) return found;
            List<Path> notebooks;
            try (var list = Files.list(dir)) {
                notebooks = list.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".ipynb")).sorted().toList();
            }
            for (Path p : notebooks) if (expected.contains(p.getFileName().toString())) found.put(p.getFileName().toString(), p);
            for (Path p : notebooks) {
                String name = p.getFileName().toString();
                if (found.containsValue(p)) continue;
                var m = RENAMED.matcher(name);
                String as = m.matches() ? m.group(1) + ".ipynb" : null;
                if (as != null && expected.contains(as) && !found.containsKey(as)) {
                    found.put(as, p);
                    ignored.add(student + "/" + name + ": graded as " + as);
                } else {
                    ignored.add(student + "/" + name + ": ignored, not an exercise name (nearest: " + Suggest.nearest(name, expected) + ")");
                }
            }
            return found;
        }

        void grade(Job job) throws Exception {
            List<Exercises.GradeCell> cells = Exercises.gradeCells(job.instructor());
            List<JsonNode> records = new ArrayList<>();
            List<String> notes = new ArrayList<>();
            String reason = unreadable.get(job.student());
            String submitted = null;
            if (reason == null && job.file() == null) reason = "notebook not submitted";
            if (reason == null) {
                try {
                    submitted = readNotebook(job.file());
                } catch (IOException e) {
                    reason = e.getMessage();
                }
            }
            Map<String, JsonNode> verdicts = new LinkedHashMap<>();
            long t0 = System.nanoTime();
            if (reason == null) {
                Outcome o = runHost(job, submitted, records);
                for (JsonNode r : records) {
                    if (r.path("type").asText().equals("check") || r.path("type").asText().equals("manual")) verdicts.put(r.path("grade_id").asText(), r);
                    if (r.path("type").asText().equals("fatal")) reason = r.path("reason").asText();
                }
                if (reason == null && o.failure() != null) reason = o.failure();
                List<String> tampered = checkGuards(job);
                if (!tampered.isEmpty()) {
                    String note = "not counted: while this notebook ran it changed files outside its own folder (put back): " + String.join("; ", tampered);
                    notes.add(note);
                    verdicts.replaceAll((k, v) -> v.path("type").asText().equals("check")
                            ? Exercises.JSON.createObjectNode().put("type", "check").put("grade_id", k).put("passed", false).put("feedback", note) : v);
                }
            }
            List<Row> rows = new ArrayList<>();
            for (Exercises.GradeCell c : cells) {
                JsonNode v = verdicts.get(c.id());
                if (c.manual()) {
                    rows.add(v == null ? new Row(job.student(), job.notebook(), c.id(), 0.0, c.points(), reason != null ? reason : "the answer cell is missing")
                            : new Row(job.student(), job.notebook(), c.id(), null, c.points(), "to be graded by hand"));
                } else if (v == null) {
                    rows.add(new Row(job.student(), job.notebook(), c.id(), 0.0, c.points(), reason != null ? reason : "not run: the notebook stopped before this check"));
                } else {
                    boolean passed = v.path("passed").asBoolean();
                    rows.add(new Row(job.student(), job.notebook(), c.id(), passed ? c.points() : 0.0, c.points(), v.path("feedback").asText()));
                }
            }
            results.put(job.student() + "\u0000" + job.notebook(), rows);
            Path page = feedback.resolve(job.student()).resolve(job.notebook().replace(".ipynb", ".html"));
            AtomicFiles.writeString(page, Feedback.html(job.student(), job.notebook(), rows, records, reason == null ? notes : List.of(reason)));
            write();
            double took = (System.nanoTime() - t0) / 1e9;
            seconds.merge(job.student(), took, Double::sum);
            System.out.printf(Locale.ROOT, "%s / %s: %s of %s points (%.1f s)%n", job.student(), job.notebook(),
                    Feedback.number(rows.stream().mapToDouble(r -> r.points() == null ? 0 : r.points()).sum()),
                    Feedback.number(rows.stream().mapToDouble(Row::maxPoints).sum()), took);
        }

        /** The notebook as one line of JSON, or an exception whose message says why it cannot be graded. */
        private static String readNotebook(Path file) throws IOException {
            byte[] bytes = Files.readAllBytes(file);
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new IOException(file.getFileName() + " is not UTF-8 text, so not a notebook Jupyter saved: open it in Jupyter, save, and submit again");
            }
            JsonNode doc;
            try {
                doc = Exercises.JSON.readTree(text);
            } catch (IOException e) {
                throw new IOException(file.getFileName() + " is not valid notebook JSON (truncated or edited by hand?): "
                        + GradingHost.cap(String.valueOf(e.getMessage()).lines().findFirst().orElse(""), 200) + ". Open it in Jupyter, save, and submit again");
            }
            if (doc == null || !doc.path("cells").isArray()) throw new IOException(file.getFileName() + " has no cells: it is not a Jupyter notebook");
            return Signed.compact(doc);
        }

        private record Outcome(String failure) { }

        private Outcome runHost(Job job, String submitted, List<JsonNode> records) throws Exception {
            Path dir = Files.createDirectories(scratch.resolve("jobs").resolve(job.student() + "." + job.notebook().replace(".ipynb", "")));
            Path snapshot = snapshots.resolve(job.student());
            if (Files.isDirectory(snapshot)) Isolation.copy(snapshot, dir);
            String token = HexFormat.of().formatHex(Signed.newKey()).substring(0, 24);
            byte[] key = Signed.newKey();
            Signed channel = new Signed(key);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+DisableAttachMechanism",
                    "-cp", classPath, "org.tlworkbook.cli.Main", "grade-notebook", Long.toString(limits.cell().toSeconds()), Long.toString(OUTPUT_CAP)));
            long heap = parseBytes(limits.heap());
            cmd.addAll(List.of("-Xmx" + heap, "-XX:+UseSerialGC", "-Dorg.bytedeco.javacpp.maxbytes=" + heap,
                    "-Dorg.bytedeco.javacpp.maxphysicalbytes=" + (heap * 2 + (512L << 20))));
            for (String p : new String[]{"workbook.profile", "workbook.home"}) {
                if (System.getProperty(p) != null) cmd.add("-D" + p + "=" + System.getProperty(p));
            }
            cmd.add("-Dworkbook.data=" + DataHome.cache()); // absolute: the notebook runs in its own folder
            DataHome.mirror().ifPresent(m -> cmd.add("-Dworkbook.mirror=" + m.toAbsolutePath()));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
            pb.environment().put("WORKBOOK_GRADING", token);
            Process host = pb.start();
            Set<ProcessHandle> seen = Collections.synchronizedSet(new LinkedHashSet<>());
            Thread watcher = new Thread(() -> {
                while (host.isAlive()) {
                    host.descendants().forEach(seen::add);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "grading-process-watch");
            watcher.setDaemon(true);
            watcher.start();
            StringBuilder stderr = new StringBuilder();
            Thread errors = drain(host.getErrorStream(), stderr);
            boolean[] ended = {false};
            Thread reader = new Thread(() -> readChannel(host.getInputStream(), channel, records, ended, host), "grading-channel");
            reader.setDaemon(true);
            reader.start();
            try (OutputStream in = host.getOutputStream()) {
                in.write((HexFormat.of().formatHex(key) + "\n" + Signed.compact(job.instructor()) + "\n" + submitted + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the host died at start: its exit code says more
            }
            long t1 = System.nanoTime();
            boolean finished = host.waitFor(limits.notebook().toSeconds(), TimeUnit.SECONDS);
            if (System.getenv("WORKBOOK_DEBUG") != null) System.err.printf("host ran %.1f s%n", (System.nanoTime() - t1) / 1e9);
            if (!finished) {
                host.descendants().forEach(seen::add);
                host.destroyForcibly();
                host.waitFor();
            }
            reader.join(5000);
            if (System.getenv("WORKBOOK_DEBUG") != null) System.err.printf("reader joined %.1f s%n%s%n", (System.nanoTime() - t1) / 1e9, stderr);
            errors.join(2000);
            watcher.interrupt();
            List<ProcessHandle> all = new ArrayList<>(seen);
            Isolation.sweep(token, dir, all);
            Isolation.remove(dir); // what the notebook wrote is of no further use, and may be large
            if (!finished) return new Outcome("not run: the notebook exceeded its time limit of " + limits.notebook().toSeconds() + " s");
            if (!ended[0]) {
                String last = stderr.toString().strip().lines().reduce((a, b) -> b).orElse("");
                return new Outcome("not run: the grading process ended early (exit code " + host.exitValue() + (last.isEmpty() ? "" : ": " + GradingHost.cap(last, 300)) + ")");
            }
            return new Outcome(null);
        }

        private static void readChannel(InputStream in, Signed channel, List<JsonNode> records, boolean[] ended, Process host) {
            long total = 0;
            StringBuilder line = new StringBuilder();
            boolean tooLong = false;
            try (var reader = new java.io.InputStreamReader(in, StandardCharsets.UTF_8)) {
                char[] buf = new char[8192];
                for (int n; (n = reader.read(buf)) > 0; ) {
                    total += n;
                    if (total > CHANNEL_CAP) {
                        host.destroyForcibly();
                        return;
                    }
                    for (int i = 0; i < n; i++) {
                        char c = buf[i];
                        if (c != '\n') {
                            if (line.length() < (8 << 20)) line.append(c);
                            else tooLong = true;
                            continue;
                        }
                        if (!tooLong) {
                            JsonNode r = channel.verify(line.toString());
                            if (r != null) {
                                synchronized (records) {
                                    if (r.path("type").asText().equals("end")) ended[0] = true;
                                    else records.add(r);
                                }
                            }
                        }
                        line.setLength(0);
                        tooLong = false;
                    }
                }
            } catch (IOException e) {
                // the host is gone: what was verified stands
            }
        }

        private static Thread drain(InputStream in, StringBuilder into) {
            Thread t = new Thread(() -> {
                try (in) {
                    byte[] buf = new byte[8192];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        synchronized (into) {
                            if (into.length() < 65536) into.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        }
                    }
                } catch (IOException e) {
                    // ended
                }
            }, "grading-stderr");
            t.setDaemon(true);
            t.start();
            return t;
        }

        /** What this notebook changed in the class path, the data folder and the submission folders; each is put back. */
        private List<String> checkGuards(Job job) throws IOException {
            synchronized (guard) {
                List<String> changes = new ArrayList<>();
                List<String> cp = Isolation.Fingerprint.of(classPathCopy).changesSince(classPathPrint);
                if (!cp.isEmpty()) {
                    changes.add("the class path it ran on: " + first(cp));
                    Isolation.restoreClassPath(originalClassPath, classPathCopy);
                    classPathPrint = Isolation.Fingerprint.of(classPathCopy);
                }
                List<String> original = originalPrint().changesSince(originalPrint);
                if (!original.isEmpty()) {
                    changes.add("the grader's own class path: " + first(original) + " (rebuild it before grading again)");
                    originalPrint = originalPrint();
                }
                List<String> data = Isolation.Fingerprint.of(DataHome.cache()).changesSince(dataPrint);
                if (!data.isEmpty()) {
                    changes.add("the data folder: " + first(data));
                    Set<String> tops = new LinkedHashSet<>();
                    for (String c : data) tops.add(c.split("[/ ]")[0]);
                    for (String top : tops) {
                        Path p = DataHome.cache().resolve(top);
                        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) SafeUnzip.deleteTree(p);
                        else Files.deleteIfExists(p);
                    }
                    prepareData();
                }
                for (var student : studentPrints.entrySet()) {
                    Path dir = submissions.resolve(student.getKey());
                    List<String> s = Isolation.Fingerprint.of(dir).changesSince(student.getValue());
                    if (s.isEmpty()) continue;
                    changes.add("the submission folder of " + (student.getKey().equals(job.student()) ? "its own student" : "another student") + ": " + first(s));
                    Path snapshot = snapshots.resolve(student.getKey());
                    if (Files.isDirectory(snapshot)) {
                        SafeUnzip.deleteTree(dir);
                        Isolation.copy(snapshot, dir);
                    }
                    studentPrints.put(student.getKey(), Isolation.Fingerprint.of(dir));
                }
                return changes;
            }
        }

        private static String first(List<String> changes) {
            return String.join(", ", changes.subList(0, Math.min(3, changes.size()))) + (changes.size() > 3 ? " and " + (changes.size() - 3) + " more" : "");
        }

        List<Row> rows() {
            List<Row> all = new ArrayList<>(kept);
            synchronized (results) {
                results.values().forEach(all::addAll);
            }
            all.sort(java.util.Comparator.comparing(Row::student).thenComparing(Row::notebook));
            return all;
        }

        /** grades.csv and gradebook.csv as they stand, each replaced atomically. */
        synchronized void write() throws IOException {
            List<Row> all = rows();
            AtomicFiles.writeString(grades, Feedback.gradesCsv(all));
            AtomicFiles.writeString(gradebook, Feedback.gradebookCsv(all, maxima));
        }
    }
}
