package org.tlworkbook.cli;

import org.tlworkbook.bench.Measure;
import org.tlworkbook.data.AtomicFiles;
import org.tlworkbook.data.Augmentation;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.model.Architecture;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Callback;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.History;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.model.Phase;
import org.tlworkbook.plot.LearningCurves;
import org.tlworkbook.train.FineTuning;
import org.tlworkbook.train.RunFolder;
import org.tlworkbook.train.RunManifest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./workbook train}: the whole transfer-learning recipe of the TensorFlow tutorial ({@link FineTuning})
 * on a folder, writing history.csv, curves.png, model.zip and metrics.json. A run killed part-way resumes
 * from its last checkpoint when started again with the same output folder and settings ({@link RunFolder}).
 */
record Recipe(Path data, String base, int size, double alpha, Path weights, int batchSize, int epochs,
              int fineTuneAt, int fineEpochs, double learningRate, double fineLearningRate,
              double validationSplit, boolean augment, int limitPerClass, long seed, Path out, boolean restart) {

    Recipe withData(Path folder) {
        return new Recipe(folder, base, size, alpha, weights, batchSize, epochs, fineTuneAt, fineEpochs, learningRate, fineLearningRate,
                validationSplit, augment, limitPerClass, seed, out, restart);
    }

    /**
     * Refuses every setting that cannot train, before any data, weights or {@code --out} is touched, so a refused run
     * costs nothing and leaves nothing behind.
     */
    void checkSettings() {
        if (epochs < 0 || fineEpochs < 0) {
            throw new IllegalArgumentException("--epochs and --fine-epochs are numbers of epochs, 0 or more; got " + epochs + " and " + fineEpochs);
        }
        if (epochs == 0 && fineEpochs == 0) {
            throw new IllegalArgumentException("--epochs 0 and --fine-epochs 0 leave nothing to train: give at least one epoch to either");
        }
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size is the number of images per step, at least 1 (32 is Keras' default); got " + batchSize);
        if (!(learningRate > 0) || !(fineLearningRate > 0)) {
            throw new IllegalArgumentException("--lr and --fine-lr must be above 0 (the tutorial's are 1e-4 and 2e-5); got " + learningRate + " and " + fineLearningRate);
        }
        Architecture arch = Architecture.named(base);
        ModelCommands.checkSize(size);
        int layers;
        try {
            layers = arch.layerCount(size, alpha);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((e.getMessage().contains("alpha") ? "--alpha: " : "--size: ") + e.getMessage(), e);
        }
        if (weights == null) arch.weightsFile(size, alpha);
        else ModelCommands.checkWeights(weights, arch);
        if (fineEpochs > 0 && (fineTuneAt < 0 || fineTuneAt >= layers)) {
            throw new IllegalArgumentException("--fine-tune-at must be between 0 and " + (layers - 1) + " for " + base + " (" + layers
                    + " layers; its recipe's is " + arch.defaultFineTuneAt() + "), got " + fineTuneAt);
        }
    }

    void run() throws IOException {
        ImageFolder trainFolder;
        ImageFolder valFolder;
        if (Files.isDirectory(data.resolve("train")) && Files.isDirectory(data.resolve("validation"))) {
            trainFolder = ImageFolder.from(data.resolve("train")).seed(seed).limitPerClass(limitPerClass);
            valFolder = ImageFolder.from(data.resolve("validation")).seed(seed).limitPerClass(limitPerClass);
        } else {
            trainFolder = ImageFolder.from(data).validationSplit(validationSplit).seed(seed).limitPerClass(limitPerClass);
            valFolder = trainFolder;
        }
        Path outAbs = out.toAbsolutePath().normalize(), dataAbs = data.toAbsolutePath().normalize();
        if (outAbs.startsWith(dataAbs)) {
            throw new IllegalArgumentException("--out " + out + " is inside --data " + data + ": its files (curves.png) would be read as images "
                    + "of a class next time; give an --out outside the data folder, such as build/train");
        }
        java.util.Set<Integer> training = labels(trainFolder.trainingSamples()), validation = labels(valFolder.trainingSamples());
        for (int label = 0; label < trainFolder.classes().size(); label++) {
            String name = trainFolder.classes().get(label);
            if (!training.contains(label)) {
                throw new IllegalArgumentException(name + " has no training images left" + (valFolder == trainFolder ? " after the validation split "
                        + validationSplit : "") + (limitPerClass > 0 ? " with --limit-per-class " + limitPerClass : "")
                        + ": use a smaller --validation-split or more images per class");
            }
            if (valFolder != trainFolder && !validation.contains(label)) {
                throw new IllegalArgumentException(data.resolve("validation") + " has no images of " + name + ": each class needs validation images");
            }
        }
        if (valFolder == trainFolder && trainFolder.validationSamples().isEmpty()) {
            throw new IllegalArgumentException("the validation split " + validationSplit + " holds out no image" + (limitPerClass > 0
                    ? " of " + limitPerClass + " per class (--limit-per-class)" : "") + ": give each class at least 2 images, or a larger --validation-split");
        }
        if (trainFolder.classes().size() < 2) {
            throw new IllegalArgumentException(data + " has " + (trainFolder.classes().isEmpty() ? "no class folders" : "one class folder ("
                    + trainFolder.classes().get(0) + ")") + ": a classifier needs at least 2 classes, one sub-folder of images per class");
        }
        System.out.println("train: " + trainFolder.report());
        try (RunFolder run = RunFolder.open(out, manifest(trainFolder, valFolder), restart)) {
            train(run, trainFolder, valFolder);
        }
    }

    private static java.util.Set<Integer> labels(List<ImageFolder.Sample> samples) {
        return samples.stream().map(ImageFolder.Sample::label).collect(java.util.stream.Collectors.toSet());
    }

    /** Everything that shapes the weights; a resumed run must match it (epoch counts may grow). */
    private RunManifest manifest(ImageFolder trainFolder, ImageFolder valFolder) {
        return RunManifest.builder()
                .set("data.classes", String.join(",", trainFolder.classes()))
                .set("data.training", trainFolder.fingerprint())
                .set("data.training" + RunManifest.DESCRIBES, describe(trainFolder))
                .set("data.validation", valFolder == trainFolder ? "split of training" : valFolder.fingerprint())
                .set("data.validation" + RunManifest.DESCRIBES, valFolder == trainFolder ? "split of training" : describe(valFolder))
                .set("validation_split", valFolder == trainFolder ? validationSplit : 0)
                .set("limit_per_class", limitPerClass)
                .set("base", base).set("size", size).set("alpha", alpha)
                .set("weights", weights == null ? "imagenet" : weights.getFileName())
                .set("head", head(trainFolder.classes().size()).description(trainFolder.classes().size()))
                .set("batch_size", batchSize).set("augment", augment).set("seed", seed)
                .set("learning_rate", learningRate).set("fine_tune_at", fineTuneAt).set("fine_learning_rate", fineLearningRate)
                .epochs(epochs, fineEpochs);
    }

    /** "25 images: cats 12, dogs 13": what a fingerprint covers, in words a changed dataset can be told by. */
    private static String describe(ImageFolder folder) {
        java.util.Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        for (String c : folder.classes()) counts.put(c, 0);
        for (ImageFolder.Sample s : folder.all()) counts.merge(folder.classes().get(s.label()), 1, Integer::sum);
        StringBuilder sb = new StringBuilder(folder.all().size() + " images:");
        counts.forEach((c, n) -> sb.append(' ').append(c).append(' ').append(n).append(','));
        return sb.substring(0, sb.length() - 1);
    }

    private Head head(int classes) {
        return Architecture.named(base).defaultHead(classes);
    }

    private void train(RunFolder run, ImageFolder trainFolder, ImageFolder valFolder) throws IOException {
        List<String> classes = trainFolder.classes();
        Classifier model = run.resume();
        if (model == null) {
            model = Classifier.of(createBase().freeze(), head(classes.size()), classes).compile(Optimizer.rmsprop(learningRate));
        }
        FineTuning recipe = new FineTuning(epochs, fineTuneAt, fineEpochs, Optimizer.rmsprop(fineLearningRate));
        recipe.check(model);
        ImageGenerator train = trainFolder.training(model.base()).batchSize(batchSize).classMode(model.classMode())
                .augment(augment ? Augmentation.standard() : Augmentation.none()).build();
        ImageGenerator validation = valFolder.validation(model.base()).batchSize(batchSize).classMode(model.classMode()).build();

        Callback checkpoints = run.checkpoint();
        int trainedBefore = model.history().size();
        // a resumed run adds the epochs of earlier starts (their own seconds) to this start's wall time per phase
        double frozenBefore = seconds(model.history(), Phase.FROZEN), fineBefore = seconds(model.history(), Phase.FINE_TUNE);
        long t0 = System.nanoTime();
        recipe.fitFrozen(model, train, validation, checkpoints);
        double frozenSeconds = frozenBefore + (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        recipe.fitFineTuned(model, train, validation, checkpoints);
        double fineSeconds = fineBefore + (System.nanoTime() - t1) / 1e9;

        History all = model.history();
        if (all.size() == trainedBefore && Files.isRegularFile(out.resolve("metrics.json"))) {
            System.out.println("Nothing left to train: " + out + " holds the finished run; its files, metrics.json with its times included, are kept.");
            return;
        }
        all.save(out);
        LearningCurves.savePng(LearningCurves.plot(all), out.resolve("curves.png"));
        model.save(out.resolve("model.zip"));
        String metrics = String.format(Locale.ROOT, """
                {
                  "base": "%s", "size": %d, "fine_tune_at": %d,
                  "val_accuracy_frozen": %s,
                  "val_accuracy_fine_tune": %s,
                  "seconds_frozen": %.1f,
                  "seconds_fine_tune": %.1f,
                  "peak_rss_mib": %d
                }
                """, base, size, fineTuneAt, json(lastValAccuracy(all, Phase.FROZEN)), json(lastValAccuracy(all, Phase.FINE_TUNE)),
                frozenSeconds, fineSeconds, Measure.peakRssMiB());
        AtomicFiles.writeString(out.resolve("metrics.json"), metrics);
        System.out.println("Wrote history.csv, curves.png, model.zip and metrics.json to " + out);
        System.out.print(metrics);
    }

    private static double seconds(History h, Phase phase) {
        return h.phase(phase).stream().mapToDouble(History.Epoch::seconds).sum();
    }

    private static double lastValAccuracy(History h, Phase phase) {
        List<History.Epoch> epochs = h.phase(phase);
        return epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).valAccuracy();
    }

    private static String json(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "null";
    }

    private BaseModel createBase() throws IOException {
        Architecture a = Architecture.named(base);
        return weights != null ? a.fromWeights(size, alpha, weights) : a.imagenet(size, alpha);
    }
}
