package org.tlworkbook.model;

import org.tlworkbook.data.Downloader;
import org.tlworkbook.data.Preprocessing;
import org.tlworkbook.data.Progress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** {@code tf.keras.applications.VGG16(include_top=False)} in DL4J, with Keras' layer names. */
public final class Vgg16 {
    private Vgg16() { }

    /**
     * Random weights. The VGG16 recipe feeds {@code rescale=1./255} images, so that is the preprocessing
     * recorded here (Keras' own {@code vgg16.preprocess_input} would subtract ImageNet means instead).
     */
    public static BaseModel create(int size, long seed) {
        return new BaseModel("vgg16", Architectures.vgg16(size), size, 1.0, Preprocessing.rescale(1.0 / 255), seed);
    }

    public static BaseModel imagenet(int size) {
        try {
            Path file = Downloader.standard(Progress.console()).fetch(WeightFiles.vgg16());
            return fromWeights(size, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    public static BaseModel fromWeights(int size, Path weights) throws IOException {
        BaseModel base = create(size, 0);
        KerasWeights.load(weights, base.layers(), base.graph());
        return base;
    }
}
