package org.tlworkbook.train;

import org.tlworkbook.bench.Measure;
import org.tlworkbook.data.Augmentation;
import org.tlworkbook.data.ClassMode;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.MobileNetV2;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.model.SplitGraph;
import org.tlworkbook.model.Vgg16;
import org.tlworkbook.plot.LearningCurves;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The whole transfer-learning recipe of the TensorFlow tutorial in one call, for the CLI: load images,
 * train a new head on the frozen base, fine-tune from {@code fineTuneAt} with a 5x lower learning rate,
 * and write history.csv, curves.png, model.zip and metrics.json. A run killed part-way resumes from its
 * last checkpoint when started again with the same output folder.
 */
public record Recipe(Path data, String base, int size, double alpha, Path weights, int batchSize, int epochs,
                     int fineTuneAt, int fineEpochs, double learningRate, double fineLearningRate,
                     double validationSplit, boolean augment, int limitPerClass, long seed, Path out) {

    /** The TF tutorial's settings: MobileNetV2 160 px, batch 32, 10 + 10 epochs, RMSprop 1e-4 then 2e-5, fine_tune_at 100. */
    public static Recipe tutorial(Path data, Path out) {
        return new Recipe(data, "mobilenet_v2", 160, 1.0, null, 32, 10, 100, 10, 1e-4, 2e-5, 0.2, false, 0, 37, out);
    }

    public void run() throws IOException {
        Files.createDirectories(out);
        ImageFolder trainFolder;
        ImageFolder valFolder = null;
        if (Files.isDirectory(data.resolve("train")) && Files.isDirectory(data.resolve("validation"))) {
            trainFolder = ImageFolder.from(data.resolve("train")).seed(seed).limitPerClass(limitPerClass);
            valFolder = ImageFolder.from(data.resolve("validation")).seed(seed).limitPerClass(limitPerClass);
        } else {
            trainFolder = ImageFolder.from(data).validationSplit(validationSplit).seed(seed).limitPerClass(limitPerClass);
        }
        System.out.println("train: " + trainFolder.report());
        int classes = trainFolder.classes().size();
        ClassMode mode = classes == 2 ? ClassMode.BINARY : ClassMode.CATEGORICAL;

        Path checkpoint = out.resolve("checkpoint.zip");
        History done = Files.isRegularFile(out.resolve("history.csv")) && Files.isRegularFile(checkpoint)
                ? History.loadCsv(out.resolve("history.csv")) : new History();
        Classifier model;
        BaseModel baseModel;
        if (done.size() > 0) {
            System.out.println("Resuming from " + checkpoint + " after epoch " + done.lastEpoch() + ".");
            model = Classifier.load(checkpoint);
            baseModel = model.base();
        } else {
            baseModel = createBase();
            Head head = classes == 2 ? Head.binary(baseModel.outputName())
                    : base.equals("vgg16") ? Head.flattenDense(baseModel.outputName(), 256, 0.5, classes)
                    : Head.pooledDense(baseModel.outputName(), 64, classes);
            model = Classifier.of(baseModel.freeze(), head, trainFolder.classes()).compile(Optimizer.rmsprop(learningRate));
        }
        ImageGenerator.Builder trainGen = trainFolder.training().targetSize(size).batchSize(batchSize).classMode(mode)
                .preprocessing(baseModel.preprocessing()).augment(augment ? Augmentation.standard() : Augmentation.none());
        ImageGenerator.Builder valGen = (valFolder != null ? valFolder.training().shuffle(false) : trainFolder.validation())
                .targetSize(size).batchSize(batchSize).classMode(mode).preprocessing(baseModel.preprocessing());

        int frozenDone = done.phase("frozen").size();
        long t0 = System.nanoTime();
        History frozen = new History();
        Trainer.Activations atFineTuneCut = null;
        if (frozenDone < epochs) {
            // one pass over the images serves both phases: keep the input of the layers fine-tuning will train
            Trainer trainer = Trainer.of(model).epochs(epochs - frozenDone).initialEpoch(frozenDone).phase("frozen")
                    .after(done).checkpoints(out).progress(Progress.console())
                    .keepActivationsAt(fineEpochs > 0 ? SplitGraph.cutFor(model, fineTuneAt) : null);
            frozen = trainer.fit(trainGen.build(), valGen.build());
            atFineTuneCut = trainer.keptActivations();
        }
        double frozenSeconds = (System.nanoTime() - t0) / 1e9;
        History all = new History().append(done).append(frozen);
        double frozenAccuracy = all.phase("frozen").isEmpty() ? Double.NaN
                : all.phase("frozen").get(all.phase("frozen").size() - 1).valAccuracy();

        double fineSeconds = 0;
        if (fineEpochs > 0) {
            int fineDone = done.phase("fine_tune").size();
            if (fineDone < fineEpochs) {
                model.base().unfreezeFrom(fineTuneAt);
                model.compile(Optimizer.rmsprop(fineLearningRate));
                System.out.printf(Locale.ROOT, "Fine-tuning from layer %d (%s): %,d trainable parameters in %d arrays.%n",
                        fineTuneAt, model.base().layer(Math.min(fineTuneAt, model.base().layers().size() - 1)).name(),
                        model.countTrainableParams(), model.countTrainableArrays());
                long t1 = System.nanoTime();
                History fine = Trainer.of(model).epochs(fineEpochs - fineDone).initialEpoch(epochs + fineDone).phase("fine_tune")
                        .after(all).checkpoints(out).progress(Progress.console()).reuseActivations(atFineTuneCut)
                        .fit(trainGen.build(), valGen.build());
                atFineTuneCut = null;
                fineSeconds = (System.nanoTime() - t1) / 1e9;
                all.append(fine);
            }
        }
        double fineAccuracy = all.phase("fine_tune").isEmpty() ? Double.NaN
                : all.phase("fine_tune").get(all.phase("fine_tune").size() - 1).valAccuracy();
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
                """, base, size, fineTuneAt, json(frozenAccuracy), json(fineAccuracy), frozenSeconds, fineSeconds, Measure.peakRssMiB());
        History.writeAtomically(out.resolve("metrics.json"), metrics);
        System.out.println("Wrote history.csv, curves.png, model.zip and metrics.json to " + out);
        System.out.print(metrics);
    }

    private static String json(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "null";
    }

    private BaseModel createBase() throws IOException {
        if (base.equals("vgg16")) return weights != null ? Vgg16.fromWeights(size, weights) : Vgg16.imagenet(size);
        if (base.equals("mobilenet_v2")) {
            return weights != null ? MobileNetV2.fromWeights(size, alpha, weights) : MobileNetV2.imagenet(size, alpha);
        }
        throw new IllegalArgumentException("unknown base '" + base + "' (mobilenet_v2, vgg16)");
    }
}
