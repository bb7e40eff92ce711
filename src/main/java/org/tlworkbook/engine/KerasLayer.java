package org.tlworkbook.engine;

import java.util.List;

/**
 * One layer as Keras lists it in {@code model.layers}: its name, inputs and the settings of its kind, one record per
 * kind. Architectures are written as ordered lists of these, so layer indices ({@code fine_tune_at}) and weight names
 * mean exactly what they mean in Keras. The family is sealed and every pass chooses by {@link #kind()} in a switch
 * expression, so a new kind does not compile until each engine and file format handles it.
 */
public sealed interface KerasLayer {
    /**
     * Keras' batch-normalization epsilon in MobileNetV2 ({@code BatchNormalization(epsilon=1e-3)}) and the workbook's
     * default; each {@link BatchNorm} carries its own (ResNet50's is 1.001e-5), which every engine and file format reads.
     */
    double BATCH_NORM_EPSILON = 1e-3;

    /** The kinds, one per record, for exhaustive switch expressions. */
    enum Kind { INPUT, CONV, DEPTHWISE, BATCH_NORM, RELU6, RELU, ZERO_PAD, ADD, MAX_POOL, GLOBAL_AVG_POOL, FLATTEN, DENSE, DROPOUT }

    /** Keras' layer name, which is also its weights' name. */
    String name();

    /** The layers it reads, by name. */
    List<String> inputs();

    /** Which record this is. */
    Kind kind();

    /** Keras' class name ({@code Conv2D}, {@code ReLU}, ...). */
    String typeName();

    /** The layer it reads (the first, for an add). */
    default String input() {
        return inputs().get(0);
    }

    /** Whether the layer carries weights that Keras would train. */
    default boolean hasWeights() {
        return false;
    }

    /** A layer with one input. */
    sealed interface Single extends KerasLayer {
        @Override
        String input();

        @Override
        default List<String> inputs() {
            return List.of(input());
        }
    }

    /** A convolution, full or depthwise: square kernel, one stride, same or valid padding. */
    sealed interface Convolution extends Single {
        int kernel();

        int stride();

        boolean samePadding();

        @Override
        default boolean hasWeights() {
            return true;
        }
    }

    /** A layer with an activation of its own (Conv2D, Dense); null is linear. */
    sealed interface Activated extends KerasLayer {
        String activation();

        /** Keras' name of the activation: {@code linear} for none. */
        default String activationName() {
            return activation() == null ? "linear" : activation();
        }
    }

    record Input(String name) implements KerasLayer {
        public List<String> inputs() { return List.of(); }
        public Kind kind() { return Kind.INPUT; }
        public String typeName() { return "InputLayer"; }
    }

    /** {@code Conv2D}; {@code activation} null is linear. */
    record Conv(String name, String input, int filters, int kernel, int stride, boolean samePadding, boolean bias,
                String activation) implements Convolution, Activated {
        public Kind kind() { return Kind.CONV; }
        public String typeName() { return "Conv2D"; }
    }

    /** {@code DepthwiseConv2D} with depth multiplier 1 and no bias. */
    record Depthwise(String name, String input, int kernel, int stride, boolean samePadding) implements Convolution {
        public Kind kind() { return Kind.DEPTHWISE; }
        public String typeName() { return "DepthwiseConv2D"; }
    }

    record BatchNorm(String name, String input, double epsilon) implements Single {
        public Kind kind() { return Kind.BATCH_NORM; }
        public String typeName() { return "BatchNormalization"; }
        public boolean hasWeights() { return true; }
    }

    /** MobileNetV2's {@code ReLU(6.)}. */
    record Relu6(String name, String input) implements Single {
        public Kind kind() { return Kind.RELU6; }
        public String typeName() { return "ReLU"; }
    }

    /** Keras' {@code Activation("relu")} layer (ResNet50's). */
    record Relu(String name, String input) implements Single {
        public Kind kind() { return Kind.RELU; }
        public String typeName() { return "Activation"; }
    }

    record ZeroPad(String name, String input, int top, int bottom, int left, int right) implements Single {
        public Kind kind() { return Kind.ZERO_PAD; }
        public String typeName() { return "ZeroPadding2D"; }

        /** {top, bottom, left, right}. */
        public int[] padding() {
            return new int[]{top, bottom, left, right};
        }
    }

    record Add(String name, String first, String second) implements KerasLayer {
        public List<String> inputs() { return List.of(first, second); }
        public Kind kind() { return Kind.ADD; }
        public String typeName() { return "Add"; }
    }

    /** {@code MaxPooling2D(pool, strides=stride)}, valid padding. */
    record MaxPool(String name, String input, int pool, int stride) implements Single {
        public Kind kind() { return Kind.MAX_POOL; }
        public String typeName() { return "MaxPooling2D"; }
    }

    record GlobalAvgPool(String name, String input) implements Single {
        public Kind kind() { return Kind.GLOBAL_AVG_POOL; }
        public String typeName() { return "GlobalAveragePooling2D"; }
    }

    record Flatten(String name, String input) implements Single {
        public Kind kind() { return Kind.FLATTEN; }
        public String typeName() { return "Flatten"; }
    }

    /** {@code Dense(units, activation)} with a bias; {@code activation} null is linear. */
    record Dense(String name, String input, int units, String activation) implements Single, Activated {
        public Kind kind() { return Kind.DENSE; }
        public String typeName() { return "Dense"; }
        public boolean hasWeights() { return true; }
    }

    record Dropout(String name, String input, double rate) implements Single {
        public Kind kind() { return Kind.DROPOUT; }
        public String typeName() { return "Dropout"; }
    }

    static Input input(String name) {
        return new Input(name);
    }

    static Conv conv(String name, String input, int filters, int kernel, int stride, boolean same, boolean bias, String activation) {
        return new Conv(name, input, filters, kernel, stride, same, bias, activation);
    }

    static Depthwise depthwise(String name, String input, int stride, boolean same) {
        return new Depthwise(name, input, 3, stride, same);
    }

    static BatchNorm batchNorm(String name, String input) {
        return new BatchNorm(name, input, BATCH_NORM_EPSILON);
    }

    static BatchNorm batchNorm(String name, String input, double epsilon) {
        return new BatchNorm(name, input, epsilon);
    }

    static Relu6 relu6(String name, String input) {
        return new Relu6(name, input);
    }

    static Relu relu(String name, String input) {
        return new Relu(name, input);
    }

    /** Padding as {top, bottom, left, right}. */
    static ZeroPad zeroPad(String name, String input, int top, int bottom, int left, int right) {
        return new ZeroPad(name, input, top, bottom, left, right);
    }

    static Add add(String name, String a, String b) {
        return new Add(name, a, b);
    }

    static MaxPool maxPool(String name, String input) {
        return new MaxPool(name, input, 2, 2);
    }

    static MaxPool maxPool(String name, String input, int pool, int stride) {
        return new MaxPool(name, input, pool, stride);
    }

    static GlobalAvgPool globalAvgPool(String name, String input) {
        return new GlobalAvgPool(name, input);
    }

    static Flatten flatten(String name, String input) {
        return new Flatten(name, input);
    }

    static Dense dense(String name, String input, int units, String activation) {
        return new Dense(name, input, units, activation);
    }

    static Dropout dropout(String name, String input, double rate) {
        return new Dropout(name, input, rate);
    }
}
