package org.tlworkbook.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The parameter table every engine and file format reads: DL4J's {@code paramTable()}, keyed {@code <layer>_<name>}
 * ({@code Conv1_W}, {@code bn_Conv1_mean}); a missing entry is named.
 */
public final class Params {
    private Params() { }

    /** The key of parameter {@code name} ({@code W}, {@code b}, {@code gamma}, {@code beta}, {@code mean}, {@code var}) of {@code layer}. */
    public static String key(String layer, String name) {
        return layer + "_" + name;
    }

    /** The parameter, or an error naming it. */
    public static INDArray get(Map<String, INDArray> table, String layer, String name) {
        INDArray a = table.get(key(layer, name));
        if (a == null) throw new IllegalArgumentException("no parameter " + key(layer, name));
        return a;
    }

    /** The parameter's values in its own order, as floats. */
    static float[] floats(Map<String, INDArray> table, String layer, String name) {
        return Arrays32.floats(get(table, layer, name));
    }

    /**
     * Batch norm with moving statistics folded into a per-channel {@code y = z * scale + shift}, with a preceding
     * convolution's {@code bias} (or null) inside the shift: {@code scale = gamma / sqrt(var + eps)},
     * {@code shift = (bias - mean) * scale + beta}. The one fold of the inference and training passes, in float
     * arithmetic as the training pass's gradients were checked against DL4J with (a double-precision shift moved them by
     * 2% on real ImageNet weights, where some channels' means and biases nearly cancel).
     */
    static void foldBatchNorm(float[] gamma, float[] beta, float[] mean, float[] var, double eps, float[] bias,
                              float[] scale, float[] shift) {
        for (int i = 0; i < gamma.length; i++) {
            scale[i] = gamma[i] * (float) (1 / Math.sqrt(var[i] + eps));
            shift[i] = ((bias == null ? 0f : bias[i]) - mean[i]) * scale[i] + beta[i];
        }
    }
}
