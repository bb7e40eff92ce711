package org.tlworkbook.train;

import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.model.Callback;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.History;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.model.Phase;

import java.util.Locale;

/**
 * Transfer learning as the TensorFlow tutorial does it, in one call (fastai's {@code fine_tune}): train the
 * new head on the frozen base, then make the base trainable from layer {@code fineTuneAt} and train on with a
 * lower learning rate, the epoch numbers continuing. It picks up where a model loaded from a checkpoint
 * stopped: epochs already in its history are not trained again, and a model already in its fine-tuning phase
 * is not recompiled, so it keeps its optimizer state.
 *
 * <pre>{@code
 * FineTuning.tutorial().fit(model, train, validation);   // 10 frozen epochs, then 10 from layer 100 at 2e-5
 * }</pre>
 */
public record FineTuning(int frozenEpochs, int fineTuneAt, int fineEpochs, Optimizer fineOptimizer) {

    /** Refuses negative epoch counts. */
    public FineTuning {
        if (frozenEpochs < 0 || fineEpochs < 0) throw new IllegalArgumentException("epochs must be >= 0");
    }

    /** 10 epochs on the frozen base, then 10 from layer 100 ({@code block_11_expand_relu}) with RMSprop at 2e-5. */
    public static FineTuning tutorial() {
        return new FineTuning(10, 100, 10, Optimizer.rmsprop(2e-5));
    }

    /** Both phases; returns the model's whole history. */
    public History fit(Classifier model, ImageGenerator train, ImageGenerator validation, Callback... callbacks) {
        check(model);
        fitFrozen(model, train, validation, callbacks);
        fitFineTuned(model, train, validation, callbacks);
        return model.history();
    }

    /** Fails at once, before any training, when {@code fineTuneAt} does not fit the model's base. */
    public void check(Classifier model) {
        int layers = model.base().layerCount();
        if (fineEpochs > 0 && (fineTuneAt < 0 || fineTuneAt >= layers)) {
            throw new IllegalArgumentException("fine_tune_at must be between 0 and " + (layers - 1) + " for " + model.base().name()
                    + " (" + layers + " layers), got " + fineTuneAt);
        }
    }

    /** The frozen phase's epochs not yet in the model's history. */
    public void fitFrozen(Classifier model, ImageGenerator train, ImageGenerator validation, Callback... callbacks) {
        check(model);
        int done = model.history().phase(Phase.FROZEN).size();
        if (model.phase() != Phase.FROZEN || done >= frozenEpochs) return;
        if (fineEpochs > 0) model.planFineTuning(fineTuneAt); // one pass over the images serves both phases
        model.fit(train, validation, frozenEpochs - done, callbacks);
    }

    /** Unfreezes from {@code fineTuneAt} and recompiles (unless already done), then the fine-tuning epochs not yet in the history. */
    public void fitFineTuned(Classifier model, ImageGenerator train, ImageGenerator validation, Callback... callbacks) {
        int done = model.history().phase(Phase.FINE_TUNE).size();
        if (done >= fineEpochs) return;
        if (model.phase() == Phase.FROZEN) {
            model.base().unfreezeFrom(fineTuneAt);
            model.compile(fineOptimizer);
            org.tlworkbook.data.Progress.tell(String.format(Locale.ROOT, "Fine-tuning from layer %d (%s): %,d trainable parameters in %d arrays.", fineTuneAt,
                    model.base().layer(Math.min(fineTuneAt, model.base().layerCount() - 1)).name(),
                    model.countTrainableParams(), model.countTrainableArrays()));
        }
        model.fit(train, validation, fineEpochs - done, callbacks);
    }
}
