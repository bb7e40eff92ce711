package org.tlworkbook.cli;

import org.tlworkbook.classroom.Exercises;
import org.tlworkbook.classroom.Grader;
import org.tlworkbook.classroom.SandboxRun;
import org.tlworkbook.classroom.Checker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** {@code exercises release} (the student version) and {@code grade} (a folder of submissions to grades.csv, a gradebook and feedback). */
final class ExerciseCommands {
    private ExerciseCommands() { }

    static int exercises(Args args) throws Exception {
        if (!args.positional().isEmpty() && args.positional().get(0).equals("grade")) {
            throw new IllegalArgumentException("grading is a command of its own: ./workbook grade SUBMISSIONS_DIR --out grades/grades.csv (./workbook grade --help)");
        }
        if (args.positional().size() != 1 || !args.positional().get(0).equals("release")) {
            String given = args.positional().isEmpty() ? null : args.positional().get(0);
            throw new IllegalArgumentException((given == null ? "" : "no exercises command '" + given + "'"
                    + (org.tlworkbook.data.Suggest.close(given, List.of("release")) != null ? " (did you mean 'release'?)" : "") + "; ")
                    + "usage: exercises release --out DIR [--source src/exercises] [--force]");
        }
        Path source = args.path("source", Home.resolve("src/exercises").toString());
        Path out = args.path("out", null);
        boolean force = args.flag("force");
        args.done();
        if (out == null) throw new IllegalArgumentException("exercises release needs --out DIR");
        if (!java.nio.file.Files.isDirectory(source)) throw new IllegalArgumentException("--source " + source + ": no such folder (the instructor's notebooks are in src/exercises)");
        Outputs.folder("out", out);
        List<Path> written = Exercises.release(source, out, force);
        System.out.println("Released " + written.size() + " student notebooks (solutions replaced by stubs, hidden tests removed, checks locked) to " + out);
        return 0;
    }

    static int grade(Args args) throws Exception {
        if (args.positional().size() != 1) throw new IllegalArgumentException("grade takes one submissions folder (one sub-folder per student): ./workbook grade SUBMISSIONS_DIR [--out grades.csv]");
        Path submissions = Path.of(args.positional().get(0)).toAbsolutePath();
        Path source = args.path("source", Home.resolve("src/exercises").toString());
        Path out = args.path("out", "grades.csv");
        Grader.Limits d = Grader.Limits.defaults();
        Grader.Limits limits = new Grader.Limits(args.get("memory", d.heap()), Duration.ofSeconds(args.getInt("timeout", (int) d.notebook().toSeconds())),
                Duration.ofSeconds(args.getInt("cell-timeout", (int) d.cell().toSeconds())), args.getInt("parallel", d.parallel()), !args.flag("no-sandbox"));
        Set<String> students = names(args.get("student", null)), notebooks = names(args.get("notebook", null));
        Set<String> withSuffix = new LinkedHashSet<>();
        for (String n : notebooks) withSuffix.add(n.endsWith(".ipynb") ? n : n + ".ipynb");
        args.done();
        Outputs.file("out", out, "grades.csv (gradebook.csv and feedback/ go beside it)");
        Grader.Report report = Grader.grade(submissions, source, out, limits, new Grader.Selection(students, withSuffix));
        System.out.printf("Graded %d cells; wrote %s, %s and %s%n", report.rows().size(), report.grades(), report.gradebook(), report.feedback());
        return 0;
    }

    private static Set<String> names(String commaSeparated) {
        Set<String> names = new LinkedHashSet<>();
        if (commaSeparated != null) for (String n : commaSeparated.split(",")) if (!n.isBlank()) names.add(n.strip());
        return names;
    }

    /** Inside the grader's sandbox: runs one notebook's cells, handing answers out as data. */
    static int gradeRun(Args args) throws Exception {
        return SandboxRun.run(args.positional());
    }

    /** The grader's checker: decides one notebook's checks on its handed-in answers. */
    static int gradeCheck(Args args) throws Exception {
        return Checker.run(args.positional());
    }
}
