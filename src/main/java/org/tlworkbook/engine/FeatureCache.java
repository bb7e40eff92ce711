package org.tlworkbook.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.tlworkbook.data.Progress;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Activations of a frozen prefix for every image, computed once ("featurization") and reused every
 * epoch: the reason the frozen phase takes seconds per epoch instead of minutes. Only valid without
 * augmentation, since augmented images change every epoch.
 */
public final class FeatureCache {
    private final INDArray features;
    private final INDArray labels;

    private FeatureCache(INDArray features, INDArray labels) {
        this.features = features;
        this.labels = labels;
    }

    /** Runs every batch of {@code images} (one epoch, in its order) through {@code prefix}. */
    public static FeatureCache compute(UnaryOperator<INDArray> prefix, DataSetIterator images, String what, Progress progress) {
        return computeAll(x -> new INDArray[]{prefix.apply(x)}, images, what, progress).get(0);
    }

    /**
     * As {@link #compute}, for a prefix with several outputs (say pooled features and an earlier layer's
     * activations): one pass over the images, one cache per output.
     */
    public static List<FeatureCache> computeAll(Function<INDArray, INDArray[]> prefix, DataSetIterator images, String what,
                                                Progress progress) {
        images.reset();
        List<List<INDArray>> fs = new ArrayList<>();
        List<INDArray> ls = new ArrayList<>();
        long total = images instanceof org.tlworkbook.data.ImageGenerator g ? g.samples() : -1;
        progress.start("featurize " + what, total, "images");
        try {
            while (images.hasNext()) {
                DataSet ds = images.next();
                INDArray[] out = prefix.apply(ds.getFeatures());
                if (images instanceof org.tlworkbook.data.ImageGenerator) Arrays32.free(ds.getFeatures()); // a new array per batch
                for (int i = 0; i < out.length; i++) {
                    if (fs.size() <= i) fs.add(new ArrayList<>());
                    fs.get(i).add(out[i].detach());
                }
                ls.add(ds.getLabels());
                progress.advance(ds.numExamples());
            }
        } finally {
            progress.done();
        }
        if (ls.isEmpty()) throw new IllegalStateException("no images to featurize (" + what + ")");
        INDArray labels = concatAndFree(ls);
        List<FeatureCache> caches = new ArrayList<>();
        for (List<INDArray> f : fs) caches.add(new FeatureCache(concatAndFree(f), labels));
        return caches;
    }

    /** The parts joined along the batch axis; parts that do not share the result's memory are freed. */
    private static INDArray concatAndFree(List<INDArray> parts) {
        INDArray all = Nd4j.concat(0, parts.toArray(INDArray[]::new));
        for (INDArray p : parts) if (p.data() != all.data()) Arrays32.free(p);
        return all;
    }

    public int size() {
        return (int) features.size(0);
    }

    public INDArray features() {
        return features;
    }

    public INDArray labels() {
        return labels;
    }

    /**
     * Mini-batches in an order shuffled by {@code seed} (or in order when seed is null). Each is copied out
     * when it is read, so an epoch holds one batch at a time; the reader may {@link Arrays32#free free} it.
     */
    public List<DataSet> batches(int batchSize, Long seed) {
        int n = size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (seed != null) {
            Random r = new Random(seed);
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        INDArray flat = features.reshape('c', n, features.length() / n);
        int count = (n + batchSize - 1) / batchSize;
        return new java.util.AbstractList<>() {
            @Override
            public DataSet get(int b) {
                int start = b * batchSize, end = Math.min(n, start + batchSize);
                int[] idx = java.util.Arrays.copyOfRange(order, start, end);
                return new DataSet(Nd4j.pullRows(flat, 1, idx).reshape('c', shapeWithBatch(idx.length)), Nd4j.pullRows(labels, 1, idx));
            }

            @Override
            public int size() {
                return count;
            }
        };
    }

    private long[] shapeWithBatch(int n) {
        long[] s = features.shape().clone();
        s[0] = n;
        return s;
    }
}
