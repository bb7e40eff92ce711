package org.tlworkbook.data;

/**
 * Maps 0..255 pixel values to what a model expects: {@code x * scale + offset}. Keras spells these
 * {@code rescale=1./255} and {@code preprocess_input}; MobileNetV2 wants [-1, 1].
 */
public record Preprocessing(String name, float scale, float offset) {

    /** Keras {@code ImageDataGenerator(rescale=...)}. */
    public static Preprocessing rescale(double factor) {
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
            case "none" -> none();
            case "rescale" -> rescale(1.0 / 255);
            default -> {
                String known = "mobilenet_v2 (or tf: -1..1), rescale (0..1), rescale(FACTOR), none";
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

    /** The network input for one 0-255 channel value. */
    public float apply(int value) {
        return value * scale + offset;
    }
}
