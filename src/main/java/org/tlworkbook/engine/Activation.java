package org.tlworkbook.engine;

/** The activations the fast passes apply while writing a layer's output, shared by inference and training. */
enum Activation {
    NONE, RELU, RELU6, SIGMOID, SOFTMAX;

    /** By Keras name ({@code null} and "linear" are {@link #NONE}); an activation the passes lack is an error. */
    static Activation of(String name) {
        if (name == null) return NONE;
        return switch (name) {
            case "linear" -> NONE;
            case "relu" -> RELU;
            case "relu6" -> RELU6;
            case "sigmoid" -> SIGMOID;
            case "softmax" -> SOFTMAX;
            default -> throw new IllegalArgumentException("unsupported activation " + name);
        };
    }

    /** Whether the gradient is zero where the output is flat (ReLU, ReLU6). */
    boolean masks() {
        return this == RELU || this == RELU6;
    }

    /** Adds {@code bias[i]} (when given) to {@code a[i]} for {@code i < len}, then applies this element-wise activation. */
    void applyTiled(float[] a, int len, float[] bias) {
        if (bias != null) for (int i = 0; i < len; i++) a[i] += bias[i];
        switch (this) {
            case NONE -> { }
            case RELU -> { for (int i = 0; i < len; i++) a[i] = Math.max(a[i], 0f); }
            case RELU6 -> { for (int i = 0; i < len; i++) a[i] = Math.min(Math.max(a[i], 0f), 6f); }
            default -> throw new IllegalStateException(this + " is not element-wise");
        }
    }

    /** Applies bias then this activation to one row {@code row[off, off+len)} (channels {@code 0..len}); softmax over the row. */
    void apply(float[] row, int off, int len, float[] bias) {
        switch (this) {
            case NONE -> { if (bias != null) for (int i = 0; i < len; i++) row[off + i] += bias[i]; }
            case RELU -> {
                for (int i = 0; i < len; i++) {
                    float v = row[off + i] + (bias == null ? 0 : bias[i]);
                    row[off + i] = v > 0 ? v : 0;
                }
            }
            case RELU6 -> {
                for (int i = 0; i < len; i++) {
                    float v = row[off + i] + (bias == null ? 0 : bias[i]);
                    row[off + i] = v < 0 ? 0 : (v > 6 ? 6 : v);
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < len; i++) {
                    double v = row[off + i] + (bias == null ? 0 : bias[i]);
                    row[off + i] = (float) (1 / (1 + Math.exp(-v)));
                }
            }
            case SOFTMAX -> {
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < len; i++) {
                    row[off + i] += bias == null ? 0 : bias[i];
                    max = Math.max(max, row[off + i]);
                }
                double sum = 0;
                for (int i = 0; i < len; i++) sum += Math.exp(row[off + i] - max);
                for (int i = 0; i < len; i++) row[off + i] = (float) (Math.exp(row[off + i] - max) / sum);
            }
        }
    }

    /** Zeroes {@code g[i]} where the output {@code a[i]} lies where this activation is flat. */
    void mask(float[] g, float[] a, int len) {
        // Integer compares on the bit patterns (an ordered float is ordered as an int when not negative), so
        // HotSpot vectorises the loop; a conditional on floats does not vectorise and took 4x as long.
        if (!masks()) return;
        int upper = this == RELU6 ? Float.floatToRawIntBits(6f) - 1 : Float.floatToRawIntBits(Float.POSITIVE_INFINITY);
        for (int i = 0; i < len; i++) {
            int bits = Float.floatToRawIntBits(a[i]);
            int outside = ((bits - 1) | bits | (upper - bits)) >> 31; // -1 unless 0 < a < 6 (ReLU: 0 < a, not NaN)
            g[i] = Float.intBitsToFloat(Float.floatToRawIntBits(g[i]) & ~outside);
        }
    }
}
