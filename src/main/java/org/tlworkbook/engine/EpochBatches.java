package org.tlworkbook.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.tlworkbook.data.ImageGenerator;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The training batches of one epoch as the trainable layers take them: from the cached activations in the order the
 * epoch's seed gives, or else from the generator (positioned at the epoch, for its augmentation) through the frozen
 * prefix. Training ({@link Fitting}) and the learning-rate sweep ({@link RateSweep}) read their batches here.
 */
final class EpochBatches {
    private final ImageGenerator train;
    private final List<DataSet> cached;
    private final UnaryOperator<INDArray> prefix;
    private int next;

    private EpochBatches(ImageGenerator train, List<DataSet> cached, UnaryOperator<INDArray> prefix) {
        this.train = train;
        this.cached = cached;
        this.prefix = prefix;
    }

    /** Epoch {@code epoch}'s batches: from {@code cache} when there is one, else from {@code train} through {@code prefix} (null: as they are). */
    static EpochBatches of(ImageGenerator train, FeatureCache cache, UnaryOperator<INDArray> prefix, int epoch) {
        List<DataSet> cached = cache == null ? null : cache.batches(train.batch(), train.seed() * 1_000_003L + epoch);
        if (cached == null) train.resetTo(epoch);
        return new EpochBatches(train, cached, prefix);
    }

    /** How many batches the epoch has. */
    int size() {
        return cached != null ? cached.size() : train.steps();
    }

    boolean hasNext() {
        return cached != null ? next < cached.size() : train.hasNext();
    }

    /** The next batch; a generator's images are freed once the prefix has run on them. */
    DataSet next() {
        if (cached != null) return cached.get(next++);
        DataSet ds = train.next();
        if (prefix == null) return ds;
        INDArray images = ds.getFeatures();
        DataSet out = new DataSet(prefix.apply(images), ds.getLabels());
        Arrays32.free(images);
        return out;
    }
}
