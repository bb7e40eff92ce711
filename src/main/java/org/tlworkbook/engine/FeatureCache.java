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
        INDArray labels = Nd4j.concat(0, ls.toArray(INDArray[]::new));
        List<FeatureCache> caches = new ArrayList<>();
        for (List<INDArray> f : fs) caches.add(new FeatureCache(Nd4j.concat(0, f.toArray(INDArray[]::new)), labels));
        return caches;
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

    /** Mini-batches in an order shuffled by {@code seed} (or in order when seed is null). */
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
        List<DataSet> out = new ArrayList<>();
        INDArray flat = features.reshape('c', n, features.length() / n);
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            long[] idx = new long[end - start];
            for (int i = start; i < end; i++) idx[i - start] = order[i];
            out.add(new DataSet(Nd4j.pullRows(flat, 1, toInt(idx)).reshape('c', shapeWithBatch(idx.length)),
                    Nd4j.pullRows(labels, 1, toInt(idx))));
        }
        return out;
    }

    private long[] shapeWithBatch(int n) {
        long[] s = features.shape().clone();
        s[0] = n;
        return s;
    }

    private static int[] toInt(long[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) r[i] = (int) a[i];
        return r;
    }
}
