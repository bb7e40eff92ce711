package org.tlworkbook.model;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code tf.keras.applications.MobileNetV2(include_top=False)}: 154 layers for alpha 1.0, same names and
 * order as Keras, so {@code unfreezeFrom(100)} starts at {@code block_11_expand_relu}.
 *
 * <pre>{@code
 * BaseModel base = MobileNetV2.imagenet(160).freeze();
 * }</pre>
 */
public final class MobileNetV2 {
    private MobileNetV2() { }

    /** Random weights (for tests and from-scratch experiments). */
    public static BaseModel create(int size, double alpha, long seed) {
        return Architecture.MOBILENET_V2.create(size, alpha, seed);
    }

    /** ImageNet weights for alpha 1.0 (see {@link Architecture#imagenet}). */
    public static BaseModel imagenet(int size) {
        return imagenet(size, 1.0);
    }

    /** ImageNet weights at width multiplier {@code alpha}, downloaded once into the data home (or taken from {@code WORKBOOK_MIRROR}). */
    public static BaseModel imagenet(int size, double alpha) {
        return Architecture.MOBILENET_V2.imagenet(size, alpha);
    }

    /** Weights from a Keras applications .h5 file. */
    public static BaseModel fromWeights(int size, double alpha, Path weights) throws IOException {
        return Architecture.MOBILENET_V2.fromWeights(size, alpha, weights);
    }
}
