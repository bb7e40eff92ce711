package org.tlworkbook.model;

import org.tlworkbook.data.Downloader;
import org.tlworkbook.data.Preprocessing;
import org.tlworkbook.data.Progress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * {@code tf.keras.applications.MobileNetV2(include_top=False)} in DL4J: 154 layers for alpha 1.0,
 * same names and order as Keras, so {@code unfreezeFrom(100)} starts at {@code block_11_expand_relu}.
 *
 * <pre>{@code
 * BaseModel base = MobileNetV2.imagenet(160).freeze();
 * }</pre>
 */
public final class MobileNetV2 {
    private MobileNetV2() { }

    /** Random weights (for tests and from-scratch experiments). */
    public static BaseModel create(int size, double alpha, long seed) {
        return new BaseModel("mobilenet_v2", Architectures.mobileNetV2(size, alpha), size, alpha, Preprocessing.mobileNetV2(), seed);
    }

    /**
     * ImageNet weights for alpha 1.0, downloaded (or taken from the cache or mirror) on first use: the file
     * Keras trained at this input size, or the 224 one when that is all there is offline.
     */
    public static BaseModel imagenet(int size) {
        return imagenet(size, 1.0);
    }

    public static BaseModel imagenet(int size, double alpha) {
        Downloader downloader = Downloader.standard(Progress.console());
        Path file;
        try {
            file = downloader.fetch(WeightFiles.mobileNetV2(alpha, size));
        } catch (IOException e) {
            if (WeightFiles.mobileNetV2Rows(size) == 224) throw new UncheckedIOException(e.getMessage(), e);
            try { // offline with only the 224 file at hand: Keras uses it for other input sizes too
                file = downloader.fetch(WeightFiles.mobileNetV2(alpha, 224));
                System.out.println("Using " + file.getFileName() + " (the " + WeightFiles.mobileNetV2(alpha, size).name()
                        + " file is not available: " + e.getMessage() + ")");
            } catch (IOException again) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
        try {
            return fromWeights(size, alpha, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Weights from a Keras applications .h5 file. */
    public static BaseModel fromWeights(int size, double alpha, Path weights) throws IOException {
        BaseModel base = create(size, alpha, 0);
        KerasWeights.load(weights, base.layers(), base.graph());
        return base;
    }
}
