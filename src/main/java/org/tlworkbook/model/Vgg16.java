package org.tlworkbook.model;

import java.io.IOException;
import java.nio.file.Path;

/** {@code tf.keras.applications.VGG16(include_top=False)}, with Keras' layer names. */
public final class Vgg16 {
    private Vgg16() { }

    /** Random weights; images are scaled with {@code rescale=1./255}, as the VGG16 recipe does. */
    public static BaseModel create(int size, long seed) {
        return Architecture.VGG16.create(size, 1.0, seed);
    }

    /** ImageNet weights, downloaded once into the data home (or taken from {@code WORKBOOK_MIRROR}). */
    public static BaseModel imagenet(int size) {
        return Architecture.VGG16.imagenet(size, 1.0);
    }

    /** Weights from a Keras applications .h5 file ({@code vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5}). */
    public static BaseModel fromWeights(int size, Path weights) throws IOException {
        return Architecture.VGG16.fromWeights(size, 1.0, weights);
    }
}
