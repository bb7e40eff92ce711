package org.tlworkbook.model;

import java.util.Locale;

/**
 * One layer of a base as a learner meets it in Keras ({@code base_model.layers[i]} and {@code summary()}): where it is,
 * what it is, what it outputs, how many numbers it holds and whether fitting changes them now. Notebook 04 reads
 * {@code base.layer(100)} to see where fine-tuning starts.
 *
 * @param index       position in {@code base.layers()}, 0 being the input
 * @param name        Keras' layer name, e.g. {@code block_11_expand_relu}
 * @param type        Keras' layer class, e.g. {@code Conv2D}, {@code ReLU}
 * @param outputShape the output for one image, e.g. {@code (10, 10, 384)}
 * @param params      parameters, counted as Keras does (batch-norm moving statistics included)
 * @param trainable   whether fitting updates its weights (false for layers without weights)
 */
public record LayerInfo(int index, String name, String type, String outputShape, long params, boolean trainable) {
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d %s (%s, output %s, %,d params%s)", index, name, type, outputShape, params,
                params == 0 ? "" : trainable ? ", trainable" : ", frozen");
    }
}
