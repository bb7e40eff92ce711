package org.tlworkbook.model;

/**
 * Which part of the network an epoch trained. It follows from what is trainable when {@code fit} runs: a
 * frozen base trains only the head; after {@link BaseModel#unfreezeFrom} the top of the base trains too.
 */
public enum Phase {
    /** Only the new head trains ({@code base_model.trainable = False}). */
    FROZEN("frozen"),
    /** The head and the base's layers from {@code fine_tune_at} on train. */
    FINE_TUNE("fine_tune");

    private final String label;

    Phase(String label) {
        this.label = label;
    }

    /** The name in history files and learning-curve legends. */
    public String label() {
        return label;
    }

    /** The phase with this label, as history files write it. */
    public static Phase of(String label) {
        for (Phase p : values()) if (p.label.equals(label)) return p;
        throw new IllegalArgumentException("unknown phase '" + label + "' (frozen, fine_tune)");
    }

    @Override
    public String toString() {
        return label;
    }
}
