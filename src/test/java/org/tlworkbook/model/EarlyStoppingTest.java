package org.tlworkbook.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.testing.TinyTraining;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Keras' EarlyStopping: it stops after patience epochs without improvement, restores the best epoch, and survives a resume. */
class EarlyStoppingTest {
    @TempDir
    Path tmp;

    @Test
    void stopsAfterPatienceAndTheRestoredWeightsGiveTheBestEpochsValidationFigures() throws Exception {
        TinyTraining t = new TinyTraining(tmp.resolve("images"));
        BaseModel base = t.base().freeze();
        ImageGenerator train = t.train(base), val = t.val(base);
        Classifier model = t.model(base, Optimizer.adam(3e-2)); // a high rate: validation loss moves about
        EarlyStopping stop = Callback.earlyStopping("val_loss", 2).restoreBestWeights();
        model.fit(train, val, 12, stop);
        History h = model.history();
        History.Epoch best = h.epochs().stream().min(java.util.Comparator.comparingDouble(History.Epoch::valLoss)).orElseThrow();
        assertEquals(best.epoch(), stop.bestEpoch(), "the best epoch is the lowest validation loss: " + h.toCsv());
        if (stop.stoppedEpoch() > 0) {
            assertEquals(stop.bestEpoch() + 2, stop.stoppedEpoch(), "stopped after 2 epochs without improvement");
            assertEquals(stop.stoppedEpoch(), h.size(), "no epoch ran after the stop");
        } else {
            assertEquals(12, h.size());
        }
        Evaluation now = model.evaluate(val);
        assertEquals(best.valLoss(), now.loss(), 1e-4, "the restored weights are the best epoch's");
        assertEquals(best.valAccuracy(), now.accuracy(), 1e-9);

        // nothing counts as an improvement after epoch 1: a deterministic stop after 1 + patience epochs, back to epoch 1
        Classifier again = t.model(base, Optimizer.adam(3e-2));
        EarlyStopping strict = Callback.earlyStopping("val_loss", 3).minDelta(1e9).restoreBestWeights();
        again.fit(train, val, 10, strict);
        assertEquals(4, again.history().size());
        assertEquals(1, strict.bestEpoch());
        assertEquals(4, strict.stoppedEpoch());
        assertEquals(again.history().epochs().get(0).valLoss(), again.evaluate(val).loss(), 1e-4, "epoch 1's weights are back");
        assertTrue(strict.toString().contains("patience=3"), strict.toString());
        assertThrows(IllegalArgumentException.class, () -> Callback.earlyStopping("val_acc", 2));
        assertThrows(IllegalArgumentException.class, () -> Callback.earlyStopping("val_loss", -1));
    }

    @Test
    void aResumedRunKeepsTheBestEpochAndStopsWhereAnUninterruptedRunWould() throws Exception {
        TinyTraining t = new TinyTraining(tmp.resolve("images"));
        BaseModel base = t.base().freeze();
        ImageGenerator train = t.train(base), val = t.val(base);
        Path run = tmp.resolve("run");
        Classifier first = t.model(base, Optimizer.adam(3e-2));
        first.fit(train, val, 2, Callback.checkpoint(run), Callback.earlyStopping("val_loss", 3).minDelta(1e9));
        Classifier resumed = Classifier.load(run.resolve("checkpoint.zip")).progress(org.tlworkbook.data.Progress.silent());
        EarlyStopping stop = Callback.earlyStopping("val_loss", 3).minDelta(1e9).restoreBestWeights();
        resumed.fit(t.train(resumed.base()), t.val(resumed.base()), 10, stop);
        assertEquals(1, stop.bestEpoch(), "the best epoch came from before the resume");
        assertEquals(4, stop.stoppedEpoch(), "epochs 2, 3 and 4 without improvement, counting the one before the resume");
        assertEquals(4, resumed.history().size());
    }

    @Test
    void fineTuningStartsAfreshAndKeepsItsOwnBestEpoch() throws Exception {
        TinyTraining.Trained t = new TinyTraining(tmp.resolve("images")).trained(Optimizer.adam(3e-2), 2);
        BaseModel base = t.base();
        ImageGenerator train = t.train(), val = t.val();
        Classifier model = t.model();
        base.unfreezeFrom(base.layerCount() - 3);
        model.compile(Optimizer.rmsprop(1e-3));
        EarlyStopping keep = Callback.earlyStopping("val_loss", 3).minDelta(1e9).restoreBestWeights();
        model.fit(train, val, 3, keep);
        assertEquals(3, keep.bestEpoch(), "the first fine-tuning epoch is its phase's first best, whatever the frozen epochs scored");
        assertEquals(model.history().epoch(3).valLoss(), model.evaluate(val).loss(), 1e-4, "and its weights are back");
        assertThrows(IllegalArgumentException.class, () -> model.history().epoch(6));
    }
}
