package org.tlworkbook.classroom;

import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Evaluation;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.History;
import org.tlworkbook.model.MobileNetV2;
import org.tlworkbook.model.Phase;
import org.tlworkbook.model.Predictions;
import org.tlworkbook.notebook.DemoImages;
import org.tlworkbook.notebook.Profile;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The self-checks of the exercise notebooks. A check takes only the learner's answers: every fixture, threshold and
 * reference value it compares them with is rebuilt here from the exercise's own recipe and the instructor's data
 * (the same folder, split and seed the notebook's locked cells use), so reassigning a notebook variable cannot lower
 * the bar. It prints one line when the answer holds, and otherwise fails its cell with a {@link Hint} that points at
 * the mistake without giving the answer ("write your code here" for an empty answer). Graded, a check counts only in
 * its locked cell: {@link GradingHost} voids the checks of a submission whose own cells call them.
 */
public final class Check {
    /** A failed check: its message is the hint (nbgrader counts the failing cell as 0 points). */
    public static final class Hint extends AssertionError {
        Hint(String message) {
            super(message);
        }
    }

    /** The head's learning rate in exercises 5 and 6 (their locked cells train the frozen model with it). */
    static final double FROZEN_RATE = 1e-4;

    private Check() { }

    private static void answered(Object... answers) {
        for (Object a : answers) if (a == null) throw new Hint("Not answered yet: write your code here (in the cell above), then run this check again.");
    }

    private static void ok(String line) {
        System.out.println("✓ " + line);
    }

    private static Profile profile() {
        return Profile.exercises();
    }

    private static Path catsAndDogs() {
        try {
            return profile().catsAndDogs().load(Progress.silent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Exercise 1's folder: the training images, 80/20 split with seed 42. */
    static ImageFolder splitFolder() {
        return ImageFolder.from(catsAndDogs().resolve("train")).limitPerClass(profile().limitPerClass()).validationSplit(0.2).seed(42);
    }

    /** Exercises 5, 6 and 8: the validation images with seed 37. */
    static ImageFolder validationFolder() {
        return ImageFolder.from(catsAndDogs().resolve("validation")).seed(37).limitPerClass(profile().limitPerClass());
    }

    private static Path drawn;

    /** Exercises 4 and 7: the drawn three-class folder, split 75/25 with seed 7, drawn once per JVM where no submission writes. */
    static synchronized ImageFolder threeClassFolder() {
        try {
            if (drawn == null) {
                drawn = Files.createTempDirectory("workbook-check-surfing-");
                DemoImages.threeClasses(drawn, profile().demoImagesPerClass(), profile().imageSize());
            }
            return ImageFolder.from(drawn).validationSplit(0.25).seed(7);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ImageGenerator validationOf(ImageFolder folder, BaseModel base) {
        return folder.validation(base).batchSize(profile().batchSize()).build();
    }

    /** Exercise 1: images per class in the training and validation subsets of the seeded split. */
    public static void splitCounts(Map<String, Integer> training, Map<String, Integer> validation) {
        answered(training, validation);
        ImageFolder folder = splitFolder();
        Map<String, Integer> t = counts(folder, folder.trainingSamples()), v = counts(folder, folder.validationSamples());
        if (training.equals(v) && validation.equals(t)) throw new Hint("The two counts look swapped: the validation subset is the smaller one.");
        int all = folder.all().size(), yours = training.values().stream().mapToInt(x -> x == null ? 0 : x).sum();
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
        ImageFolder folder = splitFolder();
        if (!paths(train.sampleList()).equals(paths(folder.trainingSamples()))) {
            throw new Hint("train must hold the training subset of folder: build it with folder.training(base).");
        }
        if (!paths(validation.sampleList()).equals(paths(folder.validationSamples()))) {
            throw new Hint("validation must hold the validation subset of folder: build it with folder.validation(base).");
        }
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

    private static List<Path> paths(List<ImageFolder.Sample> samples) {
        return samples.stream().map(s -> s.path().toAbsolutePath().normalize()).sorted().toList();
    }

    private static double meanChange(ImageGenerator g) throws Exception {
        ImageFolder.Sample first = g.sampleList().get(0);
        float[] a = g.load(first, 1, 0), b = g.load(first, 2, 0);
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
        return sum / a.length;
    }

    /** Exercise 3: the trainable parameters of the base after {@code unfreezeFrom(N)} for N = 100, 120 and 150. */
    public static void trainableParams(Map<Integer, Long> predicted) {
        answered(predicted);
        if (!predicted.keySet().equals(Set.of(100, 120, 150))) throw new Hint("Predict for N = 100, 120 and 150: one entry per N in the map.");
        BaseModel base = MobileNetV2.create(profile().imageSize(), profile().alpha(), 1);
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
        StringBuilder sb = new StringBuilder();
        new java.util.TreeMap<>(predicted).forEach((n, v) -> sb.append(String.format(Locale.ROOT, " N=%d: %,d;", n, v)));
        ok("all predictions right:" + sb.substring(0, sb.length() - 1) + ".");
    }

    /** Exercise 4: a softmax head with dropout on the frozen base that reaches the target accuracy on the exercise's validation images. */
    public static void headReaches(Classifier model) {
        answered(model);
        Head head = model.head();
        if (head.isBinary()) throw new Hint("A single sigmoid unit separates two classes; this data has " + DemoImages.CLASSES.length + ".");
        if (!model.classes().equals(List.of(DemoImages.CLASSES))) throw new Hint("Name the outputs by the folder's classes: surf.classes().");
        if (head.dropout() <= 0) throw new Hint("Add dropout between the hidden Dense layer and the output, as the recipe does.");
        if (model.history().size() == 0) throw new Hint("The model is built but not trained yet: call fit.");
        double target = headTarget();
        double acc = model.evaluate(validationOf(threeClassFolder(), model.base())).accuracy();
        if (acc < target) {
            throw new Hint(String.format(Locale.ROOT, "Validation accuracy %.3f is below %.2f: try more epochs, more hidden units or a higher learning rate.", acc, target));
        }
        ok(String.format(Locale.ROOT, "%s reaches %.3f validation accuracy (target %.2f).", head.description(model.classes().size()), acc, target));
    }

    /** Exercise 4's bar: 0.6 with ImageNet features (chance is 0.33); without them (the smoke profile) only the head's design counts. */
    static double headTarget() {
        return profile().pretrained() ? 0.6 : 0.0;
    }

    /** Exercise 5: fine-tuning from {@code fineTuneAt} at {@code fineRate}, well below the head's rate, without losing accuracy. */
    public static void fineTuning(Classifier model, Integer fineTuneAt, Double fineRate) {
        answered(model, fineTuneAt, fineRate);
        if (model.phase() != Phase.FINE_TUNE) throw new Hint("The base is still frozen as compiled: unfreeze from your layer, then compile, then fit.");
        if (model.base().trainableFrom() != fineTuneAt) throw new Hint("The base is trainable from layer " + model.base().trainableFrom() + ", not from your fineTuneAt.");
        if (Math.abs(model.optimizer().learningRate() - fineRate) > 1e-12) throw new Hint("Compile with your fineRate.");
        if (fineRate >= FROZEN_RATE / 2) {
            throw new Hint("Fine-tuning at the head's rate (or close to it) can wreck the pretrained weights in a few steps: go about 10 times lower.");
        }
        if (fineRate < FROZEN_RATE / 1000) throw new Hint("A rate that low barely moves the weights: fine-tuning would change nothing. Go about 10 times lower than the head's rate, not 1000.");
        History history = model.history();
        List<History.Epoch> frozen = history.phase(Phase.FROZEN), tuned = history.phase(Phase.FINE_TUNE);
        if (frozen.isEmpty()) throw new Hint("Fine-tune the model the notebook trained above, not a new one.");
        if (tuned.isEmpty()) throw new Hint("Compiled for fine-tuning but not trained: call fit.");
        double before = frozen.get(frozen.size() - 1).valAccuracy();
        double now = model.evaluate(validationOf(validationFolder(), model.base())).accuracy();
        if (Math.abs(now - history.last().valAccuracy()) > 1e-6) {
            throw new Hint("The model's accuracy on the validation images is not what its last epoch reports: evaluate it on validation, after fit.");
        }
        if (now < before) {
            throw new Hint(String.format(Locale.ROOT, "Validation accuracy fell from %.3f to %.3f: unfreeze fewer layers (a later fineTuneAt) or lower the rate.",
                    before, now));
        }
        ok(String.format(Locale.ROOT, "fine-tuned from layer %d at %.1e: %.3f -> %.3f validation accuracy.", fineTuneAt, fineRate, before, now));
    }

    /** Exercise 6: the most-confused ordered pair (true class, predicted class) of the model's confusion matrix. */
    public static void mostConfused(Classifier model, String trueClass, String predictedClass) {
        answered(model, trueClass, predictedClass);
        Evaluation evaluation = model.evaluate(validationOf(validationFolder(), model.base()));
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
    public static void mistakes(Classifier model, List<Path> chosen) {
        answered(model, chosen);
        Evaluation evaluation = model.evaluate(validationOf(validationFolder(), model.base()));
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

    /** Exercise 7: a trained model saved to {@code file}, loaded back into {@code reloaded}, whose predictions for the first three validation images these are. */
    public static void savedAndReloaded(Path file, Classifier reloaded, Predictions predictions) throws Exception {
        answered(file, reloaded, predictions);
        if (!Files.isRegularFile(file)) throw new Hint(file + " does not exist: save the trained model there.");
        if (reloaded.loadedFrom() == null || !Files.isSameFile(reloaded.loadedFrom(), file)) {
            throw new Hint("reloaded must be the model loaded back from " + file.getFileName() + ": Classifier.load(saved).");
        }
        if (reloaded.history().size() == 0) throw new Hint("The reloaded model has no trained epochs: save after fit, and load from the file you saved.");
        if (!reloaded.made(predictions)) throw new Hint("predictions must come from reloaded.predict(...), the model you loaded back.");
        List<String> expected = threeClassFolder().validationSamples().stream().limit(3).map(s -> s.path().getFileName().toString()).toList();
        List<String> given = predictions.images().stream().map(p -> p.getFileName().toString()).toList();
        if (!given.equals(expected)) throw new Hint("Predict the first three validation images, in order: validation.sampleList().");
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

    /**
     * Exercise 8: one row per base (MobileNetV2 first) with parameters, featurization speed and validation accuracy,
     * each the figure of the classifier in {@code models} trained on that base: typed-in numbers do not match them.
     */
    public static void comparison(Table table, List<Classifier> models) {
        answered(table, models);
        for (String col : List.of("model", "params", "images_per_second", "val_accuracy")) {
            if (!table.columnNames().contains(col)) throw new Hint("The table needs the columns model, params, images_per_second and val_accuracy; " + col + " is missing.");
        }
        if (table.rowCount() != 2 || models.size() != 2) throw new Hint("One row and one trained classifier per base model: two of each.");
        for (int r = 0; r < 2; r++) {
            Classifier c = models.get(r);
            BaseModel base = c.base();
            String name = table.stringColumn("model").get(r);
            if (!name.equals(base.name())) throw new Hint("Row " + (r + 1) + " must be " + base.name() + ", the base of models.get(" + r + ").");
            if (c.history().size() != profile().epochs()) throw new Hint("Train each classifier for profile.epochs() epochs: " + base.name() + " has " + c.history().size() + ".");
            long p = ((Number) table.column("params").get(r)).longValue();
            if (p != base.countParams()) throw new Hint("The parameter count of " + name + " is off: count the base's parameters, all of them.");
            double acc = ((Number) table.column("val_accuracy").get(r)).doubleValue();
            if (Math.abs(acc - c.history().last().valAccuracy()) > 1e-9) throw new Hint("The accuracy of " + name + " is not its classifier's last validation accuracy.");
            double speed = ((Number) table.column("images_per_second").get(r)).doubleValue();
            List<Double> passes = c.evaluationSpeeds(); // the passes the learner ran: a figure typed in matches none of them
            if (passes.stream().noneMatch(x -> speed > x / 1.5 && speed < x * 1.5)) {
                throw new Hint(String.format(Locale.ROOT, "%.0f images/s is not what timing one of %s's evaluate passes gives%s: time model.evaluate over "
                        + "the validation images after training, and divide their number by the seconds.", speed, name,
                        passes.isEmpty() ? " (it never evaluated)" : ""));
            }
        }
        if (!models.get(0).base().name().toLowerCase(Locale.ROOT).contains("mobilenet")) throw new Hint("Put MobileNetV2 first, then VGG16.");
        ok("the comparison table holds both bases' parameters, speeds and accuracies.");
    }
}
