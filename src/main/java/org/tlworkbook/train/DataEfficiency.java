package org.tlworkbook.train;

import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.Architecture;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Evaluation;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.Optimizer;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What transfer learning buys, as a number: a head on the frozen pretrained base, and beside it the small CNN of
 * TensorFlow's image-classification tutorial trained from scratch, each trained on 10, 25, 50, 100 and 200 images per
 * class (the same images for both, each set inside the next) for the same epochs and at least the same number of steps,
 * and scored on the same validation images, with Wilson 95% intervals. The head trains on cached features, so its
 * rows cost seconds; the CNN sees the photos at half the base's size (see {@link #scratchSize}).
 */
public final class DataEfficiency {
    private final BaseModel base;
    private final ImageFolder train;
    private final ImageFolder validation;
    private int[] sizes = {10, 25, 50, 100, 200};
    private int epochs = 10;
    private int batchSize = 32;
    private double learningRate = 1e-3;
    private double scratchLearningRate = 1e-3;
    private long seed = 37;
    private int minSteps = 50;
    private int scratchSize = -1;
    private Progress progress = Progress.console();

    private DataEfficiency(BaseModel base, ImageFolder train, ImageFolder validation) {
        this.base = base;
        this.train = train;
        this.validation = validation;
    }

    /** The experiment on {@code base} (pretrained; frozen here), with training images from {@code train} and scores on {@code validation}. */
    public static DataEfficiency of(BaseModel base, ImageFolder train, ImageFolder validation) {
        if (!train.classes().equals(validation.classes())) {
            throw new IllegalArgumentException("training classes " + train.classes() + " differ from validation classes " + validation.classes());
        }
        return new DataEfficiency(base, train, validation);
    }

    /** Images per class of each row, increasing. */
    public DataEfficiency sizes(int... sizes) {
        if (sizes.length == 0) throw new IllegalArgumentException("give at least one size");
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] < 1 || (i > 0 && sizes[i] <= sizes[i - 1])) {
                throw new IllegalArgumentException("sizes must be positive and increasing, got " + java.util.Arrays.toString(sizes));
            }
        }
        this.sizes = sizes.clone();
        return this;
    }

    /** Epochs for each model (both get the same). */
    public DataEfficiency epochs(int epochs) {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be 1 or more, got " + epochs);
        this.epochs = epochs;
        return this;
    }

    /** Images per training batch, for both models. */
    public DataEfficiency batchSize(int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be 1 or more, got " + batchSize);
        this.batchSize = batchSize;
        return this;
    }

    /**
     * RMSprop rates of the head and of the from-scratch CNN; both default to Keras' 1e-3. The tutorial's careful 1e-4
     * needs more steps than the smallest sets give, and would measure how far training got rather than what the data allows.
     */
    public DataEfficiency learningRates(double head, double scratch) {
        this.learningRate = head;
        this.scratchLearningRate = scratch;
        return this;
    }

    /**
     * The fewest optimizer steps each model gets (default 50): at 10 images per class an epoch is one step, and ten
     * steps would measure how far training got, not what the data allows. Small sets train for more epochs instead.
     */
    public DataEfficiency minSteps(int steps) {
        if (steps < 1) throw new IllegalArgumentException("steps must be 1 or more, got " + steps);
        this.minSteps = steps;
        return this;
    }

    /**
     * The side of the from-scratch CNN's input in pixels (default half the base's, at least 32): the same photos, with
     * a quarter of the pixels, so that it trains in minutes on two cores (DL4J's convolutions train slowly on a CPU).
     */
    public DataEfficiency scratchSize(int pixels) {
        if (pixels < 8) throw new IllegalArgumentException("the small CNN needs at least 8 pixels, got " + pixels);
        this.scratchSize = pixels;
        return this;
    }

    private int scratchPixels() {
        return scratchSize > 0 ? scratchSize : Math.max(32, base.size() / 2);
    }

    /** Epochs for {@code images} training images: {@link #epochs}, or more to reach {@link #minSteps}. */
    int epochsFor(int images) {
        int steps = (images + batchSize - 1) / batchSize;
        return Math.max(epochs, (minSteps + steps - 1) / steps);
    }

    /** Which images each subset takes, and the from-scratch CNN's initial weights. */
    public DataEfficiency seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** Where each finished row is noted. */
    public DataEfficiency progress(Progress progress) {
        this.progress = progress;
        return this;
    }

    /** One row per size: each model's correct validation images and training seconds. */
    public record Row(int imagesPerClass, int validationImages, int transferCorrect, double transferSeconds,
                      int scratchCorrect, double scratchSeconds) {
        /** The pretrained model's validation accuracy. */
        public double transferAccuracy() {
            return (double) transferCorrect / validationImages;
        }

        /** The from-scratch model's validation accuracy. */
        public double scratchAccuracy() {
            return (double) scratchCorrect / validationImages;
        }

        /** Wilson's 95% interval of the transfer accuracy. */
        public double[] transferInterval() {
            return wilson(transferCorrect, validationImages);
        }

        /** Wilson's 95% interval of the from-scratch accuracy. */
        public double[] scratchInterval() {
            return wilson(scratchCorrect, validationImages);
        }
    }

    /**
     * Wilson's score interval for {@code successes} of {@code n} at 95% (z = 1.96): unlike p +- 1.96 sqrt(p(1-p)/n), it
     * stays inside [0, 1] and is honest near 0% and 100%, where small validation sets put accuracies.
     */
    public static double[] wilson(int successes, int n) {
        if (n <= 0 || successes < 0 || successes > n) throw new IllegalArgumentException(successes + " of " + n);
        double z = 1.959963984540054, p = (double) successes / n, z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return new double[]{Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /** Runs every row; refuses a size larger than the smallest class of the training folder. */
    public List<Row> run() {
        int[] counts = new int[train.classes().size()];
        for (ImageFolder.Sample sample : train.trainingSamples()) counts[sample.label()]++;
        int smallest = java.util.Arrays.stream(counts).min().orElse(0);
        if (sizes[sizes.length - 1] > smallest) {
            throw new IllegalArgumentException("the largest size, " + sizes[sizes.length - 1] + " images per class, is more than the "
                    + smallest + " the smallest training class has; choose sizes up to " + smallest);
        }
        BaseModel frozen = base.freeze();
        ImageGenerator val = validation.validation(frozen).batchSize(batchSize).build();
        List<Row> rows = new ArrayList<>();
        for (int n : sizes) {
            ImageFolder subset = train.seed(seed).limitPerClass(n);
            Head head = train.classes().size() == 2 ? Head.binary() : Head.pooledDense(64);
            long t0 = System.nanoTime();
            Classifier transfer = Classifier.of(frozen, head, train.classes()).compile(Optimizer.rmsprop(learningRate)).progress(Progress.silent());
            int runEpochs = epochsFor(subset.trainingSamples().size());
            transfer.fit(subset.training(frozen).batchSize(batchSize).classMode(head.isBinary() ? org.tlworkbook.data.ClassMode.BINARY
                    : org.tlworkbook.data.ClassMode.CATEGORICAL).build(), null, runEpochs);
            double transferSeconds = (System.nanoTime() - t0) / 1e9;
            Evaluation te = transfer.evaluate(val);

            BaseModel cnn = Architecture.SMALL_CNN.create(scratchPixels(), 1.0, seed);
            ImageGenerator cnnVal = validation.validation(cnn).batchSize(batchSize).classMode(val.classMode()).build();
            t0 = System.nanoTime();
            Classifier scratch = Classifier.of(cnn, head, train.classes()).compile(Optimizer.rmsprop(scratchLearningRate)).progress(Progress.silent());
            scratch.fit(subset.training(cnn).batchSize(batchSize).classMode(val.classMode()).build(), null, runEpochs);
            double scratchSeconds = (System.nanoTime() - t0) / 1e9;
            Evaluation se = scratch.evaluate(cnnVal);
            Row row = new Row(n, te.total(), correct(te), transferSeconds, correct(se), scratchSeconds);
            rows.add(row);
            progress.note(String.format(Locale.ROOT, "%d images per class, %d epochs: transfer %.3f (%.1f s), from scratch %.3f (%.1f s)",
                    n, runEpochs, row.transferAccuracy(), transferSeconds, row.scratchAccuracy(), scratchSeconds));
        }
        return rows;
    }

    private static int correct(Evaluation e) {
        int ok = 0;
        for (int i = 0; i < e.confusion().length; i++) ok += e.confusion()[i][i];
        return ok;
    }

    /** The rows as a table: accuracy and its interval for each model, and training seconds. */
    public static Table table(List<Row> rows) {
        Table t = Table.create("Data efficiency");
        t.addColumns(IntColumn.create("images per class", rows.stream().mapToInt(Row::imagesPerClass).toArray()));
        t.addColumns(DoubleColumn.create("transfer accuracy", rows.stream().mapToDouble(r -> round(r.transferAccuracy())).toArray()));
        t.addColumns(DoubleColumn.create("95% low", rows.stream().mapToDouble(r -> round(r.transferInterval()[0])).toArray()));
        t.addColumns(DoubleColumn.create("95% high", rows.stream().mapToDouble(r -> round(r.transferInterval()[1])).toArray()));
        t.addColumns(DoubleColumn.create("from-scratch accuracy", rows.stream().mapToDouble(r -> round(r.scratchAccuracy())).toArray()));
        t.addColumns(DoubleColumn.create("scratch 95% low", rows.stream().mapToDouble(r -> round(r.scratchInterval()[0])).toArray()));
        t.addColumns(DoubleColumn.create("scratch 95% high", rows.stream().mapToDouble(r -> round(r.scratchInterval()[1])).toArray()));
        t.addColumns(DoubleColumn.create("transfer s", rows.stream().mapToDouble(r -> Math.round(r.transferSeconds() * 10) / 10.0).toArray()));
        t.addColumns(DoubleColumn.create("scratch s", rows.stream().mapToDouble(r -> Math.round(r.scratchSeconds() * 10) / 10.0).toArray()));
        return t;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "DataEfficiency(%s at %d px frozen + new head vs small CNN from scratch at %d px, %s images per class, "
                + "%d epochs each (at least %d steps), RMSprop %.0e / %.0e, batch %d, seed %d)", base.name(), base.size(), scratchPixels(),
                java.util.Arrays.toString(sizes), epochs, minSteps, learningRate, scratchLearningRate, batchSize, seed);
    }
}
