package org.tlworkbook.data;

/** Label encoding, as Keras' {@code class_mode}: one 0/1 column, or one-hot over all classes. */
public enum ClassMode {
    BINARY,
    CATEGORICAL;

    public static ClassMode named(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
