package org.tlworkbook.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.FastTraining;
import org.tlworkbook.model.SplitGraph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code model.fit(train, epochs=..., validation_data=..., initial_epoch=...)} for a {@link Classifier}.
 * Without augmentation, the frozen part of the network runs once per image and later epochs train only
 * the layers after the {@link SplitGraph#cut() cut} on cached activations; with augmentation every batch
 * runs the frozen part (fast inference) and then trains the rest. The layers after the cut train on
 * {@link FastTraining} when it supports them (MobileNetV2 heads and fine-tuning), else on DL4J.
 * Validation runs after every epoch; a checkpoint (model and history) is written atomically after
 * every epoch when a folder is given.
 */
public final class Trainer {
    private final Classifier model;
    private int epochs = 10;
    private int initialEpoch;
    private String phase = "frozen";
    private Path checkpoints;
    private Progress progress = Progress.console();
    private boolean cache = true;
    private History history = new History();
    private String keepAt;
    private Activations kept;
    private Activations reuse;
    private long cacheBudget = -1;

    /**
     * Activations at one layer for the training and validation images, kept from one phase for the next:
     * the frozen phase's single pass over the images also yields the input of the layers a later
     * fine-tuning trains, so that phase decodes and runs nothing again. Null caches were not kept.
     */
    public record Activations(String layer, FeatureCache train, FeatureCache validation) { }

    private Trainer(Classifier model) {
        this.model = model;
    }

    public static Trainer of(Classifier model) {
        return new Trainer(model);
    }

    public Trainer epochs(int epochs) {
        this.epochs = epochs;
        return this;
    }

    /** Keras {@code initial_epoch}: epochs already done, so numbering continues (fine-tuning after the frozen phase). */
    public Trainer initialEpoch(int epoch) {
        this.initialEpoch = epoch;
        return this;
    }

    /** Label for the history rows: "frozen" or "fine_tune". */
    public Trainer phase(String phase) {
        this.phase = phase;
        return this;
    }

    /** Folder for {@code checkpoint.zip} and {@code history.csv}, rewritten after every epoch. */
    public Trainer checkpoints(Path dir) {
        this.checkpoints = dir;
        return this;
    }

    /** History of earlier phases, kept in the checkpointed history. */
    public Trainer after(History earlier) {
        this.history = new History().append(earlier);
        return this;
    }

    public Trainer progress(Progress progress) {
        this.progress = progress;
        return this;
    }

    /** Turns activation caching off: every batch of every epoch then runs the frozen layers again. */
    public Trainer cacheFeatures(boolean cache) {
        this.cache = cache;
        return this;
    }

    /**
     * While featurizing, also keep the activations of {@code layer} (say the {@link SplitGraph#cutFor cut} of
     * the fine-tuning to come) for {@link #keptActivations()}; null keeps nothing.
     */
    public Trainer keepActivationsAt(String layer) {
        this.keepAt = layer;
        return this;
    }

    /** What {@link #keepActivationsAt} kept during {@link #fit}, or null. */
    public Activations keptActivations() {
        return kept;
    }

    /**
     * Activations kept by an earlier phase on the same images; used instead of running the frozen layers
     * when they are at this phase's cut (else ignored).
     */
    public Trainer reuseActivations(Activations activations) {
        this.reuse = activations;
        return this;
    }

    /**
     * Most bytes the activation caches of one {@link #fit} may take. By default half of the off-heap memory
     * ND4J may still allocate ({@code -Dorg.bytedeco.javacpp.maxbytes}, {@code WORKBOOK_MAX_OFFHEAP}); caches
     * that do not fit are not made, and every batch runs the frozen layers instead (slower, same result).
     */
    public Trainer cacheBudget(long bytes) {
        this.cacheBudget = bytes;
        return this;
    }

    private long budget() {
        if (cacheBudget >= 0) return cacheBudget;
        long max = org.bytedeco.javacpp.Pointer.maxBytes();
        if (max <= 0) max = org.bytedeco.javacpp.Pointer.maxPhysicalBytes();
        if (max <= 0) max = Runtime.getRuntime().maxMemory();
        return Math.max(0, (max - org.bytedeco.javacpp.Pointer.totalBytes()) / 2);
    }

    /** Trains and returns this phase's history (earlier phases' rows are not included). */
    public History fit(ImageGenerator train, ImageGenerator validation) {
        if (!SplitGraph.canSplit(model)) return fitFull(train, validation);
        return fitSplit(train, validation, cache && train.augmentation().isIdentity());
    }

    /**
     * The frozen prefix runs on the fast inference pass, the trainable suffix on {@link FastTraining} (or
     * DL4J). Validation activations at the cut are computed once (or reused from an earlier phase);
     * training ones too when {@code cacheTrain} and they fit the memory budget, else for every batch of
     * every epoch.
     */
    private History fitSplit(ImageGenerator train, ImageGenerator validation, boolean cacheTrain) {
        SplitGraph split = SplitGraph.of(model, keepAt == null ? List.of() : List.of(keepAt));
        boolean reusing = reuse != null && reuse.layer().equals(split.cut());
        FeatureCache reusedTrain = reusing ? reuse.train() : null, reusedVal = reusing ? reuse.validation() : null;
        long left = budget(), perImage = 4 * split.floatsPerImage(split.cut());
        boolean cacheValidation = validation != null && validation.augmentation().isIdentity()
                && (reusedVal != null || (left -= validation.samples() * perImage) >= 0);
        long trainBytes = train.samples() * perImage;
        if (cacheTrain && reusedTrain == null && trainBytes > left) {
            cacheTrain = false;
            System.out.printf(Locale.ROOT, "Caching the output of '%s' for %d images would take %.1f MiB, more than the %.1f MiB "
                    + "left for caches; each batch runs the frozen layers instead (slower, same result). More memory for "
                    + "caches: WORKBOOK_MAX_OFFHEAP (-Dorg.bytedeco.javacpp.maxbytes).%n", split.cut(), train.samples(),
                    trainBytes / 1048576.0, Math.max(0, left) / 1048576.0);
        } else if (cacheTrain && reusedTrain == null) {
            left -= trainBytes;
        }
        boolean keeping = keepAt != null && cacheTrain && reusedTrain == null && split.keptLayers().contains(keepAt)
                && (left -= 4 * split.floatsPerImage(keepAt) * (train.samples() + (cacheValidation ? validation.samples() : 0))) >= 0;
        System.out.println((cacheTrain ? "Caching the output of '" + split.cut() + "' once; epochs then train the last "
                : (train.augmentation().isIdentity() ? "Each batch" : "Augmented images change every epoch: each batch")
                + " runs the frozen layers up to '" + split.cut()
                + "' (fast inference), then trains the last ") + split.suffixLayerCount() + " layers."
                + (reusing ? " The activations there were kept from the previous phase." : ""));
        FeatureCache[] trainCaches = !cacheTrain ? new FeatureCache[2]
                : reusedTrain != null ? new FeatureCache[]{reusedTrain, null}
                : featurize(split, keeping, train, "training images");
        FeatureCache trainCache = trainCaches[0];
        FeatureCache[] valCaches = !cacheValidation ? new FeatureCache[2]
                : reusedVal != null ? new FeatureCache[]{reusedVal, null}
                : featurize(split, keeping, validation, "validation images");
        FeatureCache valCache = valCaches[0];
        kept = keeping ? new Activations(keepAt, trainCaches[1], valCaches[1]) : null;
        if (cacheTrain && (valCache != null || validation == null)) split.releasePrefix(); // featurized: frees a few hundred MB
        try {
            return trainSplit(split, train, validation, cacheTrain, trainCache, valCache);
        } finally {
            split.release();
        }
    }

    /** The epochs of {@link #fitSplit}: update steps, weights back into the classifier, validation, checkpoint. */
    private History trainSplit(SplitGraph split, ImageGenerator train, ImageGenerator validation, boolean cacheTrain,
                               FeatureCache trainCache, FeatureCache valCache) {
        FastTraining fast = split.fastTraining();
        ComputationGraph suffix = fast == null ? split.suffix() : null;
        ForwardPassAccuracy accuracy = fast == null ? ForwardPassAccuracy.attach(suffix) : null;
        History phaseHistory = new History();
        for (int e = initialEpoch + 1; e <= initialEpoch + epochs; e++) {
            long start = System.nanoTime();
            double[] sums = new double[3];
            if (cacheTrain) {
                List<DataSet> batches = trainCache.batches(train.batch(), train.seed() * 1_000_003L + e);
                progress.start(epochLabel(e), batches.size(), "batches");
                for (DataSet ds : batches) {
                    if (fast != null) step(fast, ds, sums);
                    else step(suffix, accuracy, ds, sums);
                    progress.advance(1);
                }
            } else {
                train.reset();
                progress.start(epochLabel(e), train.steps(), "batches");
                while (train.hasNext()) {
                    DataSet ds = train.next();
                    DataSet cut = new DataSet(split.prefixOutput(ds.getFeatures()), ds.getLabels());
                    if (fast != null) step(fast, cut, sums);
                    else step(suffix, accuracy, cut, sums);
                    progress.advance(1);
                }
            }
            progress.done();
            split.copyBack();
            double[] val = validation == null ? new double[]{Double.NaN, Double.NaN}
                    : valCache != null ? evaluateCached(split.suffixInference(), valCache, train.batch())
                    : Evaluator.lossAndAccuracy(model, validation);
            finishEpoch(phaseHistory, e, sums, val, start);
        }
        return phaseHistory;
    }

    /** Every layer trains: the whole DL4J graph runs forward and backward on every batch. */
    private History fitFull(ImageGenerator train, ImageGenerator validation) {
        ComputationGraph graph = model.graph();
        var listeners = new java.util.ArrayList<>(graph.getListeners() == null ? List.of() : graph.getListeners());
        ForwardPassAccuracy accuracy = ForwardPassAccuracy.attach(graph);
        try {
            History phaseHistory = new History();
            for (int e = initialEpoch + 1; e <= initialEpoch + epochs; e++) {
                long start = System.nanoTime();
                double[] sums = new double[3];
                train.reset();
                progress.start(epochLabel(e), train.steps(), "batches");
                while (train.hasNext()) {
                    step(graph, accuracy, train.next(), sums);
                    progress.advance(1);
                }
                progress.done();
                double[] val = validation == null ? new double[]{Double.NaN, Double.NaN} : Evaluator.lossAndAccuracy(model, validation);
                finishEpoch(phaseHistory, e, sums, val, start);
            }
            return phaseHistory;
        } finally {
            graph.setListeners(listeners);
        }
    }

    /**
     * One update; adds loss*n, correct and n to {@code sums}. Accuracy comes from the step's own forward
     * pass (before the update, as in Keras), or from an extra inference pass when the listener saw none.
     */
    private static void step(ComputationGraph graph, ForwardPassAccuracy accuracy, DataSet ds, double[] sums) {
        checkInterrupted();
        accuracy.expect(ds.getLabels());
        graph.fit(ds);
        int correct = accuracy.correct();
        if (correct < 0) correct = Metrics.correct(graph.outputSingle(false, ds.getFeatures()), ds.getLabels());
        sums[1] += correct;
        sums[0] += graph.score() * ds.numExamples();
        sums[2] += ds.numExamples();
    }

    /** The cut's activations for every image and, when {@code keeping}, those of the kept layer, in one pass. */
    private FeatureCache[] featurize(SplitGraph split, boolean keeping, ImageGenerator images, String what) {
        if (!keeping) return new FeatureCache[]{FeatureCache.compute(split::prefixOutput, images, what, progress), null};
        return FeatureCache.computeAll(split::prefixOutputs, images, what, progress).toArray(FeatureCache[]::new);
    }

    /** One update on the fast training engine; loss and accuracy from its forward pass, before the update. */
    private static void step(FastTraining fast, DataSet ds, double[] sums) {
        checkInterrupted();
        INDArray p = fast.step(ds.getFeatures(), ds.getLabels());
        sums[0] += Metrics.lossSum(p, ds.getLabels());
        sums[1] += Metrics.correct(p, ds.getLabels());
        sums[2] += ds.numExamples();
    }

    private static void checkInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new TrainingInterruptedException("Training interrupted; the last completed epoch is kept (and checkpointed when a folder was given).");
        }
    }

    private static double[] evaluateCached(java.util.function.UnaryOperator<INDArray> suffix, FeatureCache cache, int batch) {
        double loss = 0;
        int correct = 0;
        for (DataSet ds : cache.batches(batch, null)) {
            INDArray p = suffix.apply(ds.getFeatures());
            loss += Metrics.lossSum(p, ds.getLabels());
            correct += Metrics.correct(p, ds.getLabels());
        }
        return new double[]{loss / cache.size(), (double) correct / cache.size()};
    }

    private String epochLabel(int e) {
        return String.format(Locale.ROOT, "Epoch %d/%d (%s)", e, initialEpoch + epochs, phase);
    }

    private void finishEpoch(History phaseHistory, int e, double[] sums, double[] val, long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        History.Epoch row = new History.Epoch(e, phase, sums[0] / sums[2], sums[1] / sums[2], val[0], val[1],
                model.optimizer().learningRate(), seconds);
        phaseHistory.add(row);
        history.add(row);
        System.out.printf(Locale.ROOT, "Epoch %d/%d - %.1fs - loss: %.4f - accuracy: %.4f - val_loss: %.4f - val_accuracy: %.4f%n",
                e, initialEpoch + epochs, seconds, row.loss(), row.accuracy(), row.valLoss(), row.valAccuracy());
        if (checkpoints != null) {
            try {
                model.save(checkpoints.resolve("checkpoint.zip"));
                history.save(checkpoints);
            } catch (IOException ex) {
                throw new UncheckedIOException("Could not write checkpoint to " + checkpoints + ": " + ex.getMessage(), ex);
            }
        }
    }
}
