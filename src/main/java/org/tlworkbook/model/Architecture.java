package org.tlworkbook.model;

import org.tlworkbook.data.Downloader;
import org.tlworkbook.data.MissingFileException;
import org.tlworkbook.data.Preprocessing;
import org.tlworkbook.data.Progress;
import org.tlworkbook.data.RemoteFile;
import org.tlworkbook.engine.KerasLayer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The bases the workbook knows, one row each (fastai's {@code model_meta}): name, the input size its recipe uses, how
 * images are scaled for it, the layer its recipe fine-tunes from, where Grad-CAM looks, its layer list, the widths and
 * ImageNet weights Keras publishes, the head a recipe puts on it, and how a Keras file shows it. Every place that picks
 * a base (CLI, saved models, Keras import, recipes) reads this table, so a new base is one row here and its layer
 * builder; the engines decide from the layer kinds what they run fast.
 */
public enum Architecture {
    /** {@code keras.applications.MobileNetV2(include_top=False)}: 160 px in the TF tutorial, inputs in [-1, 1]. */
    MOBILENET_V2("mobilenet_v2", 160, Preprocessing.mobileNetV2(), 100, "out_relu", Architectures.MOBILENET_V2_ALPHAS,
            Architectures::mobileNetV2, WeightFiles::mobileNetV2, () -> Head.pooledDense(64), "block_16_project"),
    /**
     * {@code keras.applications.VGG16(include_top=False)}: 150 px in its recipe, which feeds {@code rescale=1./255}
     * images (Keras' own {@code vgg16.preprocess_input} would subtract ImageNet means instead).
     */
    VGG16("vgg16", 150, Preprocessing.rescale(1.0 / 255), 15, "block5_conv3", new double[]{1.0},
            (size, alpha) -> Architectures.vgg16(size), (alpha, size) -> WeightFiles.vgg16(), () -> Head.flattenDense(256, 0.5),
            "block5_conv3", "block5_conv4"),
    /**
     * {@code keras.applications.ResNet50(include_top=False)}: 224 px, Keras' "caffe" preprocessing (BGR, minus the
     * ImageNet means). Its recipe fine-tunes the last stage, from {@code conv5_block1_1_conv} (layer 143).
     */
    RESNET50("resnet50", 224, Preprocessing.caffe(), 143, "conv5_block3_out", new double[]{1.0},
            (size, alpha) -> Architectures.resNet50(size), (alpha, size) -> WeightFiles.resNet50(), () -> Head.pooledDense(64),
            "conv5_block3_3_conv", "conv4_block7_1_conv", "conv2_block1_preact_bn"),
    /**
     * The TensorFlow image-classification tutorial's small CNN (three convolution and pooling blocks), inputs in
     * [0, 1]. No pretrained weights: the from-scratch baseline that shows what transfer learning buys.
     */
    SMALL_CNN("small_cnn", 128, Preprocessing.rescale(1.0 / 255), 0, "conv2d_2", new double[]{1.0},
            (size, alpha) -> Architectures.smallCnn(size), null, () -> Head.pooledDense(64), null);

    /** Keras' layer list at a size and width. */
    private interface Layers {
        List<KerasLayer> at(int size, double alpha);
    }

    /** The ImageNet weights file Keras publishes at a width and size. */
    private interface Weights {
        RemoteFile at(double alpha, int size);
    }

    private final String id;
    private final int defaultSize;
    private final Preprocessing preprocessing;
    private final int defaultFineTuneAt;
    private final String gradCamLayer;
    private final double[] alphas;
    private final Layers layers;
    private final Weights weights;
    private final java.util.function.Supplier<Head> multiClassHead;
    private final String signature;
    private final List<String> notSignature;

    Architecture(String id, int defaultSize, Preprocessing preprocessing, int defaultFineTuneAt, String gradCamLayer, double[] alphas,
                 Layers layers, Weights weights, java.util.function.Supplier<Head> multiClassHead, String signature, String... notSignature) {
        this.id = id;
        this.defaultSize = defaultSize;
        this.preprocessing = preprocessing;
        this.defaultFineTuneAt = defaultFineTuneAt;
        this.gradCamLayer = gradCamLayer;
        this.alphas = alphas;
        this.layers = layers;
        this.weights = weights;
        this.multiClassHead = multiClassHead;
        this.signature = signature;
        this.notSignature = List.of(notSignature);
    }

    /** The widths (alpha) it comes in: MobileNetV2's six, 1.0 for the others. */
    public double[] alphas() {
        return alphas.clone();
    }

    /**
     * The head its recipe puts on it: one sigmoid unit for two classes (the tutorial's), else a softmax head, Flatten +
     * Dense(256) + Dropout(0.5) on VGG16 as in its seed, global average pooling + Dense(64) on the others.
     */
    public Head defaultHead(int classes) {
        return classes == 2 ? Head.binary() : multiClassHead.get();
    }

    /**
     * The base whose Keras applications weights carry these layer names (a weights file's {@code layer_names}), or null:
     * each base is known by a layer only it has, and refused when a layer of a bigger relative (VGG19, ResNet101,
     * ResNet50V2) is there too.
     */
    public static Architecture ofKerasLayers(java.util.Set<String> names) {
        for (Architecture a : values()) {
            if (a.signature != null && names.contains(a.signature) && a.notSignature.stream().noneMatch(names::contains)) return a;
        }
        return null;
    }

    /** The last convolutional layer, where {@link GradCam} looks: the layers Keras' Grad-CAM example uses. */
    public String gradCamLayer() { return gradCamLayer; }

    /**
     * The first layer its recipe fine-tunes: 100 ({@code block_11_expand_relu}) in the TF tutorial's MobileNetV2, 15
     * ({@code block5_conv1}, the last convolutional block) in the Keras blog's VGG16.
     */
    public int defaultFineTuneAt() { return defaultFineTuneAt; }

    /** The name used by the CLI and in saved models, e.g. {@code mobilenet_v2}. */
    public String id() { return id; }

    /** The input size its recipe uses. */
    public int defaultSize() { return defaultSize; }

    /** How its ImageNet weights expect pixels scaled, which generators built for it apply. */
    public Preprocessing preprocessing() { return preprocessing; }

    /** The architecture with this id ({@code mobilenet_v2}, {@code vgg16}, {@code resnet50}, {@code small_cnn}); an unknown id is refused with the known ones. */
    public static Architecture named(String name) {
        for (Architecture a : values()) if (a.id.equals(name)) return a;
        StringBuilder known = new StringBuilder();
        for (Architecture a : values()) known.append(known.length() == 0 ? "" : ", ").append(a.id);
        throw new IllegalArgumentException("unknown base '" + name + "' (" + known + ")");
    }

    /** Keras' layer list for square inputs of {@code size} (alpha is MobileNetV2's width multiplier; 1.0 elsewhere). */
    List<KerasLayer> layers(int size, double alpha) {
        if (alphas.length == 1 && alpha != alphas[0]) throw new IllegalArgumentException(id + " has no width multiplier (alpha), got " + alpha);
        return layers.at(size, alpha);
    }

    /**
     * How many layers the base has at this size and width, without building it; refuses a size or alpha the base
     * cannot take, so a run can be refused before any work.
     */
    public int layerCount(int size, double alpha) {
        return layers(size, alpha).size();
    }

    /** Whether Keras publishes ImageNet weights for it (false for the small CNN, which trains from scratch). */
    public boolean pretrained() {
        return weights != null;
    }

    /** The ImageNet weights Keras publishes for this base at this size; refused for a base without any. */
    public RemoteFile weightsFile(int size, double alpha) {
        if (weights == null) {
            throw new IllegalArgumentException(id + " has no pretrained weights: it trains from scratch (Architecture." + name()
                    + ".create(size, 1.0, seed), then Classifier.of(base, head, classes) with the base trainable)");
        }
        return weights.at(alpha, size);
    }

    /** Random weights (for tests and from-scratch experiments). */
    public BaseModel create(int size, double alpha, long seed) {
        return new BaseModel(this, layers(size, alpha), size, alpha, seed);
    }

    /** Weights from a Keras applications .h5 file. */
    public BaseModel fromWeights(int size, double alpha, Path weights) throws IOException {
        BaseModel base = create(size, alpha, 0);
        KerasWeights.load(weights, base.kerasLayers(), base.graph());
        return base;
    }

    /** Fallbacks already announced in this process: one line each, however many models load. */
    private static final java.util.Set<String> TOLD_FALLBACK = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * ImageNet weights, downloaded (or taken from the cache or {@code WORKBOOK_MIRROR}) on first use. For
     * MobileNetV2, the file Keras trained at this size, or the 224 one when that is all there is offline.
     */
    public BaseModel imagenet(int size, double alpha) {
        Downloader downloader = Downloader.standard(Progress.console());
        RemoteFile wanted = weightsFile(size, alpha);
        Path file;
        try {
            file = downloader.fetch(wanted);
        } catch (IOException e) {
            RemoteFile fallback = weightsFile(224, alpha);
            if (fallback.name().equals(wanted.name())) throw new MissingFileException(e.getMessage());
            try { // offline with only the 224 file at hand: Keras uses it for other input sizes too
                file = downloader.fetch(fallback);
                if (TOLD_FALLBACK.add(wanted.name())) {
                    org.tlworkbook.data.Progress.tell("Using the 224 px ImageNet weights at " + size + " px (as Keras does when the " + size + " px file is not at hand).");
                }
            } catch (IOException again) {
                throw new MissingFileException(e.getMessage());
            }
        }
        try {
            return fromWeights(size, alpha, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (default %d px, %s)", id, defaultSize, preprocessing.name());
    }
}
