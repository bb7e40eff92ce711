package org.tlworkbook.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.Progress;

import java.util.List;
import java.util.Locale;

/**
 * Keras' {@code EarlyStopping(monitor, patience, min_delta, restore_best_weights)}: stops {@link Classifier#fit}
 * once {@code monitor} has not improved by more than {@code minDelta} for {@code patience} epochs, and with
 * {@link #restoreBestWeights()} puts the best epoch's weights back when training ends, so the model is the one
 * whose validation figures were best, not the last, overfitted one. Losses improve downwards, accuracies upwards.
 * A model that continues from a checkpoint keeps its best epoch: the history it carries of the same phase is counted
 * first (a new phase, fine-tuning after the frozen head, starts afresh, as a new Keras callback does).
 */
public final class EarlyStopping implements Callback {
    private static final List<String> MONITORS = List.of("val_loss", "val_accuracy", "loss", "accuracy");

    private final String monitor;
    private final int patience;
    private final double minDelta;
    private final boolean restore;
    private double best = Double.NaN;
    private int bestEpoch = -1, wait, stoppedEpoch, seenUpTo = -1;
    private INDArray bestWeights;

    EarlyStopping(String monitor, int patience, double minDelta, boolean restore) {
        if (!MONITORS.contains(monitor)) throw new IllegalArgumentException("monitor must be one of " + MONITORS + "; got '" + monitor + "'");
        if (patience < 0) throw new IllegalArgumentException("patience must be 0 or more epochs; got " + patience);
        if (!(minDelta >= 0)) throw new IllegalArgumentException("minDelta must be 0 or more; got " + minDelta);
        this.monitor = monitor;
        this.patience = patience;
        this.minDelta = minDelta;
        this.restore = restore;
    }

    /** This callback, also putting the best epoch's weights back when training ends (Keras {@code restore_best_weights=True}). */
    public EarlyStopping restoreBestWeights() {
        return new EarlyStopping(monitor, patience, minDelta, true);
    }

    /** This callback, counting only improvements larger than {@code delta} (Keras {@code min_delta}). */
    public EarlyStopping minDelta(double delta) {
        return new EarlyStopping(monitor, patience, delta, restore);
    }

    private boolean lowerIsBetter() {
        return monitor.endsWith("loss");
    }

    private double value(History.Epoch e) {
        return switch (monitor) {
            case "val_loss" -> e.valLoss();
            case "val_accuracy" -> e.valAccuracy();
            case "loss" -> e.loss();
            default -> e.accuracy();
        };
    }

    private boolean improves(double v) {
        if (!Double.isFinite(v)) return false;
        if (Double.isNaN(best)) return true;
        return lowerIsBetter() ? v < best - minDelta : v > best + minDelta;
    }

    /** Counts one epoch: a new best, or one more epoch without improvement. */
    private boolean count(History.Epoch e) {
        seenUpTo = e.epoch();
        if (improves(value(e))) {
            best = value(e);
            bestEpoch = e.epoch();
            wait = 0;
            return true;
        }
        wait++;
        return false;
    }

    @Override
    public void onEpochEnd(Classifier model, History.Epoch epoch) {
        if (seenUpTo < 0) { // first epoch seen: a resumed run's earlier epochs of this phase count first
            for (History.Epoch earlier : model.history().epochs()) {
                if (earlier.epoch() < epoch.epoch() && earlier.phase() == epoch.phase()) count(earlier);
            }
        }
        if (count(epoch) && restore) {
            if (bestWeights != null) bestWeights.close();
            bestWeights = model.graph().params().dup();
        }
        if (wait > 0 && wait >= patience) {
            stoppedEpoch = epoch.epoch();
            model.stopTraining();
        }
    }

    @Override
    public void onTrainEnd(Classifier model) {
        if (stoppedEpoch > 0) {
            Progress.tell(String.format(Locale.ROOT, "Early stopping: %s did not improve for %d epoch%s after epoch %d (%s %.4f).", monitor, patience,
                    patience == 1 ? "" : "s", bestEpoch, monitor, best));
        }
        if (!restore || bestEpoch < 0 || bestEpoch == seenUpTo) return;
        if (bestWeights == null) {
            Progress.tell(String.format(Locale.ROOT, "Early stopping: the best epoch (%d) was trained before this run resumed; its weights were not kept, so the model "
                    + "stays at epoch %d.", bestEpoch, seenUpTo));
            return;
        }
        model.graph().setParams(bestWeights);
        Progress.tell(String.format(Locale.ROOT, "Restored the weights of epoch %d (%s %.4f), the best; the history keeps every epoch.", bestEpoch, monitor, best));
    }

    /** The epoch with the best {@code monitor} so far (-1 before any). */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** The best {@code monitor} value so far. */
    public double best() {
        return best;
    }

    /** The epoch after which training stopped, or 0 when it ran all its epochs. */
    public int stoppedEpoch() {
        return stoppedEpoch;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "EarlyStopping(monitor=%s, patience=%d, minDelta=%s, restoreBestWeights=%s)", monitor, patience, minDelta, restore);
    }
}
