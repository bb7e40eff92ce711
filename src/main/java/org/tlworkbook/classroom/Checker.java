package org.tlworkbook.classroom;

import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.notebook.Profile;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.ObjectInputFilter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The grader's checker process: it reads one notebook's handed-in answers and decides every check of it with
 * {@link Verdicts}, on the profile, data and reference figures the grader gives on its command line. It never
 * runs a submission's code: answers are JSON and model files, and Java deserialization is limited to strings
 * (a model file's text entries) before any file is read. The grader runs it in a sandbox of its own, with the
 * answers read-only. Verdicts go out as one JSON document on standard output; everything else goes to standard
 * error.
 */
public final class Checker {
    private Checker() { }

    /** Only {@code String}s (the text entries of a saved model) may be deserialized in the checker. */
    static void limitDeserialization() {
        if (ObjectInputFilter.Config.getSerialFilter() != null) return;
        ObjectInputFilter.Config.setSerialFilter(info -> {
            Class<?> c = info.serialClass();
            if (c != null) return c == String.class ? ObjectInputFilter.Status.ALLOWED : ObjectInputFilter.Status.REJECTED;
            if (info.depth() > 2 || info.references() > 16 || info.arrayLength() > 0) return ObjectInputFilter.Status.REJECTED;
            return ObjectInputFilter.Status.UNDECIDED;
        });
    }

    /** {@code grade-check PROFILE ANSWERS DATA_ROOT FULL_ROOT REFERENCE|- GRADE_ID...}. */
    public static int run(List<String> args) {
        if (args.size() < 6) throw new IllegalArgumentException("usage: grade-check PROFILE ANSWERS DATA FULL REFERENCE GRADE_ID... (started by ./workbook grade)");
        limitDeserialization();
        PrintStream verdictsOut = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err); // the library's progress lines are not verdicts
        Profile profile = Profile.named(args.get(0));
        Path answers = Path.of(args.get(1)), data = Path.of(args.get(2)), full = Path.of(args.get(3));
        Double reference = args.get(4).equals("-") ? null : Double.valueOf(args.get(4));
        Verdicts.Context context = new Verdicts.Context(Profile.forExercises(profile), () -> data, () -> full, reference);
        Map<String, Verdicts.Verdict> verdicts = Verdicts.decideAll(args.subList(5, args.size()), answers, context);
        ObjectNode doc = Exercises.JSON.createObjectNode();
        for (Map.Entry<String, Verdicts.Verdict> e : verdicts.entrySet()) {
            ObjectNode v = doc.putObject(e.getKey()).put("passed", e.getValue().passed()).put("feedback", e.getValue().feedback());
            ArrayNode hidden = v.putArray("hidden");
            for (Verdicts.HiddenTest t : e.getValue().hidden()) hidden.addObject().put("name", t.name()).put("passed", t.passed());
        }
        verdictsOut.println(Exercises.compact(doc));
        verdictsOut.flush();
        return 0;
    }
}
