package org.tlworkbook.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;

/**
 * An activation of the fast passes: NHWC floats in a direct buffer (channels contiguous, so a pixel's
 * channels are one row for sgemm). {@code flat} ones ({@code [n, c]}, after pooling, flattening or dense
 * layers) have h = w = 1. Plain fields: the kernels read them in their innermost setup code.
 */
final class Nhwc {
    final FloatBuffer data;
    final int n, h, w, c;
    final boolean flat;

    Nhwc(FloatBuffer data, int n, int h, int w, int c, boolean flat) {
        this.data = data;
        this.n = n;
        this.h = h;
        this.w = w;
        this.c = c;
        this.flat = flat;
    }

    Nhwc(FloatBuffer data, int n, int h, int w, int c) {
        this(data, n, h, w, c, false);
    }

    int pixels() {
        return n * h * w;
    }

    int length() {
        return n * h * w * c;
    }

    /** As ND4J expects it: {@code [n, c, h, w]}, or {@code [n, c]} when flat. */
    INDArray toNchw() {
        float[] a = new float[length()];
        data.get(0, a, 0, a.length);
        if (flat) return Nd4j.create(a, new long[]{n, c}, 'c');
        return Nd4j.create(a, new long[]{n, h, w, c}, 'c').permute(0, 3, 1, 2).dup('c');
    }
}
