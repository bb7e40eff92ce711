package org.tlworkbook.data;

/** Label encoding, as Keras' {@code class_mode}: one 0/1 column, or one-hot over all classes. */
public enum ClassMode {
    /** One column: 0 for the first class, 1 for the second (sigmoid output, binary cross-entropy). */
    BINARY,
    /** One-hot over all classes (softmax output, categorical cross-entropy). */
    CATEGORICAL;

    /** The mode with this Keras name, {@code binary} or {@code categorical}. */
    public static ClassMode named(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
