package org.tlworkbook.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/** Runs after every epoch of {@link Classifier#fit}, once the epoch's weights are in the model (Keras callbacks). */
@FunctionalInterface
public interface Callback {
    /** Called after each epoch with its metrics, once the model's history has it. */
    void onEpochEnd(Classifier model, History.Epoch epoch) throws IOException;

    /** Called once when {@link Classifier#fit} ends, after its last epoch or an early stop. */
    default void onTrainEnd(Classifier model) throws IOException {
    }

    /**
     * Keras' {@code EarlyStopping(monitor, patience)}: stops training once {@code monitor} ({@code val_loss},
     * {@code val_accuracy}, {@code loss} or {@code accuracy}) has not improved for {@code patience} epochs. Add
     * {@link EarlyStopping#restoreBestWeights()} to keep the best epoch's weights instead of the last.
     */
    static EarlyStopping earlyStopping(String monitor, int patience) {
        return new EarlyStopping(monitor, patience, 0, false);
    }

    /**
     * Keras' {@code ModelCheckpoint}: after every epoch, {@code dir/checkpoint.zip} (weights, optimizer state and
     * history) and {@code dir/history.csv}, each written atomically, so an interrupted run loses at most the
     * epoch it was in and {@link Classifier#load} continues from there.
     */
    static Callback checkpoint(Path dir) {
        return checkpoint(dir, Map.of());
    }

    /**
     * {@link #checkpoint(Path)} with text entries of the caller's inside {@code checkpoint.zip}. The zip is the
     * epoch's one atomic unit: {@code history.csv} beside it is a copy for reading, never read back.
     */
    static Callback checkpoint(Path dir, Map<String, String> entries) {
        return (model, epoch) -> {
            try {
                model.save(dir.resolve("checkpoint.zip"), entries);
                model.history().save(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not write checkpoint to " + dir + ": " + e.getMessage(), e);
            }
        };
    }
}
