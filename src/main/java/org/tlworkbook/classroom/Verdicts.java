package org.tlworkbook.classroom;

import org.tlworkbook.model.internal.ModelInternals;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.tlworkbook.data.Augmentation;
import org.tlworkbook.data.ClassMode;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Preprocessing;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.Architecture;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Evaluation;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.History;
import org.tlworkbook.model.MobileNetV2;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.model.Phase;
import org.tlworkbook.model.Predictions;
import org.tlworkbook.model.Vgg16;
import org.tlworkbook.notebook.DemoImages;
import org.tlworkbook.notebook.Profile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * The exercises' checks, decided on handed-in {@link Answers}: every fixture, threshold and reference value is
 * rebuilt here from the exercise's recipe and the {@link Context} the grader fixes (profile, data, reference
 * figures), never read from the learner's process. A check on a model evaluates the model file itself, where it
 * can on images the learner's process never had. Each check either passes with one line or fails with a
 * {@link Check.Hint} that points at the mistake; hidden tests are named in the verdict, never shown.
 */
final class Verdicts {
    private Verdicts() { }

    /** The head's learning rate in exercises 4 and 5 (their locked cells train the frozen model with it). */
    static final double FROZEN_RATE = 1e-4;
    /** How far below the frozen recipe's held-out accuracy a fine-tuned model may land (noise on a few hundred images). */
    static final double FINE_TUNE_MARGIN = 0.05;
    /**
     * Exercise 8: a timed speed must be within this factor of the checker's own timings of the same model (three
     * times it when a pass takes under 0.2 s, which mostly times the machine's noise): timings of a few dozen images
     * on a busy machine vary by a factor of three, and a figure typed in is usually further off.
     */
    static final double SPEED_FACTOR = 10;
    /** The seed of the drawn images that exercise 6's model is evaluated on: not the notebook's 37. */
    static final long HELD_OUT_DRAWING = 4711;

    /** One named hidden test and whether it held. */
    record HiddenTest(String name, boolean passed) { }

    /** The decision on one check cell. */
    record Verdict(boolean passed, String feedback, List<HiddenTest> hidden) {
        static Verdict fail(String feedback) {
            return new Verdict(false, feedback, List.of());
        }
    }

    /**
     * What the grader fixes for every check: the profile, the exercises' dataset root as the notebook saw it, a
     * root holding more of the same dataset (images outside the exercises' subset are held out), and the frozen
     * recipe's held-out accuracy for exercise 4 (null outside the grader: the model's own history is used).
     */
    record Context(Profile profile, java.util.function.Supplier<Path> data, java.util.function.Supplier<Path> fullData, Double frozenReference) {
        Path catsAndDogs() {
            return data.get();
        }

        Path fullCatsAndDogs() {
            return fullData.get();
        }

        ImageFolder splitFolder() {
            return ImageFolder.from(catsAndDogs().resolve("train")).limitPerClass(profile.limitPerClass()).validationSplit(0.2).seed(42);
        }

        ImageFolder trainingFolder(int perClass) {
            return ImageFolder.from(catsAndDogs().resolve("train")).seed(37).limitPerClass(perClass);
        }

        ImageFolder validationFolder(int perClass) {
            return ImageFolder.from(catsAndDogs().resolve("validation")).seed(37).limitPerClass(perClass);
        }

        /** Exercises 4 and 5: the validation images with seed 37. */
        ImageFolder validationFolder() {
            return validationFolder(profile.limitPerClass());
        }

        /**
         * Up to {@code perClass} validation images per class that the exercise never used, chosen with a seed; the
         * exercise's own validation images when the data has no others (the full and smoke profiles use them all).
         */
        List<ImageFolder.Sample> heldOutValidation(int perClass) {
            ImageFolder used = validationFolder();
            Set<String> seen = new HashSet<>();
            for (ImageFolder.Sample s : used.all()) seen.add(relative(catsAndDogs(), s.path()));
            ImageFolder all = ImageFolder.from(fullCatsAndDogs().resolve("validation"));
            if (!all.classes().equals(used.classes())) throw new IllegalStateException("the held-out data has other classes: " + all.classes());
            Map<Integer, List<ImageFolder.Sample>> byClass = new TreeMap<>();
            for (ImageFolder.Sample s : all.all()) {
                if (!seen.contains(relative(fullCatsAndDogs(), s.path()))) byClass.computeIfAbsent(s.label(), k -> new ArrayList<>()).add(s);
            }
            List<ImageFolder.Sample> out = new ArrayList<>();
            Random random = new Random(HELD_OUT_DRAWING);
            for (List<ImageFolder.Sample> samples : byClass.values()) {
                List<ImageFolder.Sample> sorted = new ArrayList<>(samples);
                sorted.sort(java.util.Comparator.comparing(s -> s.path().getFileName().toString()));
                java.util.Collections.shuffle(sorted, random);
                out.addAll(sorted.subList(0, Math.min(perClass, sorted.size())));
            }
            return out.isEmpty() || byClass.size() < used.classes().size() ? used.all() : out;
        }

        private static String relative(Path root, Path file) {
            Path p = file.toAbsolutePath().normalize();
            Path r = root.toAbsolutePath().normalize();
            return p.startsWith(r) ? r.relativize(p).toString() : p.toString();
        }
    }

    private static final Map<Long, Path> DRAWN = new java.util.concurrent.ConcurrentHashMap<>();

    /** The drawn three-class folder of exercises 6 and 7 (drawing {@code seed}), drawn once per JVM where no submission writes. */
    static synchronized Path drawn(Profile profile, long seed) {
        return DRAWN.computeIfAbsent(seed, s -> {
            try {
                Path dir = Files.createTempDirectory("workbook-check-drawn-" + s + "-");
                return DemoImages.threeClasses(dir, profile.demoImagesPerClass(), profile.imageSize(), s);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Decides {@code gradeId} on {@code answers} (null: never handed in). */
    static Verdict decide(String gradeId, Answers answers, Context c) {
        if (answers == null) return Verdict.fail("Not handed in: the check cell did not run to its end, so there is nothing to grade.");
        try {
            return switch (gradeId) {
                case "ex1-check" -> splitCounts(answers, c);
                case "ex2-check" -> augmentation(answers, c);
                case "ex3-check" -> trainableParams(answers, c);
                case "ex6-check" -> headReaches(answers, c);
                case "ex4-check" -> fineTuning(answers, c);
                case "ex5-check" -> precisionRecall(answers, c);
                case "ex5-check-example" -> exampleMatrix(answers, c);
                case "ex7-check" -> savedAndReloaded(answers, c);
                case "ex8-check" -> comparison(answers, c);
                case "ex9-check" -> calibrationBins(answers);
                case "ex9-check-reading" -> calibrationReading(answers);
                default -> Verdict.fail("No recipe for the check '" + gradeId + "'.");
            };
        } catch (Check.Hint h) {
            return Verdict.fail(h.getMessage());
        } catch (Exception e) {
            return Verdict.fail("Your answers could not be checked: " + Check.cut(String.valueOf(e.getMessage()), 300));
        }
    }

    private static Verdict pass(String line) {
        return new Verdict(true, line, List.of());
    }

    private static void answered(Answers a, String... names) {
        for (String n : names) {
            if (a.blank(n)) throw new Check.Hint("Not answered yet: write your code here (in the cell above), then run this check again.");
        }
    }

    // ---- exercise 9 ----

    /** The example's five bins over (0.5, 1]: {count, mean confidence, accuracy} each, as {@code model.Calibration} bins them. */
    static double[][] calibrationReference() {
        double[] c = CalibrationExample.confidences();
        boolean[] right = CalibrationExample.correct();
        double[][] bins = new double[5][3];
        for (int i = 0; i < c.length; i++) {
            int b = Math.min(4, Math.max(0, (int) Math.ceil((c[i] - 0.5) * 10) - 1));
            bins[b][0]++;
            bins[b][1] += c[i];
            if (right[i]) bins[b][2]++;
        }
        for (double[] b : bins) {
            if (b[0] > 0) {
                b[1] /= b[0];
                b[2] /= b[0];
            }
        }
        return bins;
    }

    private static double[] numbers(JsonNode node, String name) {
        if (!node.isArray() || node.size() != 5) throw new Check.Hint(name + " must hold five numbers, one per bin from (0.5, 0.6] to (0.9, 1.0].");
        double[] out = new double[5];
        for (int i = 0; i < 5; i++) {
            if (!node.get(i).isNumber()) throw new Check.Hint(name + "[" + i + "] is not a number: an empty bin counts 0.");
            out[i] = node.get(i).asDouble();
        }
        return out;
    }

    private static boolean close(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) < 1e-9)) return false;
        return true;
    }

    private static Verdict calibrationBins(Answers a) {
        answered(a, "binConfidence", "binAccuracy", "ece");
        double[][] ref = calibrationReference();
        double[] conf = new double[5], acc = new double[5];
        double ece = 0, unweighted = 0;
        for (int b = 0; b < 5; b++) {
            conf[b] = ref[b][1];
            acc[b] = ref[b][2];
            ece += ref[b][0] / CalibrationExample.SIZE * Math.abs(acc[b] - conf[b]);
            unweighted += Math.abs(acc[b] - conf[b]) / 5;
        }
        double[] gotConf = numbers(a.get("binConfidence"), "binConfidence"), gotAcc = numbers(a.get("binAccuracy"), "binAccuracy");
        if (close(gotConf, acc) && close(gotAcc, conf)) throw new Check.Hint("binConfidence and binAccuracy are swapped: confidence is the mean probability the model gave, accuracy the share it got right.");
        if (!close(gotConf, conf)) {
            throw new Check.Hint("binConfidence is off: for each bin, the mean of the probabilities that fall in it; bin k holds those above 0.5 + k/10 and up to 0.6 + k/10.");
        }
        if (!close(gotAcc, acc)) throw new Check.Hint("binAccuracy is off: for each bin, the share of its images the model got right.");
        double got = a.get("ece").asDouble();
        if (Math.abs(got - unweighted) < 1e-9) throw new Check.Hint("The ECE weighs each bin by its share of the images: a bin of 200 images counts more than a bin of 10.");
        if (!(Math.abs(got - ece) < 1e-9)) throw new Check.Hint("ece is off: add up, over the bins, (images in the bin / all images) x |accuracy - confidence|.");
        return pass(String.format(Locale.ROOT, "ECE %.4f over five bins; the bins are right.", ece));
    }

    private static Verdict calibrationReading(Answers a) {
        answered(a, "overconfident", "temperatureAboveOne");
        double[][] ref = calibrationReference();
        double gap = 0;
        for (double[] b : ref) gap += b[0] / CalibrationExample.SIZE * (b[1] - b[2]); // confidence above accuracy: overconfident
        boolean over = gap > 0;
        if (a.get("overconfident").asBoolean() != over) {
            throw new Check.Hint("Compare each bin's accuracy with its confidence: a model right less often than it says is overconfident (below the diagonal).");
        }
        if (a.get("temperatureAboveOne").asBoolean() != over) {
            throw new Check.Hint("Dividing the logits by T above 1 pulls every probability towards 0.5 (softer); below 1 pushes them out: which does this model need?");
        }
        return pass(over ? "Overconfident: T above 1 would soften it." : "Underconfident: T below 1 would sharpen it.");
    }

    // ---- exercise 1 ----

    private static Verdict splitCounts(Answers a, Context c) {
        answered(a, "training", "validation");
        Map<String, Long> training = counts(a.get("training"), "trainCounts"), validation = counts(a.get("validation"), "valCounts");
        ImageFolder folder = c.splitFolder();
        Map<String, Long> t = counts(folder, folder.trainingSamples()), v = counts(folder, folder.validationSamples());
        long all = folder.all().size();
        long yours = training.values().stream().mapToLong(Long::longValue).sum();
        boolean addUp = yours + validation.values().stream().mapToLong(Long::longValue).sum() == all;
        List<HiddenTest> hidden = List.of(new HiddenTest("the two subsets add up to the whole folder", addUp));
        if (training.equals(v) && validation.equals(t)) throw new Check.Hint("The two counts look swapped: the validation subset is the smaller one.");
        if (yours == all) throw new Check.Hint("Your training counts include the validation images: count the training subset only (after the split).");
        if (!training.keySet().equals(t.keySet()) || !validation.keySet().equals(v.keySet())) {
            throw new Check.Hint("Use the class names as keys, one per class folder: " + folder.classes() + ".");
        }
        if (!training.equals(t) || !validation.equals(v)) {
            throw new Check.Hint("Some counts are off: count each subset's samples by their label, for the folder with the split and seed you were given.");
        }
        return new Verdict(addUp, addUp ? "training " + t + ", validation " + v + "." : "A hidden test failed: the two subsets do not add up to the whole folder.", hidden);
    }

    private static Map<String, Long> counts(JsonNode node, String name) {
        if (!node.isObject()) throw new Check.Hint(name + " must be a Map from class name to count.");
        Map<String, Long> m = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isIntegralNumber()) throw new Check.Hint(name + " must map each class name to a whole number; " + e.getKey() + " maps to " + e.getValue() + ".");
            m.put(e.getKey(), e.getValue().asLong());
        }
        return m;
    }

    private static Map<String, Long> counts(ImageFolder folder, List<ImageFolder.Sample> samples) {
        Map<String, Long> m = new TreeMap<>();
        for (String c : folder.classes()) m.put(c, 0L);
        for (ImageFolder.Sample s : samples) m.merge(folder.classes().get(s.label()), 1L, Long::sum);
        return m;
    }

    // ---- exercise 2 ----

    private static Verdict augmentation(Answers a, Context c) throws Exception {
        answered(a, "train", "validation", "trainChange", "valChange");
        ImageFolder folder = c.splitFolder();
        ImageGenerator train = generator(a.get("train"), "train"), validation = generator(a.get("validation"), "validation");
        if (!paths(train.sampleList()).equals(paths(folder.trainingSamples()))) {
            throw new Check.Hint("train must hold the training subset of folder: build it with folder.training(base).");
        }
        if (!paths(validation.sampleList()).equals(paths(folder.validationSamples()))) {
            throw new Check.Hint("validation must hold the validation subset of folder: build it with folder.validation(base).");
        }
        if (train.augmentation().isIdentity()) throw new Check.Hint("The training generator does not augment: give its builder an augmentation.");
        if (!validation.augmentation().isIdentity()) throw new Check.Hint("Validation images must come unchanged every epoch: do not augment the validation generator.");
        double trainingChange = number(a.get("trainChange"), "trainChange"), validationChange = number(a.get("valChange"), "valChange");
        double t = meanChange(train), v = meanChange(validation);
        if (Math.abs(trainingChange - t) > 1e-4 * Math.max(1, t)) {
            throw new Check.Hint(String.format(Locale.ROOT, "Your training change (%.5f) is not the generator's: compare the first sample at position 0 "
                    + "in epochs 1 and 2, as the mean absolute difference of all its values.", trainingChange));
        }
        if (Math.abs(validationChange - v) > 1e-6) throw new Check.Hint("Measure the validation change the same way as the training change.");
        return pass(String.format(Locale.ROOT, "training images change by %.4f between epochs; validation images by %.4f.", t, v));
    }

    /** A generator rebuilt from its handed-in settings: the same samples, size, scaling, augmentation and seed. */
    private static ImageGenerator generator(JsonNode node, String name) {
        JsonNode d = node.path("generator");
        if (!d.isObject()) throw new Check.Hint(name + " must be an ImageGenerator (built with .build()).");
        List<String> classes = new ArrayList<>();
        d.path("classes").forEach(x -> classes.add(x.asText()));
        List<ImageFolder.Sample> samples = new ArrayList<>();
        for (JsonNode s : d.path("samples")) samples.add(new ImageFolder.Sample(Path.of(s.path(0).asText()), s.path(1).asInt()));
        if (samples.isEmpty()) throw new Check.Hint(name + " holds no images.");
        JsonNode g = d.path("augmentation");
        Augmentation aug = new Augmentation(g.path("rotation").asDouble(), g.path("width_shift").asDouble(), g.path("height_shift").asDouble(),
                g.path("zoom").asDouble(), g.path("horizontal_flip").asBoolean());
        return ImageGenerator.builder(samples, classes).targetSize(d.path("height").asInt(), d.path("width").asInt())
                .preprocessing(Preprocessing.named(d.path("preprocessing").asText())).augment(aug).seed(d.path("seed").asLong())
                .classMode(ClassMode.valueOf(d.path("class_mode").asText())).build();
    }

    private static List<Path> paths(List<ImageFolder.Sample> samples) {
        return samples.stream().map(s -> s.path().toAbsolutePath().normalize()).sorted().toList();
    }

    private static double meanChange(ImageGenerator g) throws Exception {
        ImageFolder.Sample first = g.sampleList().get(0);
        float[] x = g.load(first, 1, 0), y = g.load(first, 2, 0);
        double sum = 0;
        for (int i = 0; i < x.length; i++) sum += Math.abs(x[i] - y[i]);
        return sum / x.length;
    }

    private static double number(JsonNode n, String name) {
        if (!n.isNumber()) throw new Check.Hint(name + " must be a number.");
        return n.asDouble();
    }

    // ---- exercise 3 ----

    static final List<Integer> CUTS = List.of(100, 120, 150);

    private static Verdict trainableParams(Answers a, Context c) {
        answered(a, "trainable", "notTrained");
        Map<Integer, Long> trainable = byCut(a.get("trainable"), "trainable"), notTrained = byCut(a.get("notTrained"), "notTrained");
        BaseModel base = MobileNetV2.create(c.profile().imageSize(), c.profile().alpha(), 1);
        long all = base.unfreeze().countTrainableParams();
        for (int n : CUTS) {
            long actual = base.unfreezeFrom(n).countTrainableParams();
            long fromN = 0;
            for (int i = n; i < base.layerCount(); i++) {
                fromN += base.layer(i).params();
            }
            long still = fromN - actual;
            long guess = trainable.get(n), rest = notTrained.get(n);
            String at = "For N = " + n + ": ";
            if (guess != actual) {
                if (guess == all - actual) throw new Check.Hint(at + "that is the part that stays frozen; layers from N on are the trainable ones.");
                if (guess == all) throw new Check.Hint(at + "that counts every layer; only layers from N on become trainable.");
                if (guess == fromN) throw new Check.Hint(at + "too many. Batch norm's moving mean and variance are parameters, but no optimizer trains them.");
                if (guess > actual) throw new Check.Hint(at + "too many trainable parameters. Count only layers N and up, and only what an optimizer moves.");
                throw new Check.Hint(at + "too few trainable parameters. Sum the trainable weights of every layer from index N to the last.");
            }
            if (rest != still) {
                if (rest == 0) throw new Check.Hint(at + "some parameters of layers N and up are never trained: which four numbers per channel does batch norm keep?");
                if (rest == all - actual || rest > fromN) throw new Check.Hint(at + "count only layers N and up: the frozen layers before N are another matter.");
                throw new Check.Hint(at + "the untrained parameters of layers N and up are off: batch norm keeps four numbers per channel, and two of them are statistics.");
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int n : CUTS) sb.append(String.format(Locale.ROOT, " N=%d: %,d trained, %,d not;", n, trainable.get(n), notTrained.get(n)));
        return pass("all predictions right:" + sb.substring(0, sb.length() - 1) + ".");
    }

    private static Map<Integer, Long> byCut(JsonNode node, String name) {
        if (!node.isObject()) throw new Check.Hint(name + " must be a Map from N to a count.");
        Map<Integer, Long> m = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                if (e.getValue().isIntegralNumber()) m.put(Integer.parseInt(e.getKey()), e.getValue().asLong());
            } catch (NumberFormatException x) {
                // reported below as a missing N
            }
        }
        if (!m.keySet().equals(new HashSet<>(CUTS))) throw new Check.Hint("Predict for N = 100, 120 and 150: one whole-number entry per N in " + name + ".");
        return m;
    }

    // ---- exercise 5 ----

    /** Exercise 6's bar: 0.6 with ImageNet features (chance is 0.33); without them (the smoke profile) only the head's design counts. */
    static double headTarget(Profile profile) {
        return profile.pretrained() ? 0.6 : 0.0;
    }

    private static Verdict headReaches(Answers a, Context c) throws IOException {
        answered(a, "model");
        Classifier model = a.model("model");
        Head head = model.head();
        boolean flowers = model.classes().equals(List.of(org.tlworkbook.notebook.OwnData.FLOWERS));
        if (head.isBinary()) throw new Check.Hint("A single sigmoid unit separates two classes; this data has three: one softmax unit per class.");
        if (!flowers && !model.classes().equals(List.of(DemoImages.CLASSES))) throw new Check.Hint("Name the outputs by the folder's classes: folder.classes().");
        if (head.kind() == Head.Kind.FLATTEN_DENSE) {
            throw new Check.Hint("That head flattens the feature map: notebook 7's two million weights. Pool first (Head.pooledDense), as the task asks.");
        }
        if (head.kind() != Head.Kind.POOLED_DENSE) throw new Check.Hint("Use a pooling head with a hidden Dense layer: Head.pooledDense(hidden).");
        if (model.history().size() == 0) throw new Check.Hint("The model is built but not trained yet: call fit.");
        checkBase(model, c, "base");
        double target = headTarget(c.profile());
        List<ImageFolder.Sample> unseen = flowers ? unseenFlowers(c) : ImageFolder.from(drawn(c.profile(), HELD_OUT_DRAWING)).all();
        double acc = model.evaluate(ImageGenerator.builder(unseen, model.classes()).targetSize(model.base().size()).preprocessing(model.base().preprocessing())
                .shuffle(false).classMode(model.classMode()).batchSize(c.profile().batchSize()).build()).accuracy();
        String what = flowers ? "flower photos it never saw" : "newly drawn images";
        if (acc < target) {
            throw new Check.Hint(String.format(Locale.ROOT, "Accuracy %.3f on %s is below %.2f: try more epochs, more hidden units or a higher learning rate.", acc, what, target));
        }
        return pass(String.format(Locale.ROOT, "%s reaches %.3f accuracy on %d %s (target %.2f).", head.description(model.classes().size()), acc,
                unseen.size(), what, target));
    }

    /** Up to 50 flower photos per class that exercise 6's folder (the profile's images per class, seed 7) left out. */
    private static List<ImageFolder.Sample> unseenFlowers(Context c) {
        Path root;
        try {
            root = org.tlworkbook.data.Dataset.flowerPhotos().load(Progress.silent());
        } catch (IOException e) {
            throw new Check.Hint("This model was trained on flower photos, which are not to be had here: train on the folder the notebook gives.");
        }
        ImageFolder all = ImageFolder.from(root).only(org.tlworkbook.notebook.OwnData.FLOWERS);
        Set<Path> used = new HashSet<>();
        for (ImageFolder.Sample s : all.limitPerClass(c.profile().limitPerClass()).seed(7).all()) used.add(s.path()); // the notebook's subset (seed 7)
        List<ImageFolder.Sample> unseen = new ArrayList<>();
        int[] taken = new int[all.classes().size()];
        for (ImageFolder.Sample s : all.all()) {
            if (!used.contains(s.path()) && taken[s.label()]++ < 50) unseen.add(s);
        }
        if (unseen.isEmpty()) return all.all(); // the full profile uses every photo: none is left out
        return unseen;
    }

    /** The model's base is the exercise's: MobileNetV2 at the profile's size and width, which the model file cannot choose freely. */
    private static void checkBase(Classifier model, Context c, String name) {
        BaseModel b = model.base();
        if (b.architecture() != Architecture.MOBILENET_V2 || b.size() != c.profile().imageSize() || Math.abs(b.alpha() - c.profile().alpha()) > 1e-9) {
            throw new Check.Hint("Build the model on the notebook's " + name + " (MobileNetV2 at " + c.profile().imageSize() + " px), not on another base.");
        }
    }

    // ---- exercise 4 ----

    private static Verdict fineTuning(Answers a, Context c) throws IOException {
        answered(a, "model", "fineTuneAt", "fineRate");
        Classifier model = a.model("model");
        int fineTuneAt = (int) number(a.get("fineTuneAt"), "fineTuneAt");
        double fineRate = number(a.get("fineRate"), "fineRate");
        checkBase(model, c, "base");
        if (model.phase() != Phase.FINE_TUNE) throw new Check.Hint("The base is still frozen as compiled: unfreeze from your layer, then compile, then fit.");
        if (model.base().trainableFrom() != fineTuneAt) throw new Check.Hint("The base is trainable from layer " + model.base().trainableFrom() + ", not from your fineTuneAt.");
        if (Math.abs(model.optimizer().learningRate() - fineRate) > 1e-12) throw new Check.Hint("Compile with your fineRate.");
        if (fineRate >= FROZEN_RATE / 2) {
            throw new Check.Hint("Fine-tuning at the head's rate (or close to it) can wreck the pretrained weights in a few steps: go 5 to 10 times lower (notebook 4 uses 2e-5 after 1e-4).");
        }
        if (fineRate < FROZEN_RATE / 1000) throw new Check.Hint("A rate that low barely moves the weights: fine-tuning would change nothing. Go 5 to 10 times lower than the head's rate (notebook 4 uses 2e-5), not 1000.");
        History history = model.history();
        List<History.Epoch> frozen = history.phase(Phase.FROZEN), tuned = history.phase(Phase.FINE_TUNE);
        if (frozen.isEmpty()) throw new Check.Hint("Fine-tune the model the notebook trained above, not a new one.");
        if (tuned.isEmpty()) throw new Check.Hint("Compiled for fine-tuning but not trained: call fit.");
        if (c.frozenReference() == null) { // in the learner's notebook: its own history is the reference
            double before = frozen.get(frozen.size() - 1).valAccuracy();
            double now = model.evaluate(c.validationFolder().validation(model.base()).batchSize(c.profile().batchSize()).build()).accuracy();
            if (now < before) {
                throw new Check.Hint(String.format(Locale.ROOT, "Validation accuracy fell from %.3f to %.3f: unfreeze fewer layers (a later fineTuneAt) or lower the rate.", before, now));
            }
            return pass(String.format(Locale.ROOT, "fine-tuned from layer %d at %.1e: %.3f -> %.3f validation accuracy.", fineTuneAt, fineRate, before, now));
        }
        frozenLayersKept(model, fineTuneAt, c);
        double reference = c.frozenReference();
        List<ImageFolder.Sample> heldOut = c.heldOutValidation(100);
        double now = model.evaluate(ImageGenerator.builder(heldOut, model.classes()).targetSize(model.base().size()).preprocessing(model.base().preprocessing())
                .shuffle(false).classMode(model.classMode()).batchSize(c.profile().batchSize()).build()).accuracy();
        if (c.profile().pretrained() && now < reference - FINE_TUNE_MARGIN) {
            throw new Check.Hint(String.format(Locale.ROOT, "On %d held-out images your model reaches %.3f, below the frozen model's %.3f: unfreeze fewer layers "
                    + "(a later fineTuneAt) or lower the rate.", heldOut.size(), now, reference));
        }
        return pass(String.format(Locale.ROOT, "fine-tuned from layer %d at %.1e: %.3f on %d held-out images (the frozen model: %.3f).", fineTuneAt, fineRate,
                now, heldOut.size(), reference));
    }

    /** The layers below {@code fineTuneAt} still hold the ImageNet weights, and some layer from there on moved. */
    private static void frozenLayersKept(Classifier model, int fineTuneAt, Context c) throws IOException {
        BaseModel reference = MobileNetV2.imagenet(c.profile().imageSize(), c.profile().alpha());
        Map<String, INDArray> mine = ModelInternals.graph(model).paramTable(), theirs = reference.paramTable();
        List<String> names = reference.layerNames();
        boolean moved = false;
        for (int i = 0; i < names.size(); i++) {
            for (Map.Entry<String, INDArray> e : theirs.entrySet()) {
                if (!e.getKey().startsWith(names.get(i) + "_")) continue;
                INDArray m = mine.get(e.getKey());
                if (m == null || !java.util.Arrays.equals(m.shape(), e.getValue().shape())) throw new Check.Hint("The model's base is not MobileNetV2's: keep the notebook's base.");
                boolean same = m.equalsWithEps(e.getValue(), 0);
                if (i < fineTuneAt && !same) throw new Check.Hint("Layer " + i + " (" + names.get(i) + ") changed, but layers before fineTuneAt must stay frozen.");
                if (i >= fineTuneAt && !same) moved = true;
            }
        }
        if (!moved) throw new Check.Hint("No layer from fineTuneAt on changed: fine-tune (fit) after compiling with the base unfrozen.");
    }

    /** Exercise 4's reference: the frozen recipe of its locked cells, trained here, on the held-out images. */
    static double frozenReference(Context c) throws IOException {
        Profile p = c.profile();
        ImageFolder train = c.trainingFolder(p.limitPerClass()), validation = c.validationFolder();
        BaseModel base = MobileNetV2.imagenet(p.imageSize(), p.alpha()).freeze();
        Classifier model = Classifier.of(base, Head.binary(), train.classes()).compile(Optimizer.rmsprop(FROZEN_RATE)).progress(Progress.silent());
        model.fit(train.training(base).batchSize(p.batchSize()).build(), validation.validation(base).batchSize(p.batchSize()).build(), p.epochs());
        List<ImageFolder.Sample> heldOut = c.heldOutValidation(100);
        return model.evaluate(ImageGenerator.builder(heldOut, model.classes()).targetSize(base.size()).preprocessing(base.preprocessing())
                .shuffle(false).classMode(model.classMode()).batchSize(p.batchSize()).build()).accuracy();
    }

    // ---- exercise 5 ----

    /** Exercise 5's example matrix, as its locked cell writes it (rows: true class, columns: predicted), with no images behind it. */
    static final List<String> EXAMPLE_CLASSES = List.of("daisy", "roses", "tulips");
    static final int[][] EXAMPLE = {{50, 3, 2}, {4, 38, 13}, {1, 9, 45}};
    private static final Evaluation EXAMPLE_EVALUATION = new Evaluation(EXAMPLE_CLASSES, EXAMPLE, Double.NaN, List.of());

    /** The drawn three-class folder of exercises 5 and 7 as their locked cells split it (drawing 37, a quarter for validation, seed 7). */
    private static ImageFolder notebooksDrawing(Context c) {
        return ImageFolder.from(drawn(c.profile(), 37)).validationSplit(0.25).seed(7);
    }

    /** Exercise 5's model on its drawn validation images. */
    private static Evaluation drawnValidation(Classifier model, Context c) {
        ImageFolder surf = notebooksDrawing(c);
        if (!model.classes().equals(surf.classes())) throw new Check.Hint("Keep the notebook's model: its classes are " + surf.classes() + ".");
        return model.evaluate(surf.validation(model.base()).batchSize(c.profile().batchSize()).build());
    }

    private static Verdict precisionRecall(Answers a, Context c) throws IOException {
        answered(a, "model", "precision", "recall");
        Classifier model = a.model("model");
        checkBase(model, c, "base");
        Evaluation e = drawnValidation(model, c);
        perClass(a.get("precision"), a.get("recall"), "precision", "recall", e);
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < e.classes().size(); k++) sb.append(String.format(Locale.ROOT, " %s %.3f/%.3f;", e.classes().get(k), e.precision(k), e.recall(k)));
        return pass("precision/recall per class:" + sb.substring(0, sb.length() - 1) + ".");
    }

    private static Verdict exampleMatrix(Answers a, Context c) {
        answered(a, "precision", "recall", "trueClass", "predictedClass");
        perClass(a.get("precision"), a.get("recall"), "examplePrecision", "exampleRecall", EXAMPLE_EVALUATION);
        int[][] m = EXAMPLE;
        int bi = 0, bj = 1;
        for (int i = 0; i < m.length; i++) for (int j = 0; j < m.length; j++) if (i != j && m[i][j] > m[bi][bj]) { bi = i; bj = j; }
        int i = EXAMPLE_CLASSES.indexOf(a.get("trueClass").asText()), j = EXAMPLE_CLASSES.indexOf(a.get("predictedClass").asText());
        if (i < 0 || j < 0) throw new Check.Hint("Name the pair with class names from " + EXAMPLE_CLASSES + ".");
        if (i == j) throw new Check.Hint("The diagonal counts right answers; a mix-up is off the diagonal.");
        if (i == bj && j == bi) throw new Check.Hint("Rows are the true classes, columns the predictions: read the pair the other way round.");
        if (i != bi || j != bj) throw new Check.Hint("Another cell off the diagonal is larger: compare all six of them.");
        return pass(EXAMPLE_CLASSES.get(bi) + " taken for " + EXAMPLE_CLASSES.get(bj) + " " + m[bi][bj] + " times, the largest mix-up; precision and recall right.");
    }

    /** Both maps hold, for every class name, the evaluation's precision and recall (0 for a class never predicted). */
    private static void perClass(JsonNode precision, JsonNode recall, String pName, String rName, Evaluation e) {
        List<String> classes = e.classes();
        Map<String, Double> p = fractions(precision, pName), r = fractions(recall, rName);
        if (!p.keySet().equals(new java.util.TreeSet<>(classes)) || !r.keySet().equals(new java.util.TreeSet<>(classes))) {
            throw new Check.Hint("Use the class names as keys, one per class: " + classes + ".");
        }
        boolean pRight = true, rRight = true, pIsR = true, rIsP = true;
        for (int k = 0; k < classes.size(); k++) {
            double wantP = e.precision(k), wantR = e.recall(k);
            double gotP = p.get(classes.get(k)), gotR = r.get(classes.get(k));
            pRight &= Math.abs(gotP - wantP) < 1e-6;
            rRight &= Math.abs(gotR - wantR) < 1e-6;
            pIsR &= Math.abs(gotP - wantR) < 1e-6;
            rIsP &= Math.abs(gotR - wantP) < 1e-6;
        }
        if (pRight && rRight) return;
        if (pIsR && rIsP) throw new Check.Hint("Precision and recall are swapped: precision divides by what the model predicted (a column), recall by what is there (a row).");
        if (!pRight) throw new Check.Hint(pName + " is off: of the images predicted as a class (its column), the share that are that class.");
        throw new Check.Hint(rName + " is off: of the images of a class (its row), the share predicted as that class.");
    }

    private static Map<String, Double> fractions(JsonNode node, String name) {
        if (!node.isObject()) throw new Check.Hint(name + " must be a Map from class name to a number.");
        Map<String, Double> m = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber()) throw new Check.Hint(name + " must map each class name to a number; " + e.getKey() + " maps to " + e.getValue() + ".");
            double v = e.getValue().asDouble();
            if (v < 0 || v > 1) throw new Check.Hint(name + " holds shares between 0 and 1; " + e.getKey() + " has " + v + ".");
            m.put(e.getKey(), v);
        }
        return m;
    }

    // ---- exercise 7 ----

    private static Verdict savedAndReloaded(Answers a, Context c) throws IOException {
        answered(a, "saved", "reloaded", "predictions");
        Classifier saved = a.model("saved"), reloaded = a.model("reloaded");
        if (saved == null) throw new Check.Hint("Save the trained model to the file saved names.");
        if (reloaded.history().size() == 0) throw new Check.Hint("The reloaded model has no trained epochs: save after fit, and load from the file you saved.");
        if (!sameWeights(saved, reloaded)) throw new Check.Hint("reloaded must be the model loaded back from your saved file: Classifier.load(saved).");
        JsonNode p = a.get("predictions").path("predictions");
        if (!p.isObject()) throw new Check.Hint("predictions must be what reloaded.predict(...) returns.");
        ImageFolder drawn = notebooksDrawing(c);
        List<ImageFolder.Sample> expected = drawn.validationSamples().stream().limit(3).toList();
        List<String> given = new ArrayList<>();
        p.path("images").forEach(x -> given.add(Path.of(x.asText()).getFileName().toString()));
        if (!given.equals(expected.stream().map(s -> s.path().getFileName().toString()).toList())) {
            throw new Check.Hint("Predict the first three validation images, in order: validation.sampleList().");
        }
        Predictions again = saved.predict(expected.stream().map(ImageFolder.Sample::path).toArray(Path[]::new));
        for (int i = 0; i < again.size(); i++) {
            JsonNode row = p.path("probabilities").path(i);
            for (int k = 0; k < again.classes().size(); k++) {
                if (!row.path(k).isNumber() || Math.abs(row.path(k).asDouble() - again.probabilities()[i][k]) > 1e-4) {
                    throw new Check.Hint("Your predictions are not those of the saved model: predict with the model you loaded from the saved file.");
                }
            }
        }
        return pass(again.size() + " predictions from the model reloaded from its file (" + reloaded.classes() + ").");
    }

    private static boolean sameWeights(Classifier x, Classifier y) {
        if (!x.classes().equals(y.classes()) || x.base().architecture() != y.base().architecture()) return false;
        INDArray a = ModelInternals.graph(x).params(), b = ModelInternals.graph(y).params();
        return a != null && b != null && a.length() == b.length() && a.equalsWithEps(b, 0);
    }

    // ---- exercise 8 ----

    private static Verdict comparison(Answers a, Context c) throws IOException {
        answered(a, "table", "models");
        JsonNode t = a.get("table").path("table");
        if (!t.isObject()) throw new Check.Hint("table must be a Tablesaw Table.");
        List<String> columns = new ArrayList<>();
        t.path("columns").forEach(x -> columns.add(x.asText()));
        for (String col : List.of("model", "params", "images_per_second", "val_accuracy")) {
            if (!columns.contains(col)) throw new Check.Hint("The table needs the columns model, params, images_per_second and val_accuracy; " + col + " is missing.");
        }
        JsonNode rows = t.path("rows");
        JsonNode models = a.get("models");
        if (rows.size() != 2 || !models.isArray() || models.size() != 2) throw new Check.Hint("One row and one trained classifier per base model: two of each.");
        Profile p = c.profile();
        int perClass = 50;
        ImageFolder validation = c.validationFolder(perClass);
        List<BaseModel> expected = List.of(MobileNetV2.create(p.imageSize(), p.alpha(), 1), Vgg16.create(p.imageSize(), 1));
        for (int r = 0; r < 2; r++) {
            Classifier model = a.model("models_" + r);
            JsonNode row = rows.path(r);
            String name = row.path(columns.indexOf("model")).asText();
            BaseModel base = model.base();
            if (base.architecture() != expected.get(r).architecture() || base.size() != p.imageSize()) {
                throw new Check.Hint(r == 0 ? "Put MobileNetV2 first, then VGG16, each at the notebook's image size." : "Row 2 must be VGG16 at the notebook's image size.");
            }
            if (!name.equals(base.name())) throw new Check.Hint("Row " + (r + 1) + " must be " + base.name() + ", the base of models.get(" + r + ").");
            if (model.history().size() != p.epochs()) throw new Check.Hint("Train each classifier for profile.epochs() epochs: " + base.name() + " has " + model.history().size() + ".");
            long params = row.path(columns.indexOf("params")).asLong(-1);
            if (params != expected.get(r).countParams()) throw new Check.Hint("The parameter count of " + name + " is off: count the base's parameters, all of them.");
            ImageGenerator images = validation.validation(base).batchSize(p.batchSize()).build();
            double accuracy = model.evaluate(images).accuracy();
            double yours = row.path(columns.indexOf("val_accuracy")).asDouble(Double.NaN);
            if (!(Math.abs(yours - accuracy) <= 1e-6)) throw new Check.Hint("The accuracy of " + name + " is not its classifier's validation accuracy.");
            // passes after the first, which paid for loading code and buffers (as the task says of the learner's); the
            // slowest and fastest of three bound what a busy machine gives, and a pass under 0.2 s is mostly noise
            double slowest = Double.MAX_VALUE, fastest = 0, seconds = 0;
            for (int pass = 0; pass < 3; pass++) {
                long t0 = System.nanoTime();
                model.evaluate(validation.validation(base).batchSize(p.batchSize()).build());
                double s = (System.nanoTime() - t0) / 1e9;
                seconds += s / 3;
                slowest = Math.min(slowest, images.samples() / s);
                fastest = Math.max(fastest, images.samples() / s);
            }
            // a pass under 0.2 s (tiny images) is mostly fixed costs, which a learner's single timing pays in full on a
            // busy machine: only a figure faster than this machine can go is refused then
            boolean noisy = seconds < 0.2;
            double factor = noisy ? 3 * SPEED_FACTOR : SPEED_FACTOR;
            double given = row.path(columns.indexOf("images_per_second")).asDouble(Double.NaN);
            if (!(given > (noisy ? 0 : slowest / factor) && given < fastest * factor)) {
                throw new Check.Hint(String.format(Locale.ROOT, "%.0f images/s is far from what timing %s's evaluate gives: time model.evaluate over "
                        + "the validation images after training, and divide their number by the seconds.", given, name));
            }
        }
        return pass("the comparison table holds both bases' parameters, speeds and accuracies.");
    }

    /** The answers of every check in {@code gradeIds} as {@link Verdict}s, in order, for the grader. */
    static Map<String, Verdict> decideAll(List<String> gradeIds, Path answers, Context c) {
        Map<String, Verdict> out = new LinkedHashMap<>();
        for (String id : gradeIds) {
            Answers a;
            try {
                a = Answers.read(answers, id);
            } catch (IOException | RuntimeException e) {
                out.put(id, Verdict.fail("Your handed-in answers could not be read: " + Check.cut(String.valueOf(e.getMessage()), 200)));
                continue;
            }
            out.put(id, decide(id, a, c));
        }
        return out;
    }
}
