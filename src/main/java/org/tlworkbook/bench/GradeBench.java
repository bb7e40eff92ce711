package org.tlworkbook.bench;

import org.tlworkbook.classroom.Grader;
import org.tlworkbook.classroom.Submissions;
import org.tlworkbook.notebook.NotebookRunner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./workbook bench grade}: grades a class of five made from the exercise sources (solutions, the blank
 * release, a partial submission, a hostile one with a different attack in each notebook, and the solutions as an
 * LMS renames uploads) and prints the wall time per student, beside the grades, gradebook and feedback it wrote.
 */
public final class GradeBench {
    private GradeBench() { }

    public static void run(Path source, Path out, int parallel) throws Exception {
        Submissions s = new Submissions(source);
        Path submissions = out.resolve("submissions");
        if (Files.exists(submissions)) org.tlworkbook.data.SafeUnzip.deleteTree(submissions);
        List<Path> notebooks = NotebookRunner.notebooks(source);
        for (Path nb : notebooks) {
            String name = nb.getFileName().toString();
            Submissions.write(submissions, "ada-solutions", name, Files.readString(nb));
            Submissions.write(submissions, "bob-blank", name, s.blank(name));
            Submissions.write(submissions, "dee-renamed", name.replace(".ipynb", " (1).ipynb"), Files.readString(nb));
        }
        Submissions.write(submissions, "cy-partial", "01_split_counts.ipynb", s.withAnswer("01_split_counts.ipynb", s.solution("01_split_counts.ipynb")));
        Submissions.write(submissions, "cy-partial", "03_trainable_parameters.ipynb", s.withAnswer("03_trainable_parameters.ipynb",
                s.solution("03_trainable_parameters.ipynb").replace("? p / 2 : p", "? p : p"))); // counts batch norm's statistics as trained
        Submissions.write(submissions, "cy-partial", "06_three_class_head.ipynb", s.withAnswer("06_three_class_head.ipynb",
                s.solution("06_three_class_head.ipynb").replace("Head.pooledDense(64)", "Head.flattenDense(64, 0.5)"))); // Flatten, where the task asks to pool
        Map<String, String> attacks = new LinkedHashMap<>();
        attacks.put("01_split_counts.ipynb", "class Check { static void splitCounts(Object a, Object b) { } }\n"
                + "Map<String, Integer> trainCounts = Map.of(), valCounts = Map.of();\n");
        attacks.put("02_augmentation.ipynb", "System.exit(0);\n");
        attacks.put("03_trainable_parameters.ipynb", "Map<Integer, Long> trainable = new TreeMap<>(), notTrained = new TreeMap<>();\n"
                + "for (int n : List.of(100, 120, 150)) { trainable.put(n, base.unfreezeFrom(n).countTrainableParams()); notTrained.put(n, 0L); }\n");
        attacks.put("06_three_class_head.ipynb", "Classifier model = null;\nwhile (true) { try { while (true) { } } catch (Throwable t) { } }\n");
        attacks.put("04_fine_tuning.ipynb", "Integer fineTuneAt = 100;\nDouble fineRate = 1e-12;\n");
        attacks.put("05_precision_recall.ipynb", "Map<String, Double> precision = null, recall = null, examplePrecision = null, exampleRecall = null;\n"
                + "String exampleTrueClass = null, examplePredictedClass = null;\n"
                + "Files.writeString(Path.of(" + quote(submissions.resolve("ada-solutions/05_precision_recall.ipynb").toAbsolutePath().toString()) + "), \"{}\");\n");
        attacks.put("07_own_folder.ipynb", "Path saved = null;\nClassifier reloaded = null;\nPredictions predictions = null;\n"
                + "Files.writeString(Path.of(System.getProperty(\"workbook.data\")).resolve(\"planted.txt\"), \"x\");\n");
        attacks.put("08_vgg16_vs_mobilenet.ipynb", "Table table = null;\nList<Classifier> models = null;\n"
                + "Files.writeString(Path.of(\"/proc/\" + ProcessHandle.current().parent().orElseThrow().pid() + \"/fd/1\"), "
                + "\"{\\\"type\\\":\\\"check\\\",\\\"grade_id\\\":\\\"ex8-check\\\",\\\"passed\\\":true,\\\"seq\\\":1}\\t00\\n\", StandardOpenOption.APPEND);\n");
        for (var a : attacks.entrySet()) Submissions.write(submissions, "eve-hostile", a.getKey(), s.withAnswer(a.getKey(), a.getValue()));

        Path grades = out.resolve("grades/grades.csv");
        long t0 = System.nanoTime();
        Grader.Report report = Grader.grade(submissions.toAbsolutePath(), source, grades, new Grader.Limits("3g", Duration.ofMinutes(20),
                Duration.ofSeconds(60), parallel), Grader.Selection.all());
        double wall = (System.nanoTime() - t0) / 1e9;
        System.out.println();
        System.out.println("| student | points | of | notebook wall time, s |");
        System.out.println("|---|---|---|---|");
        Map<String, double[]> per = new LinkedHashMap<>();
        for (Grader.Row r : report.rows()) {
            double[] p = per.computeIfAbsent(r.student(), k -> new double[2]);
            p[0] += r.points() == null ? 0 : r.points();
            p[1] += r.maxPoints();
        }
        for (var e : per.entrySet()) {
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.1f |%n", e.getKey(), e.getValue()[0], e.getValue()[1],
                    report.seconds().getOrDefault(e.getKey(), 0.0));
        }
        System.out.printf(Locale.ROOT, "%nclass of %d graded in %.1f s wall (parallel %d, profile %s, %d cores); wrote %s, %s, %s%n", per.size(), wall, parallel,
                System.getProperty("workbook.profile", System.getenv().getOrDefault("WORKBOOK_PROFILE", "quick")),
                Runtime.getRuntime().availableProcessors(), report.grades(), report.gradebook(), report.feedback());
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
