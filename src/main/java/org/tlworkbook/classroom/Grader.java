package org.tlworkbook.classroom;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.data.AtomicFiles;
import org.tlworkbook.data.Downloader;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.Progress;
import org.tlworkbook.data.RemoteFile;
import org.tlworkbook.data.Suggest;
import org.tlworkbook.model.Architecture;
import org.tlworkbook.notebook.NotebookRunner;
import org.tlworkbook.notebook.Profile;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * Grades a class: {@code SUBMISSIONS/<student>/<notebook>.ipynb} against the instructor's exercise sources.
 * Every notebook runs in an OS sandbox of its own ({@link Sandbox}) that sees the JDK, a copy of the class path,
 * the exercises' part of the data and its own scratch folder, read-only except that folder; it has no network,
 * sees no other process and dies whole. Its check cells hand the answers out as data ({@link Answers}); a
 * separate {@link Checker} process, which never runs the submission's code, decides every verdict on the
 * grader's profile, data and thresholds, evaluating handed-in models on images the notebook never had. A
 * submission that cannot be read, is too large or breaks its sandbox becomes rows with 0 points and the reason;
 * the rest of the class is graded as usual, and results are written after every notebook.
 */
public final class Grader {
    /**
     * Limits per notebook: heap of the JVM that runs it, wall time of the whole notebook and of one cell, notebooks
     * at once, and whether it runs in the sandbox ({@code --no-sandbox} grades without one and says so on every row).
     */
    public record Limits(String heap, Duration notebook, Duration cell, int parallel, boolean sandbox) {
        public static Limits defaults() {
            return new Limits("3g", Duration.ofMinutes(20), Duration.ofMinutes(5), 1, true);
        }

        /** Sandboxed limits. */
        public Limits(String heap, Duration notebook, Duration cell, int parallel) {
            this(heap, notebook, cell, parallel, true);
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

    static final long OUTPUT_CAP = 1L << 20;
    private static final String CLASS_DATA = "notebook.jsa";

    /** The grader's own cells that load what the exercises' notebooks load, run once to write the class-data archive. */
    private static final List<String> WARM_UP = List.of(
            """
            import org.tlworkbook.data.*;
            import org.tlworkbook.model.*;
            import org.tlworkbook.train.*;
            import org.tlworkbook.plot.*;
            import org.tlworkbook.notebook.*;
            import org.tlworkbook.classroom.*;
            import static org.tlworkbook.notebook.Jupyter.display;
            import java.nio.file.*;
            import java.util.*;
            import tech.tablesaw.api.*;
            Profile profile = Profile.exercises();
            profile""",
            """
            Path root = profile.catsAndDogs().load(Progress.console());
            ImageFolder folder = ImageFolder.from(root.resolve("train")).validationSplit(0.2).seed(42);
            Map<String, Integer> counts = new TreeMap<>();
            for (ImageFolder.Sample s : folder.trainingSamples()) counts.merge(folder.classes().get(s.label()), 1, Integer::sum);
            counts""",
            """
            BaseModel base = MobileNetV2.create(profile.imageSize(), profile.alpha(), 1);
            base.unfreezeFrom(100).countTrainableParams()""",
            """
            record Pair(String name, double value) { }
            List.of(1, 2, 3).stream().map(i -> new Pair("n" + i, Math.sqrt(i))).toList()""");
    static final String UNSANDBOXED = " [graded without a sandbox]";
    private static final Pattern RENAMED = Pattern.compile("(?i)^(.*?)(?: \\(\\d+\\)|-\\d+| copy)+\\.ipynb$");

    private Grader() { }

    static long parseBytes(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        long unit = t.endsWith("g") ? 1L << 30 : t.endsWith("m") ? 1L << 20 : t.endsWith("k") ? 1L << 10 : 1;
        return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
    }

    /** A student folder name as the class lists it: whitespace and case folded, so near-duplicates are found. */
    private static String folded(String name) {
        return name.strip().toLowerCase(Locale.ROOT);
    }

    /** Grades everyone in {@code submissions} (or the selection), writing {@code grades}, a gradebook and feedback pages beside it. */
    public static Report grade(Path submissions, Path source, Path grades, Limits limits, Selection selection) throws Exception {
        if (!Files.isDirectory(submissions)) {
            throw new IllegalArgumentException("No submissions folder " + submissions + (Files.exists(submissions) ? " (it is a file)" : "")
                    + ": give the folder that holds one sub-folder per student");
        }
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
                if (Files.isSymbolicLink(p)) note(ignored, name + ": refused, a symbolic link: put the student's files in a folder of their own, not a link to one");
                else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !name.startsWith(".")) students.add(p);
                else note(ignored, name + ": ignored, not a student folder" + (name.endsWith(".ipynb")
                        ? " (notebooks go in SUBMISSIONS/<student>/" + Objects.requireNonNullElse(Suggest.close(name, instructor.keySet()), "<exercise>.ipynb") + ")" : ""));
            }
        }
        Map<String, List<String>> byFolded = new TreeMap<>();
        for (Path p : students) byFolded.computeIfAbsent(folded(p.getFileName().toString()), k -> new ArrayList<>()).add(p.getFileName().toString());
        List<Path> distinct = new ArrayList<>();
        for (Path p : students) {
            String name = p.getFileName().toString();
            List<String> same = byFolded.get(folded(name));
            if (same.size() > 1) {
                note(ignored, "'" + name + "': refused, its name differs from " + same.stream().filter(n -> !n.equals(name)).map(n -> "'" + n + "'").toList()
                        + " only in case or surrounding spaces: rename one of the folders so each student has one");
            } else if (name.chars().anyMatch(Character::isISOControl)) {
                note(ignored, "'" + name + "': refused, the folder name holds control characters: rename it");
            } else {
                distinct.add(p);
            }
        }
        students = distinct;
        if (students.isEmpty()) {
            throw new IllegalArgumentException("No student folders in " + submissions + ": put each student's notebooks in " + submissions
                    + "/<student>/" + (ignored.isEmpty() ? "" : " (found only: " + String.join("; ", ignored) + ")"));
        }
        // after the folders: an empty or flat submissions folder is the first thing to fix, on any machine
        if (limits.sandbox() && Sandbox.problem() != null) throw new IllegalArgumentException("Cannot grade in a sandbox: " + Sandbox.problem());
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
            Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x")); // the sandbox's own user reads its mounts
            Set<String> chosen = selection.notebooks().isEmpty() ? instructor.keySet() : selection.notebooks();
            Run run = new Run(scratch, out, gradebook, feedback, kept, maxima, limits);
            run.prepare(chosen.contains("04_fine_tuning.ipynb"));
            List<Job> jobs = new ArrayList<>();
            for (Path student : students) {
                String s = student.getFileName().toString();
                if (!selection.students().isEmpty() && !selection.students().contains(s)) continue;
                Map<String, Path> files = match(student, instructor.keySet(), ignored);
                for (var e : instructor.entrySet()) {
                    if (!selection.notebooks().isEmpty() && !selection.notebooks().contains(e.getKey())) continue;
                    jobs.add(new Job(s, e.getKey(), e.getValue(), files.get(e.getKey())));
                }
            }
            run.write(); // the rows kept from earlier runs are on disk before the first notebook runs
            BlockingQueue<Integer> slots = new ArrayBlockingQueue<>(limits.parallel());
            for (int i = 0; i < limits.parallel(); i++) slots.add(i);
            ExecutorService pool = Executors.newFixedThreadPool(limits.parallel());
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (Job job : jobs) futures.add(pool.submit(() -> {
                    int slot = slots.take();
                    try {
                        run.grade(job, slot);
                    } finally {
                        slots.add(slot);
                    }
                    return null;
                }));
                for (Future<?> f : futures) f.get();
            } finally {
                pool.shutdownNow();
            }
            for (String i : ignored) System.out.println((i.contains(": graded as ") ? "renamed: " : "ignored: ") + i);
            return new Report(run.rows(), ignored, out, gradebook, feedback, new TreeMap<>(run.seconds));
        } finally {
            if (!Isolation.remove(scratch)) System.err.println("Could not delete all of " + scratch + " (a submission left files there); delete it by hand.");
        }
    }

    /**
     * The student's file for each expected notebook: its own name, or an LMS-renamed copy ("name (1).ipynb"). What
     * is not graded is reported with what to do: a second copy, another name, an archive, a notebook in a sub-folder.
     */
    static Map<String, Path> match(Path dir, Set<String> expected, List<String> ignored) throws IOException {
        String student = dir.getFileName().toString();
        Map<String, Path> found = new LinkedHashMap<>();
        List<Path> entries;
        try (var list = Files.list(dir)) {
            entries = list.sorted().toList();
        } catch (IOException | SecurityException e) {
            return found;
        }
        List<Path> notebooks = entries.stream().filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".ipynb")).toList();
        for (Path p : notebooks) if (expected.contains(p.getFileName().toString())) found.put(p.getFileName().toString(), p);
        for (Path p : notebooks) {
            String name = p.getFileName().toString();
            if (found.containsValue(p)) continue;
            var m = RENAMED.matcher(name);
            String as = m.matches() ? m.group(1) + ".ipynb" : null;
            if (as != null && expected.contains(as) && !found.containsKey(as)) {
                found.put(as, p);
                note(ignored, student + "/" + name + ": graded as " + as);
            } else if (as != null && expected.contains(as)) {
                note(ignored, student + "/" + name + ": ignored, a second copy of " + as + ", and " + student + "/" + found.get(as).getFileName()
                        + " is the one graded: keep one file per exercise");
            } else {
                String near = Suggest.close(name, expected);
                note(ignored, student + "/" + name + ": ignored, not an exercise name (" + (near != null ? "nearest: " + near
                        : "the exercises are " + String.join(", ", expected)) + ")");
            }
        }
        for (Path p : entries) {
            String name = p.getFileName().toString(), lower = name.toLowerCase(Locale.ROOT);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !name.startsWith(".")) {
                try (var walk = Files.walk(p, 3)) { // not following links: a link to elsewhere is not looked into
                    List<Path> seen = walk.limit(NESTED_ENTRIES).toList(); // a huge tree costs the grader no more than this
                    if (seen.size() == NESTED_ENTRIES) {
                        note(ignored, student + "/" + name + "/: only its first " + NESTED_ENTRIES + " entries were looked into for notebooks");
                    }
                    for (Path nested : seen.stream().filter(q -> q.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".ipynb"))
                            .filter(q -> !dir.relativize(q).toString().contains("/.")).sorted().toList()) {
                        note(ignored, student + "/" + dir.relativize(nested) + ": not graded, it is in a sub-folder: move it to " + student
                                + "/ (the grader takes the notebooks at the top of each student's folder)");
                    }
                } catch (IOException | java.io.UncheckedIOException | SecurityException e) {
                    note(ignored, student + "/" + name + "/: not looked into (" + e.getMessage() + ")");
                }
            } else if (lower.matches(".*\\.(zip|tar|tgz|tar\\.gz|gz|7z|rar)$")) {
                note(ignored, student + "/" + name + ": not graded, an archive: unpack its notebooks into " + student
                        + "/ and grade again (the grader does not open archives)");
            }
        }
        return found;
    }

    /** How many entries of a student's sub-folders are looked through for misplaced notebooks. */
    static final int NESTED_ENTRIES = 1000;

    /** A line about a submitted file or folder, names' control characters shown as '?' so a name cannot forge other lines. */
    private static void note(List<String> ignored, String line) {
        ignored.add(line.replaceAll("\\p{Cntrl}", "?"));
    }

    private record Job(String student, String notebook, JsonNode instructor, Path file) { }

    /**
     * The native libraries' settings of each graded notebook, sandboxed or not: OpenBLAS's AVX2 kernels (unless this
     * machine's environment picks others), and two OpenMP threads that sleep when idle rather than spin,
     * since notebooks graded in parallel share the cores (spinning threads doubled the CPU time of two kernels side by side).
     */
    static final Map<String, String> NATIVE = Map.of("OPENBLAS_CORETYPE", System.getenv().getOrDefault("OPENBLAS_CORETYPE", "Haswell"),
            "OMP_NUM_THREADS", "2", "OMP_WAIT_POLICY", "PASSIVE");

    /** One grading run's shared state: the class path copy, the data the sandboxes see, and the results so far. */
    private static final class Run {
        private final Path scratch, grades, gradebook, feedback;
        private final Map<String, Double> maxima;
        private final Limits limits;
        private final List<Row> kept;
        private final Map<String, List<Row>> results = Collections.synchronizedMap(new TreeMap<>());
        private final Map<String, Double> seconds = new ConcurrentHashMap<>();
        private final Profile profile = Profile.exercises();
        private Path classPath, data, jcache, classData;
        private final List<String> classPathNames = new ArrayList<>();
        private Path fullDataset;
        private String datasetName, counts;
        private Double frozenReference;

        Run(Path scratch, Path grades, Path gradebook, Path feedback, List<Row> kept, Map<String, Double> maxima, Limits limits) {
            this.scratch = scratch;
            this.grades = grades;
            this.gradebook = gradebook;
            this.feedback = feedback;
            this.kept = kept;
            this.maxima = maxima;
            this.limits = limits;
        }

        /**
         * Before any submission runs: copies the class path, makes the data the sandboxes see (the exercises' images,
         * hard-linked, and the bases' weights) and, for exercise 4, trains its frozen reference on held-out images.
         */
        void prepare(boolean fineTuning) throws IOException {
            classPath = scratch.resolve("classpath");
            for (String entry : Isolation.copyClassPath(System.getProperty("java.class.path"), classPath).split(File.pathSeparator)) {
                if (!entry.isBlank()) classPathNames.add(Path.of(entry).getFileName().toString());
            }
            fullDataset = profile.catsAndDogs().load(Progress.console());
            datasetName = fullDataset.getFileName().toString();
            data = Files.createDirectories(scratch.resolve("data"));
            Path view = data.resolve(datasetName);
            Set<Path> used = new LinkedHashSet<>();
            int limit = profile.limitPerClass();
            for (String subset : List.of("train", "validation")) {
                Path dir = fullDataset.resolve(subset);
                for (long seed : new long[]{42, 37}) {
                    for (int n : new int[]{limit, 50}) {
                        if (limit == 0 && n == 50) continue;
                        ImageFolder.from(dir).seed(seed).limitPerClass(n).all().forEach(s -> used.add(s.path()));
                    }
                }
            }
            Map<String, Integer> perFolder = new TreeMap<>();
            for (Path file : used) {
                Path rel = fullDataset.relativize(file);
                Path target = view.resolve(rel.toString());
                Files.createDirectories(target.getParent());
                Isolation.link(file, target);
                perFolder.merge(rel.getParent().toString(), 1, Integer::sum);
            }
            counts = String.join(",", perFolder.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
            Downloader downloader = Downloader.standard(Progress.silent());
            List<RemoteFile> weights = new ArrayList<>(List.of(Architecture.MOBILENET_V2.weightsFile(profile.imageSize(), profile.alpha()),
                    Architecture.MOBILENET_V2.weightsFile(224, profile.alpha()), Architecture.VGG16.weightsFile(profile.imageSize(), 1)));
            for (RemoteFile file : weights) {
                try {
                    Path got = downloader.fetch(file);
                    if (!Files.exists(data.resolve(file.name()))) Isolation.link(got, data.resolve(file.name()));
                } catch (IOException e) {
                    // not to be had here: the notebooks say so themselves
                }
            }
            if (limits.sandbox()) {
                jcache = nativeCache();
                Path full = Files.createDirectories(scratch.resolve("full")).resolve(datasetName);
                Isolation.copyLinked(fullDataset, full); // where the sandbox's user can reach it
                fullDataset = full;
            }
            Isolation.readableByAll(scratch);
            classData = classData();
            if (fineTuning) {
                Verdicts.Context c = new Verdicts.Context(profile, () -> view, () -> fullDataset, null);
                frozenReference = Verdicts.frozenReference(c);
                System.out.printf(Locale.ROOT, "exercise 4's reference: the frozen recipe reaches %.3f on held-out images%n", frozenReference);
            }
        }

        /**
         * A class-data archive of what a notebook's JVM loads (JShell, javac, ND4J, DL4J, the workbook), written by one
         * run of {@link #WARM_UP}'s cells before any submission runs, then mounted read-only in every sandbox: each
         * notebook and checker starts without loading and verifying those classes again, a third of a short
         * notebook's CPU time. Made by the grader's own cells, never a student's, since a JVM that ran a submission
         * could write anything into it. Null, and grading goes on without it, when that run wrote none.
         */
        private Path classData() throws IOException {
            Path archive = Files.createDirectories(scratch.resolve("class-data")).resolve(CLASS_DATA);
            // without a sandbox the class path is this run's own folder, which an archive names: none fits a later run
            String key = limits.sandbox() ? ClassData.key(java(Path.of("/cp"), null, "grade-run"), classPath, WARM_UP) : null;
            java.util.Optional<Path> kept = key == null ? java.util.Optional.empty() : ClassData.kept(key);
            if (kept.isPresent()) {
                Isolation.link(kept.get(), archive);
                Isolation.readableByAll(archive.getParent());
                return archive;
            }
            Path dir = Files.createDirectories(scratch.resolve("warm-up"));
            long t0 = System.nanoTime();
            List<Plan.RunCell> cells = new ArrayList<>();
            for (String source : WARM_UP) cells.add(new Plan.RunCell(cells.size() + 1, null, true, false, source));
            String reason;
            try {
                reason = runNotebook(new Plan(cells, List.of(), Map.of(), Map.of(), Map.of()), dir, 0, new ArrayList<>(), true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while the class-data archive was made", e);
            }
            Path made = dir.resolve("work").resolve(CLASS_DATA);
            try {
                if (reason != null || !Files.isRegularFile(made, LinkOption.NOFOLLOW_LINKS)) {
                    System.out.println("Grading without a class-data archive (each notebook starts slower): " + (reason != null ? reason : "none was written"));
                    return null;
                }
                Files.copy(made, archive, LinkOption.NOFOLLOW_LINKS); // the grader's own copy, read-only to every sandbox
                Isolation.readableByAll(archive.getParent());
                String notKept = key == null ? "graded without a sandbox" : ClassData.keep(key, archive);
                System.out.printf(Locale.ROOT, "class-data archive for the notebooks' JVMs written in %.1f s%s%n", (System.nanoTime() - t0) / 1e9,
                        notKept == null ? ", kept for later runs" : "; not kept (" + notKept + ")");
                return archive;
            } finally {
                Isolation.remove(dir);
            }
        }

        /** The natives the JVM extracted (JavaCPP's cache), as a folder the sandbox can mount: loaded here first, so it is complete. */
        private Path nativeCache() throws IOException {
            org.nd4j.linalg.factory.Nd4j.create(1); // extracts the natives into JavaCPP's cache
            Path cache;
            try {
                cache = org.bytedeco.javacpp.Loader.getCacheDir().toPath();
            } catch (IOException e) {
                throw new IOException("JavaCPP's native cache cannot be found: " + e.getMessage(), e);
            }
            Path copy = Files.createDirectories(scratch.resolve("jcache"));
            Isolation.copyLinked(cache, copy);
            return copy;
        }


        void grade(Job job, int slot) throws Exception {
            List<Exercises.GradeCell> cells = Exercises.gradeCells(job.instructor());
            List<JsonNode> records = new ArrayList<>();
            String reason = null;
            List<SubmissionReader.Cell> submitted = null;
            if (job.file() == null) reason = "notebook not submitted";
            else {
                try {
                    submitted = SubmissionReader.read(job.file());
                } catch (IOException e) {
                    reason = e.getMessage();
                }
            }
            Map<String, Verdicts.Verdict> verdicts = new LinkedHashMap<>();
            Plan plan = null;
            long t0 = System.nanoTime();
            double ran = Double.NaN;
            if (reason == null) {
                plan = Plan.of(job.notebook(), job.instructor(), submitted);
                Path dir = Files.createDirectories(scratch.resolve("jobs").resolve(slot + "-" + Integer.toHexString(job.student().hashCode()) + "-"
                        + job.notebook().replace(".ipynb", "")));
                try {
                    String failure = runNotebook(plan, dir, slot, records, false);
                    if (failure != null) reason = failure;
                    ran = (System.nanoTime() - t0) / 1e9;
                    verdicts = check(plan, dir, slot);
                } finally {
                    Isolation.remove(dir); // what the notebook wrote is of no further use, and may be large
                }
            }
            String mark = limits.sandbox() ? "" : UNSANDBOXED;
            List<Row> rows = new ArrayList<>();
            for (Exercises.GradeCell c : cells) {
                if (c.manual()) {
                    String answer = plan == null ? null : plan.manual().get(c.id());
                    rows.add(answer == null ? new Row(job.student(), job.notebook(), c.id(), 0.0, c.points(), (reason != null ? reason : "the answer cell is missing") + mark)
                            : new Row(job.student(), job.notebook(), c.id(), null, c.points(), "to be graded by hand" + mark));
                    continue;
                }
                String invalid = plan == null ? null : plan.invalid().get(c.id());
                Verdicts.Verdict v = verdicts.get(c.id());
                String feedbackText;
                boolean passed = false;
                if (plan == null) feedbackText = reason;
                else if (invalid != null) feedbackText = "not counted: " + invalid;
                else if (v == null) feedbackText = reason != null ? reason : "not run: the notebook stopped before this check";
                else {
                    passed = v.passed();
                    StringBuilder f = new StringBuilder(passed ? "passed: " + v.feedback() : v.feedback());
                    for (Verdicts.HiddenTest t : v.hidden()) f.append(" [hidden test '").append(t.name()).append("': ").append(t.passed() ? "passed" : "failed").append("]");
                    if (!passed && reason != null) f.append(" (").append(reason).append(")");
                    for (String hint : plan.hints().getOrDefault(c.id(), List.of())) f.append(" Hint: ").append(hint).append('.');
                    feedbackText = f.toString();
                }
                rows.add(new Row(job.student(), job.notebook(), c.id(), passed ? c.points() : 0.0, c.points(), feedbackText + mark));
            }
            results.put(job.student() + "\u0000" + job.notebook(), rows);
            Path page = feedback.resolve(job.student()).resolve(job.notebook().replace(".ipynb", ".html"));
            List<JsonNode> shown = new ArrayList<>();
            if (plan != null) {
                Map<Integer, JsonNode> byIndex = new LinkedHashMap<>();
                for (JsonNode r : records) byIndex.put(r.path("index").asInt(), r);
                for (Plan.RunCell c : plan.cells()) {
                    ObjectNode r = Exercises.JSON.createObjectNode().put("type", "cell").put("index", c.index()).put("locked", c.locked())
                            .put("source", Check.cut(c.source(), 100_000));
                    JsonNode record = byIndex.get(c.index());
                    r.put("output", record == null ? "" : Check.cut(record.path("output").asText(), 200_000));
                    if (record == null) r.put("error", "not run");
                    else if (record.has("error")) r.put("error", record.path("error").asText());
                    shown.add(r);
                    if (c.check()) shown.add(Exercises.JSON.createObjectNode().put("type", "check").put("grade_id", c.gradeId()));
                }
                plan.manual().forEach((id, answer) -> shown.add(Exercises.JSON.createObjectNode().put("type", "manual").put("grade_id", id).put("answer", answer)));
            }
            List<String> notes = new ArrayList<>();
            if (reason != null) notes.add(reason);
            if (!limits.sandbox()) notes.add("Graded without a sandbox (--no-sandbox): the verdicts were decided outside the notebook's process, but the notebook could reach this machine.");
            AtomicFiles.writeString(page, Feedback.html(job.student(), job.notebook(), rows, shown, notes));
            write();
            double took = (System.nanoTime() - t0) / 1e9;
            seconds.merge(job.student(), took, Double::sum);
            System.out.printf(Locale.ROOT, "%s / %s: %s of %s points (%.1f s%s)%n", job.student(), job.notebook(),
                    Feedback.number(rows.stream().mapToDouble(r -> r.points() == null ? 0 : r.points()).sum()),
                    Feedback.number(rows.stream().mapToDouble(Row::maxPoints).sum()), took,
                    Double.isNaN(ran) ? "" : String.format(Locale.ROOT, ": notebook %.1f s, checker %.1f s", ran, took - ran));
        }

        private long heap() {
            return parseBytes(limits.heap());
        }

        private Sandbox.Caps caps() {
            long heap = heap();
            return new Sandbox.Caps(Sandbox.root() ? 1024 : 8192, 8192, 2L << 30, Math.max(60, limits.notebook().toSeconds() * 2),
                    heap * 2 + (3L << 30), 2L << 30, 20_000);
        }

        private List<String> java(Path cp, Path jcachePath, String... mainArgs) {
            long heap = heap();
            String javaBin = limits.sandbox() ? Sandbox.JDK + "/bin/java" : Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xmx" + heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+DisableAttachMechanism",
                    "-Xlog:disable", "-Xlog:all=warning:stderr", // the JVM's own warnings never on standard output, the checker's verdicts
                    "-Xss4m", "-Djava.awt.headless=true", "-Dfile.encoding=UTF-8", "-Dorg.bytedeco.javacpp.maxbytes=" + heap,
                    "-Dorg.bytedeco.javacpp.maxphysicalbytes=" + (heap * 2 + (512L << 20)), "-Dworkbook.profile=" + profile.name()));
            if (jcachePath != null) cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + jcachePath);
            if (classData != null) cmd.add("-XX:SharedArchiveFile=" + (limits.sandbox() ? "/class-data/" + CLASS_DATA : classData.toString()));
            cmd.addAll(List.of("-cp", classPathOf(cp), "org.tlworkbook.cli.Main"));
            cmd.addAll(List.of(mainArgs));
            return cmd;
        }

        private String classPathOf(Path root) {
            return String.join(File.pathSeparator, classPathNames.stream().map(n -> root.resolve(n).toString()).toList());
        }

        private Map<String, String> env(String home) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("HOME", home);
            env.put("LANG", "C.UTF-8");
            env.putAll(NATIVE);
            return env;
        }

        private List<Sandbox.Mount> common(boolean withFull) throws IOException {
            List<Sandbox.Mount> m = new ArrayList<>();
            m.add(new Sandbox.Mount(classPath, "/cp", false));
            m.add(new Sandbox.Mount(null, "/data", true));
            try (var list = Files.list(data)) {
                for (Path p : list.sorted().toList()) m.add(new Sandbox.Mount(p, "/data/" + p.getFileName(), false));
            }
            m.add(new Sandbox.Mount(null, "/jcache", true));
            try (var list = Files.list(jcache)) {
                for (Path p : list.sorted().toList()) {
                    if (!p.getFileName().toString().startsWith(".")) m.add(new Sandbox.Mount(p, "/jcache/" + p.getFileName(), false)); // JavaCPP's lock stays writable
                }
            }
            if (withFull) m.add(new Sandbox.Mount(fullDataset, "/full/" + datasetName, false));
            if (classData != null) m.add(new Sandbox.Mount(classData.getParent(), "/class-data", false));
            return m;
        }

        /** Runs the plan's cells; null when the notebook ran to its end, else why it did not. A warm-up also writes the class-data archive. */
        private String runNotebook(Plan plan, Path dir, int slot, List<JsonNode> records, boolean warmUp) throws IOException, InterruptedException {
            Path work = Files.createDirectories(dir.resolve("work"));
            Files.writeString(work.resolve("plan.json"), Exercises.compact(plan.json()));
            Files.createDirectories(work.resolve("answers"));
            Sandbox.Caps caps = caps();
            long seconds = limits.notebook().toSeconds();
            Sandbox.Ended ended;
            if (limits.sandbox()) {
                Sandbox.handOver(work, slot);
                List<Sandbox.Mount> mounts = common(false);
                mounts.add(new Sandbox.Mount(work, "/work", true));
                List<String> cmd = new ArrayList<>(java(Path.of("/cp"), Path.of("/jcache"), "grade-run", "/work/plan.json", "/work/cells.jsonl",
                        Long.toString(limits.cell().toSeconds()), Long.toString(OUTPUT_CAP)));
                cmd.add(1, "-Dworkbook.data=/data");
                cmd.add(1, "-Dworkbook.answers=/work/answers");
                cmd.add(1, "-Dworkbook.exercise.counts=" + counts);
                cmd.add(1, "-Duser.home=/work");
                cmd.add(1, "-Djava.io.tmpdir=/tmp");
                if (warmUp) cmd.add(1, "-XX:ArchiveClassesAtExit=/work/" + CLASS_DATA);
                ended = Sandbox.run(Sandbox.command(slot, caps, mounts, "/work", env("/work"), cmd), seconds, caps, work, null);
            } else {
                List<String> cmd = new ArrayList<>(java(classPath, null, "grade-run", work.resolve("plan.json").toString(), work.resolve("cells.jsonl").toString(),
                        Long.toString(limits.cell().toSeconds()), Long.toString(OUTPUT_CAP)));
                cmd.add(1, "-Dworkbook.data=" + data);
                cmd.add(1, "-Dworkbook.answers=" + work.resolve("answers"));
                cmd.add(1, "-Dworkbook.exercise.counts=" + counts);
                Path tmp = Files.createDirectories(work.resolve("tmp"));
                cmd.add(1, "-Djava.io.tmpdir=" + tmp);
                if (warmUp) cmd.add(1, "-XX:ArchiveClassesAtExit=" + work.resolve(CLASS_DATA));
                ended = Sandbox.runPlain(cmd, work, seconds, caps, NATIVE, null);
            }
            readRecords(work.resolve("cells.jsonl"), records);
            if (ended.timedOut()) return "not run: the notebook exceeded its time limit of " + seconds + " s";
            if (ended.killedFor() != null) return "stopped: " + ended.killedFor();
            boolean halted = records.stream().anyMatch(r -> r.path("error").asText().contains("ignored the interruption"));
            if (halted) return "stopped: a cell ran past its time limit of " + limits.cell().toSeconds() + " s and ignored the interruption";
            if (ended.exitCode() == 0 && records.size() < plan.cells().size()) {
                return "the notebook's Java process ended before cell " + plan.cells().get(records.size()).index() + " ran (System.exit, halt or a crash)";
            }
            if (ended.exitCode() != 0) {
                String last = ended.stderrTail().strip().lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
                return "the notebook's Java process ended early (exit code " + ended.exitCode() + (last.isEmpty() ? "" : ": " + Check.cut(last, 300)) + ")";
            }
            return null;
        }

        private static void readRecords(Path file, List<JsonNode> records) {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return;
            try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                String text = new String(in.readNBytes(8 << 20), StandardCharsets.UTF_8);
                for (String line : text.split("\n")) {
                    try {
                        JsonNode r = Exercises.JSON.readTree(line);
                        if (r != null && r.isObject()) records.add(r);
                    } catch (IOException e) {
                        // a torn or forged line: the cell shows no output
                    }
                }
            } catch (IOException e) {
                // no outputs to show
            }
        }

        /** The checker's verdicts on what the notebook handed in, decided in a sandbox of its own. */
        private Map<String, Verdicts.Verdict> check(Plan plan, Path dir, int slot) throws IOException, InterruptedException {
            Map<String, Verdicts.Verdict> verdicts = new LinkedHashMap<>();
            List<String> ids = plan.decidable();
            if (ids.isEmpty()) return verdicts;
            Path handedIn = dir.resolve("work").resolve("answers");
            Path checking = Files.createDirectories(dir.resolve("checker"));
            // the notebook may have replaced its answers folder by a link (to a classmate's, say): then it handed in nothing
            Path answers = Files.isDirectory(handedIn, LinkOption.NOFOLLOW_LINKS) ? handedIn : Files.createDirectories(checking.resolve("none"));
            Path result = checking.resolve("verdicts.json");
            Sandbox.Caps caps = caps();
            String ref = frozenReference == null ? "-" : Double.toString(frozenReference);
            Sandbox.Ended ended;
            if (limits.sandbox()) {
                Sandbox.handOver(checking, slot);
                List<Sandbox.Mount> mounts = common(true);
                mounts.add(new Sandbox.Mount(answers, "/answers", false));
                mounts.add(new Sandbox.Mount(checking, "/work", true));
                List<String> args = new ArrayList<>(List.of("grade-check", profile.name(), "/answers", "/data/" + datasetName, "/full/" + datasetName, ref));
                args.addAll(ids);
                List<String> cmd = new ArrayList<>(java(Path.of("/cp"), Path.of("/jcache"), args.toArray(String[]::new)));
                cmd.add(1, "-Dworkbook.data=/data");
                cmd.add(1, "-Duser.home=/work");
                cmd.add(1, "-Djava.io.tmpdir=/tmp");
                ended = Sandbox.run(Sandbox.command(slot, caps, mounts, "/work", env("/work"), cmd), limits.notebook().toSeconds(), caps, checking, result);
            } else {
                List<String> args = new ArrayList<>(List.of("grade-check", profile.name(), answers.toString(), data.resolve(datasetName).toString(),
                        fullDataset.toString(), ref));
                args.addAll(ids);
                List<String> cmd = new ArrayList<>(java(classPath, null, args.toArray(String[]::new)));
                cmd.add(1, "-Dworkbook.data=" + data);
                ended = Sandbox.runPlain(cmd, checking, limits.notebook().toSeconds(), caps, NATIVE, result);
            }
            JsonNode doc = null;
            try {
                if (Files.isRegularFile(result)) doc = Exercises.JSON.readTree(Files.readString(result));
            } catch (IOException e) {
                doc = null;
            }
            for (String id : ids) {
                JsonNode v = doc == null ? null : doc.get(id);
                if (v == null) {
                    String why = ended.timedOut() ? "the checker ran out of time" : ended.killedFor() != null ? "the checker was stopped: " + ended.killedFor()
                            : "the checker failed (exit code " + ended.exitCode() + ": " + Check.cut(ended.stderrTail().strip().lines().reduce((a, b) -> b).orElse(""), 300) + ")";
                    verdicts.put(id, Verdicts.Verdict.fail("not checked: " + why));
                    continue;
                }
                List<Verdicts.HiddenTest> hidden = new ArrayList<>();
                for (JsonNode t : v.path("hidden")) hidden.add(new Verdicts.HiddenTest(t.path("name").asText(), t.path("passed").asBoolean()));
                verdicts.put(id, new Verdicts.Verdict(v.path("passed").asBoolean(), v.path("feedback").asText(), hidden));
            }
            return verdicts;
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
