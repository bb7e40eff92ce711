package org.tlworkbook.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;

import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The epoch loop behind {@code Classifier.fit} (Keras keeps its loops in the backend trainer too). It
 * chooses how to run: without augmentation the frozen part of the network runs once per image and epochs
 * train only the layers after the {@link SplitGraph#cut() cut} on cached activations; with augmentation
 * (or when the cache does not fit the memory budget) every batch runs the frozen part on the fast inference
 * pass, then trains the rest. The layers after the cut are a {@link Suffix}; when every layer trains there
 * is no cut and the suffix is the whole DL4J graph. Validation runs after every epoch.
 */
public final class Fitting {
    /** Figures of one finished epoch; its weights are in the network's graph when this is called. */
    public interface EpochEnd {
        void accept(int epoch, double loss, double accuracy, double valLoss, double valAccuracy, double seconds);
    }

    /**
     * Activations at one layer for a set of training and validation images, kept by one fit for the next: the
     * frozen phase's single pass over the images also yields the input of the layers a later fine-tuning
     * trains. Null caches were not kept.
     */
    public record Activations(String layer, List<ImageFolder.Sample> trainImages, List<ImageFolder.Sample> validationImages,
                              FeatureCache train, FeatureCache validation) {
        /** Whether these activations belong to these generators' images (in the same order). */
        public boolean matches(ImageGenerator train, ImageGenerator validation) {
            return trainImages.equals(train.sampleList()) && (validation == null ? this.validation == null
                    : validationImages != null && validationImages.equals(validation.sampleList()));
        }

        @Override
        public String toString() {
            return "Activations at " + layer + " of " + trainImages.size() + " training and "
                    + (validationImages == null ? 0 : validationImages.size()) + " validation images";
        }
    }

    private final Network network;
    private int epochs = 10;
    private int initialEpoch;
    private String phase = "";
    private java.util.function.Consumer<String> log;
    private java.util.function.BooleanSupplier stop = () -> false;
    private Progress progress;
    private boolean cache = true;
    private long cacheBudget = -1;
    private String keepAt;
    private Activations reuse;

    private Fitting(Network network) {
        this.network = network;
    }

    public static Fitting of(Network network) {
        return new Fitting(network);
    }

    public Fitting epochs(int epochs) {
        return epochs(epochs, initialEpoch);
    }

    /** {@code epochs} more after the {@code done} already run, numbered on from them (Keras' {@code initial_epoch}). */
    public Fitting epochs(int epochs, int done) {
        if (epochs < 0 || done < 0) throw new IllegalArgumentException("epochs and epochs done must be >= 0, got " + epochs + " and " + done);
        this.epochs = epochs;
        this.initialEpoch = done;
        return this;
    }

    /** Shown in progress labels, e.g. "fine_tune". */
    public Fitting phase(String phase) {
        this.phase = java.util.Objects.requireNonNull(phase, "phase");
        return this;
    }

    public Fitting progress(Progress progress) {
        this.progress = progress;
        return this;
    }

    /** Where the epoch lines and caching notes go (the progress reporter's notes unless set; a no-op for Keras' {@code verbose=0}). */
    public Fitting log(java.util.function.Consumer<String> log) {
        this.log = log;
        return this;
    }

    private void say(String line) {
        if (log != null) log.accept(line);
        else progress.note(line);
    }

    /** Ends the epochs early once {@code stop} says so after an epoch (a callback's early stop). */
    public Fitting stopWhen(java.util.function.BooleanSupplier stop) {
        this.stop = java.util.Objects.requireNonNull(stop, "stopWhen");
        return this;
    }

    /** Turns activation caching off: every batch of every epoch then runs the frozen layers again. */
    public Fitting cache(boolean cache) {
        this.cache = cache;
        return this;
    }

    /**
     * Most bytes the activation caches of one fit may take. By default half of the off-heap memory ND4J may
     * still allocate ({@code -Dorg.bytedeco.javacpp.maxbytes}); caches that do not fit are not made, and every
     * batch runs the frozen layers instead (slower, same result).
     */
    public Fitting cacheBudget(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("cache budget must be >= 0 bytes, got " + bytes);
        this.cacheBudget = bytes;
        return this;
    }

    /** While featurizing, also keep the activations of {@code layer} (null: nothing) for a later fit. */
    public Fitting keepActivationsAt(String layer) {
        this.keepAt = layer;
        return this;
    }

    /** Activations kept by an earlier fit; used when they are at this fit's cut and of the same images. */
    public Fitting reuse(Activations activations) {
        this.reuse = activations;
        return this;
    }

    private long budget() {
        if (cacheBudget >= 0) return cacheBudget;
        long max = org.bytedeco.javacpp.Pointer.maxBytes();
        if (max <= 0) max = org.bytedeco.javacpp.Pointer.maxPhysicalBytes();
        if (max <= 0) max = Runtime.getRuntime().maxMemory();
        return Math.max(0, (max - org.bytedeco.javacpp.Pointer.totalBytes()) / 2);
    }

    /**
     * Trains; returns the activations a later fit may reuse: those kept now, or those reused now (null when
     * none were asked for or they did not fit).
     */
    public Activations fit(ImageGenerator train, ImageGenerator validation, EpochEnd onEpoch) {
        if (progress == null) progress = Progress.console();
        if (!SplitGraph.canSplit(network)) {
            Suffix whole = Suffix.dl4j(network.graph(), network.layers(), () -> { });
            try {
                loop(whole, null, train, validation, null, null, onEpoch);
            } finally {
                whole.release();
            }
            return null;
        }
        return fitSplit(train, validation, cache && train.augmentation().isIdentity(), onEpoch);
    }

    /**
     * The frozen prefix runs on the fast inference pass, the suffix trains. Validation activations at the cut
     * are computed once (or reused); training ones too when {@code cacheTrain} and they fit the memory budget.
     */
    private Activations fitSplit(ImageGenerator train, ImageGenerator validation, boolean cacheTrain, EpochEnd onEpoch) {
        SplitGraph split = SplitGraph.of(network, keepAt == null ? List.of() : List.of(keepAt));
        boolean reusing = reuse != null && reuse.layer().equals(split.cut()) && reuse.matches(train, validation);
        FeatureCache reusedTrain = reusing ? reuse.train() : null, reusedVal = reusing ? reuse.validation() : null;
        long left = budget(), perImage = 4 * split.floatsPerImage(split.cut());
        boolean cacheValidation = validation != null && validation.augmentation().isIdentity()
                && (reusedVal != null || (left -= validation.samples() * perImage) >= 0);
        long trainBytes = train.samples() * perImage;
        if (cacheTrain && reusedTrain == null && trainBytes > left) {
            cacheTrain = false;
            say(String.format(Locale.ROOT, "Caching the output of '%s' for %d images would take %.1f MiB, more than the %.1f MiB "
                    + "left for caches; each batch runs the frozen layers instead (slower, same result). More memory for "
                    + "caches: WORKBOOK_MAX_OFFHEAP (-Dorg.bytedeco.javacpp.maxbytes).", split.cut(), train.samples(),
                    trainBytes / 1048576.0, Math.max(0, left) / 1048576.0));
        } else if (cacheTrain && reusedTrain == null) {
            left -= trainBytes;
        }
        boolean keeping = keepAt != null && cacheTrain && reusedTrain == null && split.keptLayers().contains(keepAt)
                && (left -= 4 * split.floatsPerImage(keepAt) * (train.samples() + (cacheValidation ? validation.samples() : 0))) >= 0;
        say((cacheTrain ? "Caching the output of '" + split.cut() + "' once; epochs then train the last "
                : (train.augmentation().isIdentity() ? "Each batch" : "Augmented images change every epoch: each batch")
                + " runs the frozen layers up to '" + split.cut()
                + "' (fast inference), then trains the last ") + split.suffixLayerCount() + " layers."
                + (reusing ? " The activations there were kept from the previous phase." : ""));
        FeatureCache[] trainCaches = !cacheTrain ? new FeatureCache[2]
                : reusedTrain != null ? new FeatureCache[]{reusedTrain, null}
                : featurize(split, keeping, train, "training images");
        FeatureCache[] valCaches = !cacheValidation ? new FeatureCache[2]
                : reusedVal != null ? new FeatureCache[]{reusedVal, null}
                : featurize(split, keeping, validation, "validation images");
        Activations kept = keeping ? new Activations(keepAt, train.sampleList(), validation == null ? null : validation.sampleList(),
                trainCaches[1], valCaches[1]) : null;
        if (cacheTrain && (valCaches[0] != null || validation == null)) split.releasePrefix(); // featurized: frees a few hundred MB
        Suffix suffix = split.trainable();
        try {
            loop(suffix, split::prefixOutput, train, validation, trainCaches[0], valCaches[0], onEpoch);
        } finally {
            suffix.release();
            split.release();
        }
        return kept != null ? kept : reusing ? reuse : null;
    }

    /**
     * The epochs: update steps on cached activations (when {@code trainCache} is given) or on each batch run
     * through {@code prefix} (null: the images go in as they are); weights back into the network; validation; the epoch's figures.
     */
    private void loop(Suffix suffix, UnaryOperator<INDArray> prefix, ImageGenerator train, ImageGenerator validation,
                      FeatureCache trainCache, FeatureCache valCache, EpochEnd onEpoch) {
        for (int e = initialEpoch + 1; e <= initialEpoch + epochs; e++) {
            long start = System.nanoTime();
            double loss = 0;
            int correct = 0, seen = 0;
            String label = String.format(Locale.ROOT, "Epoch %d/%d%s", e, initialEpoch + epochs, phase.isEmpty() ? "" : " (" + phase + ")");
            EpochBatches batches = EpochBatches.of(train, trainCache, prefix, e);
            progress.start(label, batches.size(), "batches");
            while (batches.hasNext()) {
                checkInterrupted();
                DataSet ds = batches.next();
                Suffix.StepResult r = suffix.step(ds);
                if (!suffix.retainsInputs()) Arrays32.free(ds.getFeatures(), ds.getLabels());
                loss += r.lossSum();
                correct += r.correct();
                seen += r.examples();
                progress.advance(1);
            }
            progress.done();
            suffix.copyBack();
            double[] val = validation == null ? new double[]{Double.NaN, Double.NaN}
                    : valCache != null ? evaluate(suffix.inference(), valCache, train.batch())
                    : evaluate(FastForward.inference(network.layers(), network.graph()), validation);
            double seconds = (System.nanoTime() - start) / 1e9;
            double epochLoss = loss / seen, accuracy = (double) correct / seen;
            say(String.format(Locale.ROOT, "Epoch %d/%d - %.1fs - loss: %.4f - accuracy: %.4f - val_loss: %.4f - val_accuracy: %.4f",
                    e, initialEpoch + epochs, seconds, epochLoss, accuracy, val[0], val[1]));
            onEpoch.accept(e, epochLoss, accuracy, val[0], val[1], seconds);
            if (stop.getAsBoolean()) break;
        }
    }

    /** The cut's activations for every image and, when {@code keeping}, those of the kept layer, in one pass. */
    private FeatureCache[] featurize(SplitGraph split, boolean keeping, ImageGenerator images, String what) {
        if (!keeping) return new FeatureCache[]{FeatureCache.compute(split::prefixOutput, images, what, progress), null};
        return FeatureCache.computeAll(split::prefixOutputs, images, what, progress).toArray(FeatureCache[]::new);
    }

    private static void checkInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new TrainingInterruptedException("Training interrupted; the last completed epoch is kept (and checkpointed when a folder was given).");
        }
    }

    private static double[] evaluate(UnaryOperator<INDArray> network, FeatureCache cache, int batch) {
        double loss = 0;
        int correct = 0;
        for (DataSet ds : cache.batches(batch, null)) {
            INDArray p = network.apply(ds.getFeatures());
            loss += Metrics.lossSum(p, ds.getLabels());
            correct += Metrics.correct(p, ds.getLabels());
            Arrays32.free(ds.getFeatures(), ds.getLabels(), p);
        }
        return new double[]{loss / cache.size(), (double) correct / cache.size()};
    }

    /** Loss and accuracy of {@code network} over one in-order pass of {@code images}. */
    public static double[] evaluate(UnaryOperator<INDArray> network, ImageGenerator images) {
        double loss = 0;
        int correct = 0, n = 0;
        images.reset();
        while (images.hasNext()) {
            DataSet ds = images.next();
            INDArray p = network.apply(ds.getFeatures());
            loss += Metrics.lossSum(p, ds.getLabels());
            correct += Metrics.correct(p, ds.getLabels());
            n += ds.numExamples();
            Arrays32.free(ds.getFeatures(), ds.getLabels(), p);
        }
        return new double[]{loss / Math.max(1, n), (double) correct / Math.max(1, n)};
    }
}
