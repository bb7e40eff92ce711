package org.tlworkbook.engine;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Training steps at a given rate each (a learning-rate sweep) on a copy of what trains: the layers after the
 * frozen part run on cached activations, as {@link Fitting} trains them, but nothing is copied back, so the
 * network keeps its weights, optimizer state and iteration count.
 */
public final class RateSweep {
    private RateSweep() { }

    /**
     * One step per rate of {@code rates}, in order, on batches of {@code train} (passes over it as needed);
     * returns each step's mean loss (from its forward pass, before its update). Stops early when {@code stop}
     * accepts the losses so far.
     */
    public static List<Double> run(Network network, ImageGenerator train, double[] rates, Predicate<List<Double>> stop, Progress progress) {
        List<Double> losses = new ArrayList<>();
        SplitGraph split = SplitGraph.canSplit(network) ? SplitGraph.of(network) : null;
        FeatureCache cache = split != null && train.augmentation().isIdentity()
                ? FeatureCache.compute(split::prefixOutput, train, "training images", progress) : null;
        ComputationGraph copy = split == null ? network.graph().clone() : null; // the whole network trains: sweep a clone
        Suffix suffix = split != null ? split.trainable() : Suffix.dl4j(copy, network.layers(), () -> { });
        try {
            progress.start("learning-rate sweep", rates.length, "steps");
            int pass = 0;
            while (losses.size() < rates.length && !stop.test(losses)) {
                pass++;
                EpochBatches batches = EpochBatches.of(train, cache, split == null ? null : split::prefixOutput, pass);
                while (losses.size() < rates.length && batches.hasNext()) {
                    if (Thread.currentThread().isInterrupted()) throw new TrainingInterruptedException("Learning-rate sweep interrupted; the model is unchanged.");
                    DataSet ds = batches.next();
                    suffix.learningRate(rates[losses.size()]);
                    Suffix.StepResult r = suffix.step(ds);
                    if (!suffix.retainsInputs()) Arrays32.free(ds.getFeatures(), ds.getLabels());
                    losses.add(r.lossSum() / r.examples());
                    progress.advance(1);
                    if (stop.test(losses)) break;
                }
            }
        } finally {
            progress.done();
            suffix.release();
            if (split != null) split.release();
        }
        return losses;
    }
}
