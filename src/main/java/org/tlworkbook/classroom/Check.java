package org.tlworkbook.classroom;

import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Predictions;
import org.tlworkbook.notebook.Profile;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The check cells of the exercise notebooks. A check hands the learner's answers over as data ({@link Answers}).
 * In the learner's own notebook they are checked at once, by the same code the grader uses ({@link Verdicts}):
 * one line when the answer holds, otherwise the cell fails with a {@link Hint} that points at the mistake
 * ("write your code here" for an empty answer). Under {@code ./workbook grade} nothing is decided in the
 * notebook's process: the answers are written out, and a separate checker that never runs the notebook's code
 * decides, on the grader's profile, data and thresholds.
 */
public final class Check {
    /** A failed check: its message is the hint (nbgrader counts the failing cell as 0 points). */
    public static final class Hint extends AssertionError {
        Hint(String message) {
            super(message);
        }
    }

    private Check() { }

    static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + " […]";
    }

    private static void handIn(Answers answers) {
        try {
            if (Answers.collecting()) {
                answers.handIn();
                System.out.println("Answers handed in for grading (" + answers.gradeId() + ").");
                return;
            }
            Verdicts.Verdict v = Verdicts.decide(answers.gradeId(), answers, localContext());
            if (!v.passed()) throw new Hint(v.feedback());
            System.out.println("✓ " + v.feedback());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The learner's own run: the exercise profile and the dataset as downloaded; references come from the model itself. */
    private static Verdicts.Context localContext() {
        Profile profile = Profile.exercises();
        java.util.function.Supplier<Path> root = () -> {
            try {
                return profile.catsAndDogs().load(Progress.silent());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        return new Verdicts.Context(profile, root, root, null);
    }

    /** Exercise 1: images per class in the training and validation subsets of the seeded split. */
    public static void splitCounts(Map<String, Integer> training, Map<String, Integer> validation) {
        handIn(Answers.of("ex1-check").put("training", training).put("validation", validation));
    }

    /** Exercise 2: the same image differs between two training epochs and never between validation epochs. */
    public static void augmentation(ImageGenerator train, ImageGenerator validation, Double trainingChange, Double validationChange) {
        handIn(Answers.of("ex2-check").put("train", train).put("validation", validation).put("trainChange", trainingChange).put("valChange", validationChange));
    }

    /**
     * Exercise 3: for N = 100, 120 and 150, the base's trainable parameters after {@code unfreezeFrom(N)}, and the
     * parameters of layers N and up that stay untrained even then.
     */
    public static void trainableParams(Map<Integer, Long> trainable, Map<Integer, Long> notTrained) {
        handIn(Answers.of("ex3-check").put("trainable", trainable).put("notTrained", notTrained));
    }

    /** Exercise 6: a softmax head with dropout on the frozen base that reaches the target accuracy on images it never saw. */
    public static void headReaches(Classifier model) {
        handIn(Answers.of("ex6-check").put("model", model));
    }

    /** Exercise 4: fine-tuning from {@code fineTuneAt} at {@code fineRate}, well below the head's rate, without losing accuracy. */
    public static void fineTuning(Classifier model, Integer fineTuneAt, Double fineRate) {
        handIn(Answers.of("ex4-check").put("model", model).put("fineTuneAt", fineTuneAt).put("fineRate", fineRate));
    }

    /** Exercise 5: per class name, the precision and recall of the model's confusion matrix on its validation images. */
    public static void precisionRecall(Classifier model, Map<String, Double> precision, Map<String, Double> recall) {
        handIn(Answers.of("ex5-check").put("model", model).put("precision", precision).put("recall", recall));
    }

    /** Exercise 5: per class name, the precision and recall of the exercise's example matrix, and its most-confused pair. */
    public static void exampleMatrix(Map<String, Double> precision, Map<String, Double> recall, String trueClass, String predictedClass) {
        handIn(Answers.of("ex5-check-example").put("precision", precision).put("recall", recall)
                .put("trueClass", trueClass).put("predictedClass", predictedClass));
    }

    /** Exercise 7: a trained model saved to {@code file}, loaded back into {@code reloaded}, whose predictions for the first three validation images these are. */
    public static void savedAndReloaded(Path file, Classifier reloaded, Predictions predictions) {
        Classifier saved = null;
        if (file != null) {
            try {
                saved = Classifier.load(file);
            } catch (IOException | RuntimeException e) {
                throw new Hint("Your saved file " + file.getFileName() + " cannot be loaded back (" + cut(String.valueOf(e.getMessage()), 200) + "): save the trained model there.");
            }
        }
        handIn(Answers.of("ex7-check").put("saved", saved).put("reloaded", reloaded).put("predictions", predictions));
    }

    /**
     * Exercise 8: one row per base (MobileNetV2 first) with parameters, evaluation speed and validation accuracy,
     * each the figure of the classifier in {@code models} trained on that base.
     */
    public static void comparison(Table table, List<Classifier> models) {
        handIn(Answers.of("ex8-check").put("table", table).put("models", models));
    }

    /**
     * Exercise 9: the example's five bins of top probability, (0.5, 0.6] to (0.9, 1.0], each bin's mean confidence and
     * accuracy, and the expected calibration error.
     */
    public static void calibrationBins(double[] binConfidence, double[] binAccuracy, Double ece) {
        handIn(Answers.of("ex9-check").put("binConfidence", binConfidence).put("binAccuracy", binAccuracy).put("ece", ece));
    }

    /** Exercise 9: whether the example's model is overconfident, and whether temperature scaling would fit T above 1. */
    public static void calibrationReading(Boolean overconfident, Boolean temperatureAboveOne) {
        handIn(Answers.of("ex9-check-reading").put("overconfident", overconfident).put("temperatureAboveOne", temperatureAboveOne));
    }
}
