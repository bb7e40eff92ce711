package org.tlworkbook.notebook;

import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Evaluation;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.Phase;
import org.tlworkbook.model.Predictions;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The self-checks of the exercise notebooks ({@code notebooks/exercises/}). A check recomputes the answer from
 * the objects the learner built, prints one line when it holds, and otherwise fails its cell with a
 * {@link Hint} that points at the mistake without giving the answer. An answer left empty ({@code null}) gets
 * "write your code here". Checks read state and restore what they touch, so they can run in any order, again.
 */
public final class Check {
    /** A failed check: its message is the hint (nbgrader counts the failing cell as 0 points). */
    public static final class Hint extends AssertionError {
        Hint(String message) {
            super(message);
        }
    }

    private Check() { }

    private static void answered(Object... answers) {
        for (Object a : answers) if (a == null) throw new Hint("Not answered yet: write your code here (in the cell above), then run this check again.");
    }

    private static void ok(String line) {
        System.out.println("✓ " + line);
    }

    /** Exercise 1: images per class in the training and validation subsets of {@code folder}. */
    public static void splitCounts(ImageFolder folder, Map<String, Integer> training, Map<String, Integer> validation) {
        answered(folder, training, validation);
        Map<String, Integer> t = counts(folder, folder.trainingSamples()), v = counts(folder, folder.validationSamples());
        if (training.equals(v) && validation.equals(t)) throw new Hint("The two counts look swapped: the validation subset is the smaller one.");
        int all = folder.all().size(), yours = training.values().stream().mapToInt(Integer::intValue).sum();
        if (yours == all) throw new Hint("Your training counts include the validation images: count the training subset only (after the split).");
        if (!training.keySet().equals(t.keySet()) || !validation.keySet().equals(v.keySet())) {
            throw new Hint("Use the class names as keys, one per class folder: " + folder.classes() + ".");
        }
        if (!training.equals(t) || !validation.equals(v)) {
            throw new Hint("Some counts are off: count each subset's samples by their label, for the folder with the split and seed you were given.");
        }
        ok("training " + t + ", validation " + v + ".");
    }

    private static Map<String, Integer> counts(ImageFolder folder, List<ImageFolder.Sample> samples) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String c : folder.classes()) m.put(c, 0);
        for (ImageFolder.Sample s : samples) m.merge(folder.classes().get(s.label()), 1, Integer::sum);
        return m;
    }

    /** Exercise 2: the same image differs between two training epochs and never between validation epochs. */
    public static void augmentation(ImageGenerator train, ImageGenerator validation, Double trainingChange, Double validationChange) throws Exception {
        answered(train, validation, trainingChange, validationChange);
        if (train.augmentation().isIdentity()) throw new Hint("The training generator does not augment: give its builder an augmentation.");
        if (!validation.augmentation().isIdentity()) throw new Hint("Validation images must come unchanged every epoch: do not augment the validation generator.");
        double t = meanChange(train), v = meanChange(validation);
        if (Math.abs(trainingChange - t) > 1e-4 * Math.max(1, t)) {
            throw new Hint(String.format(Locale.ROOT, "Your training change (%.5f) is not the generator's: compare the first sample at position 0 "
                    + "in epochs 1 and 2, as the mean absolute difference of all its values.", trainingChange));
        }
        if (Math.abs(validationChange - v) > 1e-6) throw new Hint("Measure the validation change the same way as the training change.");
        ok(String.format(Locale.ROOT, "training images change by %.4f between epochs; validation images by %.4f.", t, v));
    }

    private static double meanChange(ImageGenerator g) throws Exception {
        ImageFolder.Sample first = g.sampleList().get(0);
        float[] a = g.load(first, 1, 0), b = g.load(first, 2, 0);
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
        return sum / a.length;
    }

    /** Exercise 3: the trainable parameters of {@code base} after {@code unfreezeFrom(N)}, for at least three N. */
    public static void trainableParams(BaseModel base, Map<Integer, Long> predicted) {
        answered(base, predicted);
        if (predicted.size() < 3) throw new Hint("Predict for three values of N (put one entry per N in the map).");
        int before = base.trainableFrom();
        try {
            long all = base.unfreeze().countTrainableParams();
            for (Map.Entry<Integer, Long> e : predicted.entrySet()) {
                int n = e.getKey();
                long guess = e.getValue() == null ? -1 : e.getValue();
                long actual = base.unfreezeFrom(n).countTrainableParams();
                if (guess == actual) continue;
                String at = "For N = " + n + ": ";
                if (guess == all - actual) throw new Hint(at + "that is the part that stays frozen; layers from N on are the trainable ones.");
                if (guess == all) throw new Hint(at + "that counts every layer; only layers from N on become trainable.");
                if (guess > actual) throw new Hint(at + "too many. Batch norm's moving mean and variance are parameters, but no optimizer trains them.");
                throw new Hint(at + "too few. Sum the trainable weights of every layer from index N to the last.");
            }
        } finally {
            base.unfreezeFrom(before);
        }
        StringBuilder sb = new StringBuilder();
        predicted.forEach((n, v) -> sb.append(String.format(Locale.ROOT, " N=%d: %,d;", n, v)));
        ok("all predictions right:" + sb.substring(0, sb.length() - 1) + ".");
    }

    /** Exercise 4: a softmax head with dropout that reaches {@code target} validation accuracy. */
    public static void headReaches(Classifier model, ImageGenerator validation, double target) {
        answered(model, validation);
        Head head = model.head();
        if (head.isBinary()) throw new Hint("A single sigmoid unit separates two classes; this data has " + model.classes().size() + ".");
        if (head.dropout() <= 0) throw new Hint("Add dropout between the hidden Dense layer and the output, as the recipe does.");
        if (model.history().size() == 0) throw new Hint("The model is built but not trained yet: call fit.");
        double acc = model.evaluate(validation).accuracy();
        if (acc < target) {
            throw new Hint(String.format(Locale.ROOT, "Validation accuracy %.3f is below %.2f: try more epochs, more hidden units or a higher learning rate.", acc, target));
        }
        ok(String.format(Locale.ROOT, "%s reaches %.3f validation accuracy (target %.2f).", head.description(model.classes().size()), acc, target));
    }

    /** Exercise 5: fine-tuning from {@code fineTuneAt} at {@code fineRate}, lower than the head's, without losing accuracy. */
    public static void fineTuning(Classifier model, Integer fineTuneAt, Double fineRate, double frozenAccuracy, double frozenRate) {
        answered(model, fineTuneAt, fineRate);
        if (model.phase() != Phase.FINE_TUNE) throw new Hint("The base is still frozen as compiled: unfreeze from your layer, then compile, then fit.");
        if (model.base().trainableFrom() != fineTuneAt) throw new Hint("The base is trainable from layer " + model.base().trainableFrom() + ", not from your fineTuneAt.");
        if (Math.abs(model.optimizer().learningRate() - fineRate) > 1e-12) throw new Hint("Compile with your fineRate.");
        if (fineRate >= frozenRate) {
            throw new Hint("Fine-tuning at the head's rate (or higher) can wreck the pretrained weights in a few steps: go about 10 times lower.");
        }
        if (model.history().phase(Phase.FINE_TUNE).isEmpty()) throw new Hint("Compiled for fine-tuning but not trained: call fit.");
        double last = model.history().last().valAccuracy();
        if (last < frozenAccuracy) {
            throw new Hint(String.format(Locale.ROOT, "Validation accuracy fell from %.3f to %.3f: unfreeze fewer layers (a later fineTuneAt) or lower the rate.",
                    frozenAccuracy, last));
        }
        ok(String.format(Locale.ROOT, "fine-tuned from layer %d at %.1e: %.3f -> %.3f validation accuracy.", fineTuneAt, fineRate, frozenAccuracy, last));
    }

    /** Exercise 6: the most-confused ordered pair (true class, predicted class) of the confusion matrix. */
    public static void mostConfused(Evaluation evaluation, String trueClass, String predictedClass) {
        answered(evaluation, trueClass, predictedClass);
        int[][] m = evaluation.confusion();
        int best = -1;
        for (int i = 0; i < m.length; i++) for (int j = 0; j < m.length; j++) if (i != j) best = Math.max(best, m[i][j]);
        List<String> classes = evaluation.classes();
        int i = classes.indexOf(trueClass), j = classes.indexOf(predictedClass);
        if (i < 0 || j < 0) throw new Hint("Use class names from " + classes + ".");
        if (i == j) throw new Hint("The diagonal counts correct predictions; a confusion is off the diagonal.");
        if (m[i][j] != best && m[j][i] == best) throw new Hint("Rows are the true classes, columns the predictions: read the pair the other way round.");
        if (m[i][j] != best) throw new Hint("Another off-diagonal cell is larger: compare all of them.");
        ok(trueClass + " taken for " + predictedClass + " " + best + " time(s), the largest confusion.");
    }

    /** Exercise 6: up to three images the model got wrong (all of them when it made fewer mistakes). */
    public static void mistakes(Evaluation evaluation, List<Path> chosen) {
        answered(evaluation, chosen);
        Set<Path> wrong = new HashSet<>();
        for (Evaluation.Mistake m : evaluation.mistakes()) wrong.add(m.sample().path().toAbsolutePath().normalize());
        int wanted = Math.min(3, wrong.size());
        if (chosen.size() != wanted) throw new Hint("List " + wanted + " image(s): the model made " + wrong.size() + " mistake(s).");
        for (Path p : chosen) {
            if (!wrong.contains(p.toAbsolutePath().normalize())) throw new Hint(p.getFileName() + " was classified correctly: take images from the evaluation's mistakes.");
        }
        if (new HashSet<>(chosen).size() != chosen.size()) throw new Hint("List different images.");
        ok(chosen.size() + " misclassified image(s) listed.");
    }

    /** Exercise 7: a model saved to {@code file}, loaded back, and its predictions for {@code images}. */
    public static void savedAndReloaded(Path file, Classifier reloaded, Predictions predictions) throws Exception {
        answered(file, reloaded, predictions);
        if (!Files.isRegularFile(file)) throw new Hint(file + " does not exist: save the trained model there.");
        if (reloaded.history().size() == 0) throw new Hint("The reloaded model has no trained epochs: save after fit, and load from the file you saved.");
        Classifier fresh = Classifier.load(file);
        Predictions again = fresh.predict(predictions.images().toArray(Path[]::new));
        for (int i = 0; i < again.size(); i++) {
            if (!again.get(i).label().equals(predictions.get(i).label())
                    || Math.abs(again.get(i).probability() - predictions.get(i).probability()) > 1e-4) {
                throw new Hint("Your predictions are not those of the saved model: predict with the model you loaded from " + file.getFileName() + ".");
            }
        }
        ok(predictions.size() + " predictions from the model reloaded from " + file.getFileName() + " (" + reloaded.classes() + ").");
    }

    /** Exercise 8: one row per base with parameters, featurization speed and validation accuracy. */
    public static void comparison(Table table, BaseModel mobileNet, BaseModel vgg) {
        answered(table, mobileNet, vgg);
        for (String col : List.of("model", "params", "images_per_second", "val_accuracy")) {
            if (!table.columnNames().contains(col)) throw new Hint("The table needs the columns model, params, images_per_second and val_accuracy; " + col + " is missing.");
        }
        if (table.rowCount() != 2) throw new Hint("One row per base model: two rows.");
        Map<String, Long> params = Map.of(mobileNet.name(), mobileNet.countParams(), vgg.name(), vgg.countParams());
        for (int r = 0; r < 2; r++) {
            String name = table.stringColumn("model").get(r);
            if (!params.containsKey(name)) throw new Hint("Name the rows by the bases' names: " + params.keySet() + ".");
            long p = ((Number) table.column("params").get(r)).longValue();
            if (p != params.get(name)) throw new Hint("The parameter count of " + name + " is off: count the base's parameters, all of them.");
            double speed = ((Number) table.column("images_per_second").get(r)).doubleValue();
            double acc = ((Number) table.column("val_accuracy").get(r)).doubleValue();
            if (!(speed > 0)) throw new Hint("Measure images per second as images / seconds of featurization.");
            if (!(acc >= 0 && acc <= 1)) throw new Hint("Accuracy is a fraction between 0 and 1.");
        }
        ok("the comparison table holds both bases' parameters, speeds and accuracies.");
    }
}
