package org.tlworkbook.train;

import org.tlworkbook.model.internal.ModelInternals;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Callback;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.History;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.model.Phase;
import org.tlworkbook.testing.TinyTraining;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class FineTuningTest {
    @TempDir
    static Path tmp;
    static TinyTraining t;

    @BeforeAll
    static void data() throws Exception {
        t = new TinyTraining(tmp.resolve("d"));
    }

    @Test
    void bothPhasesInOneCallAndAResumeInsideFineTuningKeepsTheOptimizerState() throws Exception {
        FineTuning recipe = new FineTuning(2, 100, 3, Optimizer.rmsprop(1e-4));
        BaseModel base = t.base().freeze();
        INDArray start = ModelInternals.graph(base).params().dup();
        Classifier straight = t.model(base, Optimizer.rmsprop(1e-3));
        History all = recipe.fit(straight, t.train(base), t.val(base));
        assertEquals(List.of(1, 2, 3, 4, 5), all.epochs().stream().map(History.Epoch::epoch).toList());
        assertEquals(2, all.phase(Phase.FROZEN).size());
        assertEquals(3, all.firstEpochOf(Phase.FINE_TUNE));
        assertEquals(1e-4, all.epochs().get(4).lr(), 1e-12);
        assertEquals(100, straight.base().trainableFrom());

        // the same run, stopped after fine-tuning epoch 4 (as by a kill), then started again from the checkpoint
        BaseModel again = t.base().freeze();
        ModelInternals.graph(again).setParams(start);
        Classifier first = t.model(again, Optimizer.rmsprop(1e-3));
        Path out = tmp.resolve("run");
        Callback stopAfter4 = (model, epoch) -> {
            if (epoch.epoch() == 4) Thread.currentThread().interrupt();
        };
        assertThrows(org.tlworkbook.engine.TrainingInterruptedException.class,
                () -> recipe.fit(first, t.train(again), t.val(again), Callback.checkpoint(out), stopAfter4));
        assertTrue(Thread.interrupted(), "the interrupt was what stopped it");
        Classifier resumed = Classifier.load(out.resolve("checkpoint.zip")).progress(Progress.silent());
        assertEquals(4, resumed.history().lastEpoch());
        recipe.fit(resumed, t.train(resumed.base()), t.val(resumed.base()));
        assertEquals(5, resumed.history().size());
        History.Epoch a = straight.history().epochs().get(4), b = resumed.history().epochs().get(4);
        assertEquals(a.loss(), b.loss(), 1e-6, "epoch 5 takes the same steps as in the uninterrupted run");
        assertEquals(a.valLoss(), b.valLoss(), 1e-6);
        assertTrue(ModelInternals.graph(straight).params().equalsWithEps(ModelInternals.graph(resumed).params(), 1e-6));
    }
}
