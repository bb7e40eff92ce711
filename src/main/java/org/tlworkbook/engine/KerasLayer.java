package org.tlworkbook.engine;

import java.util.List;

/**
 * One layer as Keras lists it in {@code model.layers}: its name, kind, inputs and shape-defining
 * settings. Architectures are written as ordered lists of these, so layer indices ({@code fine_tune_at})
 * and weight names mean exactly what they mean in Keras.
 */
public record KerasLayer(String name, Kind kind, List<String> inputs, int filters, int kernel, int stride,
                         boolean samePadding, boolean bias, int[] padding, String activation, double epsilon) {
    /**
     * Keras' batch-normalization epsilon in MobileNetV2 ({@code BatchNormalization(epsilon=1e-3)}) and the workbook's
     * default; a layer carries its own ({@link #epsilon()}: ResNet50's is 1.001e-5), which every engine and file format reads.
     */
    public static final double BATCH_NORM_EPSILON = 1e-3;

    public KerasLayer(String name, Kind kind, List<String> inputs, int filters, int kernel, int stride,
                      boolean samePadding, boolean bias, int[] padding, String activation) {
        this(name, kind, inputs, filters, kernel, stride, samePadding, bias, padding, activation, 0);
    }


    public enum Kind { INPUT, CONV, DEPTHWISE, BATCH_NORM, RELU6, RELU, ZERO_PAD, ADD, MAX_POOL,
        GLOBAL_AVG_POOL, FLATTEN, DENSE, DROPOUT }

    public static KerasLayer input(String name) {
        return new KerasLayer(name, Kind.INPUT, List.of(), 0, 0, 1, false, false, null, null);
    }

    public static KerasLayer conv(String name, String input, int filters, int kernel, int stride, boolean same,
                                  boolean bias, String activation) {
        return new KerasLayer(name, Kind.CONV, List.of(input), filters, kernel, stride, same, bias, null, activation);
    }

    public static KerasLayer depthwise(String name, String input, int stride, boolean same) {
        return new KerasLayer(name, Kind.DEPTHWISE, List.of(input), 0, 3, stride, same, false, null, null);
    }

    public static KerasLayer batchNorm(String name, String input) {
        return batchNorm(name, input, BATCH_NORM_EPSILON);
    }

    public static KerasLayer batchNorm(String name, String input, double epsilon) {
        return new KerasLayer(name, Kind.BATCH_NORM, List.of(input), 0, 0, 1, false, false, null, null, epsilon);
    }

    /** Keras' {@code Activation("relu")} layer (ResNet50's); MobileNetV2's capped one is {@link #relu6}. */
    public static KerasLayer relu(String name, String input) {
        return new KerasLayer(name, Kind.RELU, List.of(input), 0, 0, 1, false, false, null, "relu");
    }

    public static KerasLayer relu6(String name, String input) {
        return new KerasLayer(name, Kind.RELU6, List.of(input), 0, 0, 1, false, false, null, null);
    }

    /** Padding as {top, bottom, left, right}. */
    public static KerasLayer zeroPad(String name, String input, int top, int bottom, int left, int right) {
        return new KerasLayer(name, Kind.ZERO_PAD, List.of(input), 0, 0, 1, false, false,
                new int[]{top, bottom, left, right}, null);
    }

    public static KerasLayer add(String name, String a, String b) {
        return new KerasLayer(name, Kind.ADD, List.of(a, b), 0, 0, 1, false, false, null, null);
    }

    public static KerasLayer maxPool(String name, String input) {
        return maxPool(name, input, 2, 2);
    }

    /** {@code MaxPooling2D(pool, strides=stride)}, valid padding. */
    public static KerasLayer maxPool(String name, String input, int pool, int stride) {
        return new KerasLayer(name, Kind.MAX_POOL, List.of(input), 0, pool, stride, false, false, null, null);
    }

    public static KerasLayer globalAvgPool(String name, String input) {
        return new KerasLayer(name, Kind.GLOBAL_AVG_POOL, List.of(input), 0, 0, 1, false, false, null, null);
    }

    public static KerasLayer flatten(String name, String input) {
        return new KerasLayer(name, Kind.FLATTEN, List.of(input), 0, 0, 1, false, false, null, null);
    }

    public static KerasLayer dense(String name, String input, int units, String activation) {
        return new KerasLayer(name, Kind.DENSE, List.of(input), units, 0, 1, false, true, null, activation);
    }

    /** {@code filters} holds the drop rate in percent. */
    public static KerasLayer dropout(String name, String input, double rate) {
        return new KerasLayer(name, Kind.DROPOUT, List.of(input), (int) Math.round(rate * 100), 0, 1, false, false, null, null);
    }

    public String input() {
        return inputs.get(0);
    }

    /** Whether the layer carries weights that Keras would train. */
    public boolean hasWeights() {
        return kind == Kind.CONV || kind == Kind.DEPTHWISE || kind == Kind.BATCH_NORM || kind == Kind.DENSE;
    }

    public String typeName() {
        return switch (kind) {
            case INPUT -> "InputLayer";
            case CONV -> "Conv2D";
            case DEPTHWISE -> "DepthwiseConv2D";
            case BATCH_NORM -> "BatchNormalization";
            case RELU6 -> "ReLU";
            case RELU -> "Activation";
            case ZERO_PAD -> "ZeroPadding2D";
            case ADD -> "Add";
            case MAX_POOL -> "MaxPooling2D";
            case GLOBAL_AVG_POOL -> "GlobalAveragePooling2D";
            case FLATTEN -> "Flatten";
            case DENSE -> "Dense";
            case DROPOUT -> "Dropout";
        };
    }
}
