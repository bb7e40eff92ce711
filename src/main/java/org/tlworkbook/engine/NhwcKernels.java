package org.tlworkbook.engine;

import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/** Element-wise and pooling kernels on NHWC direct buffers, shared by the inference and training passes. */
public final class NhwcKernels {
    private NhwcKernels() { }

    /** {@code y = a + b} over {@code rows} rows of {@code rowLen} floats, rows in parallel. */
    public static void add(FloatBuffer a, FloatBuffer b, FloatBuffer y, int rows, int rowLen) {
        IntStream.range(0, rows).parallel().forEach(r -> {
            float[] p = Scratch.get(0, rowLen), q = Scratch.get(1, rowLen);
            a.get(r * rowLen, p, 0, rowLen);
            b.get(r * rowLen, q, 0, rowLen);
            for (int i = 0; i < rowLen; i++) p[i] += q[i];
            y.put(r * rowLen, p, 0, rowLen);
        });
    }

    /** {@code y[n][c]} = mean over the {@code hw} pixels of image n, summed in double. */
    public static void globalAvgPool(FloatBuffer x, FloatBuffer y, int images, int hw, int c) {
        IntStream.range(0, images).parallel().forEach(n -> {
            double[] sum = new double[c];
            float[] row = Scratch.get(0, c);
            for (int p = 0; p < hw; p++) {
                x.get((n * hw + p) * c, row, 0, c);
                for (int ch = 0; ch < c; ch++) sum[ch] += row[ch];
            }
            for (int ch = 0; ch < c; ch++) row[ch] = (float) (sum[ch] / hw);
            y.put(n * c, row, 0, c);
        });
    }

    /** {@code v} repeated {@code times} times: a per-channel vector laid along a whole NHWC row. */
    public static float[] tile(float[] v, int times) {
        float[] t = new float[v.length * times];
        for (int i = 0; i < times; i++) System.arraycopy(v, 0, t, i * v.length, v.length);
        return t;
    }

    /** {@code acc[i] += a[i] * b[i]}: the same index in every array, a loop HotSpot vectorises. */
    public static void multiplyAdd(float[] acc, float[] a, float[] b, int len) {
        for (int i = 0; i < len; i++) acc[i] += a[i] * b[i];
    }

    /** Depthwise weights {@code [tap][c]} with each tap's row tiled {@code times} times: {@code [tap][times * c]}. */
    public static float[][] tiledTaps(float[] w, int taps, int c, int times) {
        float[][] t = new float[taps][];
        for (int tap = 0; tap < taps; tap++) t[tap] = tile(java.util.Arrays.copyOfRange(w, tap * c, tap * c + c), times);
        return t;
    }
}
