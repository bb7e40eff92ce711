package org.tlworkbook.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Runs after every epoch of {@link Classifier#fit}, once the epoch's weights are in the model (Keras callbacks). */
@FunctionalInterface
public interface Callback {
    void onEpochEnd(Classifier model, History.Epoch epoch) throws IOException;

    /**
     * Keras' {@code ModelCheckpoint}: after every epoch, {@code dir/checkpoint.zip} (weights, optimizer state and
     * history) and {@code dir/history.csv}, each written atomically, so an interrupted run loses at most the
     * epoch it was in and {@link Classifier#load} continues from there.
     */
    static Callback checkpoint(Path dir) {
        return (model, epoch) -> {
            try {
                model.save(dir.resolve("checkpoint.zip"));
                model.history().save(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not write checkpoint to " + dir + ": " + e.getMessage(), e);
            }
        };
    }
}
