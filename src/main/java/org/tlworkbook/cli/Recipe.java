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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./workbook train}: the whole transfer-learning recipe of the TensorFlow tutorial ({@link FineTuning})
 * on a folder, writing history.csv, curves.png, model.zip and metrics.json. A run killed part-way resumes
 * from its last checkpoint when started again with the same output folder.
 */
record Recipe(Path data, String base, int size, double alpha, Path weights, int batchSize, int epochs,
              int fineTuneAt, int fineEpochs, double learningRate, double fineLearningRate,
              double validationSplit, boolean augment, int limitPerClass, long seed, Path out) {

    void run() throws IOException {
        try { // before any long work: the first checkpoint would otherwise fail after all the featurizing
            Files.createDirectories(out);
            Files.deleteIfExists(Files.createTempFile(out, ".write-check", ".tmp"));
        } catch (IOException e) {
            throw new IOException("Cannot write to --out " + out + " (" + e + "): choose a folder you can write to.", e);
        }
        ImageFolder trainFolder;
        ImageFolder valFolder;
        if (Files.isDirectory(data.resolve("train")) && Files.isDirectory(data.resolve("validation"))) {
            trainFolder = ImageFolder.from(data.resolve("train")).seed(seed).limitPerClass(limitPerClass);
            valFolder = ImageFolder.from(data.resolve("validation")).seed(seed).limitPerClass(limitPerClass);
        } else {
            trainFolder = ImageFolder.from(data).validationSplit(validationSplit).seed(seed).limitPerClass(limitPerClass);
            valFolder = trainFolder;
        }
        System.out.println("train: " + trainFolder.report());
        List<String> classes = trainFolder.classes();

        Path checkpoint = out.resolve("checkpoint.zip");
        Classifier model;
        if (Files.isRegularFile(checkpoint)) {
            model = Classifier.load(checkpoint);
            System.out.println("Resuming from " + checkpoint + " after epoch " + model.history().lastEpoch() + ".");
        } else {
            BaseModel b = createBase();
            Head head = classes.size() == 2 ? Head.binary() : b.architecture() == Architecture.VGG16 ? Head.flattenDense(256, 0.5) : Head.pooledDense(64);
            model = Classifier.of(b.freeze(), head, classes).compile(Optimizer.rmsprop(learningRate));
        }
        FineTuning recipe = new FineTuning(epochs, fineTuneAt, fineEpochs, Optimizer.rmsprop(fineLearningRate));
        recipe.check(model);
        ImageGenerator train = trainFolder.training(model.base()).batchSize(batchSize).classMode(model.classMode())
                .augment(augment ? Augmentation.standard() : Augmentation.none()).build();
        ImageGenerator validation = valFolder.validation(model.base()).batchSize(batchSize).classMode(model.classMode()).build();

        Callback checkpoints = Callback.checkpoint(out);
        long t0 = System.nanoTime();
        recipe.fitFrozen(model, train, validation, checkpoints);
        double frozenSeconds = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        recipe.fitFineTuned(model, train, validation, checkpoints);
        double fineSeconds = (System.nanoTime() - t1) / 1e9;

        History all = model.history();
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
