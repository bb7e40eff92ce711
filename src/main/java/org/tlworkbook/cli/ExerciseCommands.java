package org.tlworkbook.cli;

import org.tlworkbook.notebook.Exercises;
import org.tlworkbook.notebook.Grader;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** {@code exercises release} (the student version) and {@code grade} (a folder of submissions to grades.csv). */
final class ExerciseCommands {
    private ExerciseCommands() { }

    static int exercises(Args args) throws Exception {
        if (args.positional().size() != 1 || !args.positional().get(0).equals("release")) {
            throw new IllegalArgumentException("usage: exercises release --out DIR [--source notebooks/exercises]");
        }
        Path source = args.path("source", Home.resolve("notebooks/exercises").toString());
        Path out = args.path("out", null);
        args.done();
        if (out == null) throw new IllegalArgumentException("exercises release needs --out DIR");
        List<Path> written = Exercises.release(source, out);
        System.out.println("Released " + written.size() + " student notebooks (solutions replaced by stubs, checks locked) to " + out);
        return 0;
    }

    static int grade(Args args) throws Exception {
        if (args.positional().size() != 1) throw new IllegalArgumentException("usage: grade SUBMISSIONS_DIR --out grades.csv");
        Path submissions = Path.of(args.positional().get(0)).toAbsolutePath();
        Path source = args.path("source", Home.resolve("notebooks/exercises").toString());
        Path out = args.path("out", "grades.csv");
        Grader.Limits d = Grader.Limits.defaults();
        Grader.Limits limits = new Grader.Limits(args.get("memory", d.heap()), Duration.ofSeconds(args.getInt("timeout", (int) d.notebook().toSeconds())),
                Duration.ofSeconds(args.getInt("cell-timeout", (int) d.cell().toSeconds())), args.getInt("parallel", d.parallel()));
        args.done();
        List<Grader.Row> rows = Grader.grade(submissions, source, out, limits);
        System.out.printf("Graded %d cells; wrote %s%n", rows.size(), out);
        return 0;
    }

    /** The grader's child process: one notebook, results as JSON lines. */
    static int gradeNotebook(Args args) throws Exception {
        List<String> p = args.positional();
        args.done();
        Grader.runNotebook(Path.of(p.get(0)), Path.of(p.get(1)), Long.parseLong(p.get(2)));
        return 0;
    }
}
