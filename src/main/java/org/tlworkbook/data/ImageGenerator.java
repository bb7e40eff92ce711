package org.tlworkbook.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * Batches of decoded, resized, augmented and normalised images as a DL4J {@link DataSetIterator}:
 * the Java counterpart of {@code ImageDataGenerator.flow_from_directory}. Features are
 * {@code [batch, 3, height, width]} floats; labels follow the {@link ClassMode}. Each epoch
 * ({@link #reset()}) reshuffles and redraws augmentation from the seed, so two runs with the same
 * seed see the same batches.
 */
public final class ImageGenerator implements DataSetIterator {
    private final List<ImageFolder.Sample> samples;
    private final List<String> classes;
    private final int width;
    private final int height;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final ClassMode classMode;
    private final Preprocessing preprocessing;
    private final Augmentation augmentation;
    private final java.util.Set<String> skippedOnce = ConcurrentHashMap.newKeySet();
    private List<ImageFolder.Sample> lastBatch = List.of();
    private List<ImageFolder.Sample> order;
    private int cursor;
    private int epoch;
    private DataSetPreProcessor preProcessor;

    private ImageGenerator(Builder b) {
        this.samples = List.copyOf(b.samples);
        this.classes = List.copyOf(b.classes);
        this.width = b.width;
        this.height = b.height;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.classMode = b.classMode;
        this.preprocessing = b.preprocessing;
        this.augmentation = b.augmentation;
        if (classMode == ClassMode.BINARY && classes.size() != 2) {
            throw new IllegalArgumentException("classMode BINARY needs exactly 2 classes, found " + classes.size()
                    + " " + classes + "; use ClassMode.CATEGORICAL.");
        }
        if (samples.isEmpty()) throw new IllegalArgumentException("No images to generate batches from.");
        startEpoch();
    }

    /**
     * Decodes {@code files} into one NCHW batch sized and scaled for {@code input}; an unreadable file is an
     * error naming it (prediction must not silently skip an image).
     */
    public static INDArray load(List<java.nio.file.Path> files, ImageInput input) throws UnreadableImageException {
        int s = input.size(), plane = 3 * s * s;
        float[] features = new float[files.size() * plane];
        for (int i = 0; i < files.size(); i++) {
            BufferedImage img = ImageDecoder.readRgb(files.get(i));
            Resampler.sample(img, s, s, Augmentation.Transform.IDENTITY, input.preprocessing(), features, i * plane);
        }
        return Nd4j.create(features, new long[]{files.size(), 3, s, s}, 'c');
    }

    /** A generator over these samples; the defaults are Keras' (224x224, batch 32, shuffled, categorical). */
    public static Builder builder(List<ImageFolder.Sample> samples, List<String> classes) {
        return new Builder(samples, classes);
    }

    /** Fluent settings with Keras' names and defaults (256x256, batch 32, categorical, shuffle). */
    public static final class Builder {
        private final List<ImageFolder.Sample> samples;
        private final List<String> classes;
        private int width = 256;
        private int height = 256;
        private int batchSize = 32;
        private boolean shuffle = true;
        private long seed;
        private ClassMode classMode = ClassMode.CATEGORICAL;
        private Preprocessing preprocessing = Preprocessing.none();
        private Augmentation augmentation = Augmentation.none();

        private Builder(List<ImageFolder.Sample> samples, List<String> classes) {
            this.samples = samples;
            this.classes = classes;
        }

        /** Square images of {@code size} pixels (Keras {@code target_size=(size, size)}). */
        public Builder targetSize(int size) {
            return targetSize(size, size);
        }

        /** Images resized to {@code height} x {@code width}. */
        public Builder targetSize(int height, int width) {
            if (height < 1 || width < 1) throw new IllegalArgumentException("target size must be positive");
            this.height = height;
            this.width = width;
            return this;
        }

        /** Images per batch. */
        public Builder batchSize(int n) {
            if (n < 1) throw new IllegalArgumentException("batchSize must be >= 1");
            this.batchSize = n;
            return this;
        }

        /** Whether each epoch reads the images in a new order (validation data keeps its order). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Seed of the shuffling and augmentation, so a run repeats. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** How labels are encoded (Keras {@code class_mode}). */
        public Builder classMode(ClassMode mode) {
            this.classMode = java.util.Objects.requireNonNull(mode, "classMode: pass ClassMode.BINARY or ClassMode.CATEGORICAL");
            return this;
        }

        /** Keras {@code rescale}, e.g. {@code 1.0 / 255}. */
        public Builder rescale(double factor) {
            this.preprocessing = Preprocessing.rescale(factor);
            return this;
        }

        /** How pixel values are scaled (Keras {@code rescale} or the base's {@code preprocess_input}). */
        public Builder preprocessing(Preprocessing p) {
            this.preprocessing = java.util.Objects.requireNonNull(p, "preprocessing: pass Preprocessing.none() to keep pixels at 0-255");
            return this;
        }

        /** Random transforms applied to each image, drawn anew every epoch. */
        public Builder augment(Augmentation a) {
            this.augmentation = java.util.Objects.requireNonNull(a, "augment: pass Augmentation.none() for no random transforms");
            return this;
        }

        /** The generator, at the first batch of its first epoch. */
        public ImageGenerator build() {
            return new ImageGenerator(this);
        }
    }

    /** Number of images per epoch (Keras {@code generator.samples}). */
    public int samples() {
        return samples.size();
    }

    /** Class names, in label order. */
    public List<String> classes() { return classes; }

    /** The images it reads, in their original order. */
    public List<ImageFolder.Sample> sampleList() { return samples; }

    /** Width of the images it yields. */
    public int width() { return width; }

    /** Height of the images it yields. */
    public int height() { return height; }

    /** How its labels are encoded. */
    public ClassMode classMode() { return classMode; }

    /** How it scales pixel values. */
    public Preprocessing preprocessing() { return preprocessing; }

    /** The random transforms it applies. */
    public Augmentation augmentation() { return augmentation; }

    /** Seed of its shuffling and augmentation. */
    public long seed() { return seed; }

    /** Batches per epoch. */
    public int steps() {
        return (samples.size() + batchSize - 1) / batchSize;
    }

    private void startEpoch() {
        order = new ArrayList<>(samples);
        if (shuffle) Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
        cursor = 0;
    }

    /** Loads one image as the generator would in {@code epoch} at {@code position}; used by previews. */
    public float[] load(ImageFolder.Sample sample, int epoch, int position) throws UnreadableImageException {
        BufferedImage img = ImageDecoder.readRgb(sample.path());
        float[] out = new float[3 * width * height];
        Resampler.sample(img, width, height, transformFor(epoch, position), preprocessing, out, 0);
        return out;
    }

    /** The augmentation drawn for a position in an epoch (identity without augmentation). */
    public Augmentation.Transform transformFor(int epoch, int position) {
        if (augmentation.isIdentity()) return Augmentation.Transform.IDENTITY;
        Random r = new Random(((seed * 1_000_003L + epoch) * 1_000_033L) ^ (position * 0x9E3779B97F4A7C15L));
        return augmentation.draw(r);
    }

    @Override
    public boolean hasNext() {
        return cursor < order.size();
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) throw new NoSuchElementException("epoch finished; call reset()");
        int start = cursor;
        int n = Math.min(num, order.size() - start);
        cursor += n;
        int plane = 3 * width * height;
        float[] features = new float[n * plane];
        boolean[] ok = new boolean[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            ImageFolder.Sample s = order.get(start + i);
            try {
                BufferedImage img = ImageDecoder.readRgb(s.path());
                Resampler.sample(img, width, height, transformFor(epoch, start + i), preprocessing, features, i * plane);
                ok[i] = true;
            } catch (UnreadableImageException e) {
                if (skippedOnce.add(s.path().toString())) {
                    Progress.tell("Skipping unreadable image " + e.getMessage());
                }
            }
        });
        int kept = 0;
        for (boolean b : ok) if (b) kept++;
        if (kept == 0) {
            if (hasNext()) return next(num);
            throw new IllegalStateException("Every image of the last batch was unreadable; check " + order.get(start).path().getParent());
        }
        float[] f = kept == n ? features : new float[kept * plane];
        int labelsWidth = classMode == ClassMode.BINARY ? 1 : classes.size();
        float[] labels = new float[kept * labelsWidth];
        int k = 0;
        List<ImageFolder.Sample> included = new java.util.ArrayList<>(kept);
        for (int i = 0; i < n; i++) {
            if (!ok[i]) continue;
            included.add(order.get(start + i));
            if (f != features) System.arraycopy(features, i * plane, f, k * plane, plane);
            int label = order.get(start + i).label();
            if (classMode == ClassMode.BINARY) labels[k] = label;
            else labels[k * labelsWidth + label] = 1f;
            k++;
        }
        lastBatch = List.copyOf(included);
        INDArray x = Nd4j.create(f, new long[]{kept, 3, height, width}, 'c');
        INDArray y = Nd4j.create(labels, new long[]{kept, labelsWidth}, 'c');
        DataSet ds = new DataSet(x, y);
        if (preProcessor != null) preProcessor.preProcess(ds);
        return ds;
    }

    @Override
    public int inputColumns() {
        return 3 * width * height;
    }

    @Override
    public int totalOutcomes() {
        return classMode == ClassMode.BINARY ? 1 : classes.size();
    }

    @Override
    public boolean resetSupported() { return true; }

    @Override
    public boolean asyncSupported() { return true; }

    /** Starts the next epoch: new shuffle order and new augmentation draws. */
    @Override
    public void reset() {
        resetTo(epoch + 1);
    }

    /**
     * Starts epoch {@code epoch} (1-based, as in the training history): its order and augmentation depend only on
     * the seed and this number, so a run resumed at epoch 7 sees what an uninterrupted run saw at epoch 7.
     */
    public void resetTo(int epoch) {
        this.epoch = epoch;
        startEpoch();
    }

    @Override
    public int batch() { return batchSize; }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() { return preProcessor; }

    @Override
    public List<String> getLabels() { return classes; }

    /** Ordered samples of the current epoch (what the next batches will contain). */
    /** The images of the batch {@link #next()} returned last, in row order (unreadable ones left out). */
    public List<ImageFolder.Sample> lastBatch() { return lastBatch; }

    /** The order of the images in the current epoch. */
    public List<ImageFolder.Sample> epochOrder() {
        return Collections.unmodifiableList(order);
    }

    /** How many epochs it has started (each reset begins one). */
    public int epoch() { return epoch; }
}
