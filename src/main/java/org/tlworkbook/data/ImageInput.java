package org.tlworkbook.data;

/**
 * What a network expects of its input images: their side in pixels and how their values are scaled.
 * A pretrained base knows both, so generators take them from it ({@code folder.training(base)}) instead of
 * the learner repeating them for every generator.
 */
public interface ImageInput {
    /** Width and height of the square input, in pixels. */
    int size();

    /** How pixel values 0..255 are scaled, e.g. to [-1, 1] for MobileNetV2. */
    Preprocessing preprocessing();
}
