package org.tlworkbook.data;

/**
 * Maps 0..255 pixel values to what a model expects: {@code x * scale + offset}. Keras spells these
 * {@code rescale=1./255} and {@code preprocess_input}; MobileNetV2 wants [-1, 1]. ResNet50's ImageNet weights want
 * Keras' "caffe" mode instead: channels in BGR order, each minus its ImageNet mean ({@link #caffe()}).
 *
 * @param channelOffsets per-channel offsets (in the model's channel order) that replace {@code offset}, or null
 * @param bgr whether the model reads blue, green, red instead of red, green, blue
 */
public record Preprocessing(String name, float scale, float offset, float[] channelOffsets, boolean bgr) {
    /** The same scaling for every channel, RGB order. */
    public Preprocessing(String name, float scale, float offset) {
        this(name, scale, offset, null, false);
    }

    /**
     * {@code keras.applications.resnet50.preprocess_input} ("caffe" mode): RGB to BGR, then minus the ImageNet means
     * 103.939, 116.779, 123.68 (blue, green, red), unscaled.
     */
    public static Preprocessing caffe() {
        return new Preprocessing("caffe", 1f, 0f, new float[]{-103.939f, -116.779f, -123.68f}, true);
    }

    /** Keras {@code ImageDataGenerator(rescale=...)}. */
    public static Preprocessing rescale(double factor) {
        if (factor == 0 || !Double.isFinite(factor)) throw new IllegalArgumentException("rescale must be a finite, non-zero factor such as 1.0 / 255, got " + factor);
        return new Preprocessing("rescale(" + factor + ")", (float) factor, 0f);
    }

    /** {@code tf.keras.applications.mobilenet_v2.preprocess_input}: x / 127.5 - 1. */
    public static Preprocessing mobileNetV2() {
        return new Preprocessing("mobilenet_v2", 1f / 127.5f, -1f);
    }

    /** Raw 0..255 values. */
    public static Preprocessing none() {
        return new Preprocessing("none", 1f, 0f);
    }

    /** The scaling with this name, as the CLI and run manifests write it. */
    public static Preprocessing named(String name) {
        return switch (name) {
            case "mobilenet_v2", "tf" -> mobileNetV2();
            case "caffe" -> caffe();
            case "none" -> none();
            case "rescale" -> rescale(1.0 / 255);
            default -> {
                String known = "mobilenet_v2 (or tf: -1..1), caffe (BGR minus ImageNet means, ResNet50's), rescale (0..1), rescale(FACTOR), none";
                if (name.startsWith("rescale(") && name.endsWith(")")) {
                    double factor;
                    try {
                        factor = Double.parseDouble(name.substring(8, name.length() - 1));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("rescale(...) takes a number, such as rescale(0.00392156862745098) for 1/255; got " + name);
                    }
                    if (!(factor > 0) || Double.isInfinite(factor)) throw new IllegalArgumentException("rescale(...) takes a positive factor; got " + name);
                    yield rescale(factor);
                }
                throw new IllegalArgumentException("Unknown preprocessing '" + name + "': one of " + known);
            }
        };
    }

    /** The network input for one 0-255 value of the model's input channel {@code channel} (0, 1, 2). */
    public float apply(double value, int channel) {
        return (float) (value * scale + offset(channel));
    }

    /** What is added to the model's input channel {@code channel} after scaling. */
    public float offset(int channel) {
        return channelOffsets == null ? offset : channelOffsets[channel];
    }

    /** Which RGB channel (0 red, 1 green, 2 blue) feeds the model's input channel {@code channel}. */
    public int sourceChannel(int channel) {
        return bgr ? 2 - channel : channel;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && p.name.equals(name) && p.scale == scale && p.offset == offset
                && java.util.Arrays.equals(p.channelOffsets, channelOffsets) && p.bgr == bgr;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(name, scale, offset, java.util.Arrays.hashCode(channelOffsets), bgr);
    }

    @Override
    public String toString() {
        return name;
    }
}
