package org.tlworkbook.engine;

import org.tlworkbook.model.internal.ModelInternals;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.tlworkbook.data.Augmentation;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.testing.TinyTraining;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** How the engine runs a fit: the cut, cached activations, the memory budget, per-batch prefix, accuracy. */
class FittingTest {
    @TempDir
    static Path tmp;
    static TinyTraining t;

    @BeforeAll
    static void data() throws Exception {
        t = new TinyTraining(tmp.resolve("d"));
    }

    /** Epoch figures as rows {epoch, loss, accuracy, valLoss, valAccuracy}. */
    private static List<double[]> fit(Fitting fitting, ImageGenerator train, ImageGenerator val, Fitting.Activations[] kept) {
        List<double[]> rows = new ArrayList<>();
        Fitting.Activations k = fitting.progress(Progress.silent())
                .fit(train, val, (e, loss, acc, vl, va, s) -> rows.add(new double[]{e, loss, acc, vl, va}));
        if (kept != null) kept[0] = k;
        return rows;
    }

    @Test
    void cachedPathComputesWhatTheFullNetworkComputes() {
        BaseModel base = t.base().freeze();
        Classifier m = t.model(base, Optimizer.rmsprop(1e-3));
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 3, 32, 32).muli(2).subi(1);
        SplitGraph frozen = SplitGraph.of(ModelInternals.network(m));
        assertEquals("global_average_pooling2d", frozen.cut());
        INDArray viaCache = frozen.suffix().outputSingle(false, frozen.prefixOutput(x));
        assertTrue(viaCache.equalsWithEps(m.predict(x), 1e-5));

        base.unfreezeFrom(100);
        m.compile(Optimizer.rmsprop(2e-5));
        SplitGraph fine = SplitGraph.of(ModelInternals.network(m));
        assertEquals("block_10_project_BN", fine.cut(), "the last single entry before layer 100");
        INDArray viaCut = fine.suffix().outputSingle(false, fine.prefixOutput(x));
        assertTrue(viaCut.equalsWithEps(m.predict(x), 1e-4));
        assertTrue(fine.trainable().inference().apply(fine.prefixOutput(x)).equalsWithEps(viaCut, 1e-4), "fast validation pass");
    }

    @Test
    void fineTuningOnActivationsKeptByTheFrozenPhaseEqualsComputingThemAgain() {
        List<List<double[]>> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            BaseModel base = t.base().freeze();
            Classifier m = t.model(base, Optimizer.rmsprop(1e-3));
            Network frozenNet = ModelInternals.network(m);
            String cut = SplitGraph.cutFor(frozenNet, 100);
            assertEquals("block_10_project_BN", cut);
            assertEquals(base.layerCount(), base.trainableFrom(), "asking for the cut changes nothing");
            Fitting.Activations[] kept = new Fitting.Activations[1];
            fit(Fitting.of(frozenNet).epochs(2).keepActivationsAt(run == 0 ? cut : null), t.train(base), t.val(base), kept);
            if (run == 0) {
                assertEquals(cut, kept[0].layer());
                assertEquals(30, kept[0].train().size());
                assertEquals(10, kept[0].validation().size());
                assertEquals(4, kept[0].train().features().rank(), "NCHW activations at the cut");
            } else {
                assertNull(kept[0]);
            }
            base.unfreezeFrom(100);
            m.compile(Optimizer.rmsprop(1e-4));
            Fitting.Activations[] after = new Fitting.Activations[1];
            runs.add(fit(Fitting.of(ModelInternals.network(m)).epochs(2, 2).reuse(kept[0]), t.train(base), t.val(base), after));
            if (run == 0) assertSame(kept[0], after[0], "reused activations stay available for a further fit");
        }
        for (int e = 0; e < 2; e++) {
            double[] a = runs.get(0).get(e), b = runs.get(1).get(e);
            assertEquals(3 + e, (int) a[0]);
            assertEquals(b[1], a[1], 1e-4, "loss, epoch " + e);
            assertEquals(b[3], a[3], 1e-4, "val_loss, epoch " + e);
            assertEquals(b[4], a[4], 1e-9, "val_accuracy, epoch " + e);
        }
    }

    @Test
    void activationsOfOtherImagesAreNotReused() {
        BaseModel base = t.base().freeze();
        Classifier m = t.model(base, Optimizer.rmsprop(1e-3));
        Fitting.Activations[] kept = new Fitting.Activations[1];
        fit(Fitting.of(ModelInternals.network(m)).epochs(1).keepActivationsAt(SplitGraph.cutFor(ModelInternals.network(m), 100)), t.train(base), t.val(base), kept);
        ImageGenerator fewer = t.folder.limitPerClass(10).training(base).batchSize(8).build();
        assertFalse(kept[0].matches(fewer, t.val(base)));
        assertTrue(kept[0].matches(t.train(base), t.val(base)));
    }

    @Test
    void cachesThatDoNotFitTheMemoryBudgetAreNotMade() {
        Classifier probe = t.model(t.base().freeze(), Optimizer.rmsprop(1e-3));
        SplitGraph split = SplitGraph.of(ModelInternals.network(probe));
        String cut = SplitGraph.cutFor(ModelInternals.network(probe), 100);
        long pooled = 4 * split.floatsPerImage(split.cut()) * 40, atCut = 4 * split.floatsPerImage(cut) * 40;
        long[] budgets = {0, pooled, pooled + atCut};
        for (int i = 0; i < budgets.length; i++) {
            BaseModel base = t.base().freeze();
            Classifier m = t.model(base, Optimizer.rmsprop(1e-3));
            Fitting.Activations[] kept = new Fitting.Activations[1];
            List<double[]> h = fit(Fitting.of(ModelInternals.network(m)).epochs(2).keepActivationsAt(cut).cacheBudget(budgets[i]), t.train(base), t.val(base), kept);
            assertEquals(2, h.size(), "trains either way");
            assertTrue(h.get(1)[4] >= 0, "validated either way");
            if (i < 2) assertNull(kept[0], "no room to keep the cut's activations with " + budgets[i] + " bytes");
            else assertEquals(30, kept[0].train().size());
        }
    }

    @Test
    void augmentationRunsTheFullNetworkWithFrozenBaseAndBackpropStopsAtTheCut() {
        BaseModel base = t.base().unfreezeFrom(100);
        Classifier m = t.model(base, Optimizer.rmsprop(1e-4));
        INDArray early = ModelInternals.graph(m).getLayer("block_3_project").getParam("W").dup();
        INDArray late = ModelInternals.graph(m).getLayer("Conv_1").getParam("W").dup();
        ImageGenerator augmented = t.folder.training(base).batchSize(8).augment(Augmentation.standard()).build();
        List<double[]> h = fit(Fitting.of(ModelInternals.network(m)).epochs(1), augmented, t.val(base), null);
        assertEquals(1, h.size());
        assertEquals(early, ModelInternals.graph(m).getLayer("block_3_project").getParam("W"));
        assertNotEquals(late, ModelInternals.graph(m).getLayer("Conv_1").getParam("W"));
        assertTrue(Double.isFinite(h.get(0)[3]));
    }

    @Test
    void trainingAccuracyComesFromTheStepsOwnForwardPass() {
        BaseModel base = t.base().unfreezeFrom(100);
        Classifier m = t.model(base, Optimizer.rmsprop(1e-3));
        // one batch holds the whole training split: the reported accuracy is that of the weights before the update
        ImageGenerator all = t.folder.training(base).batchSize(100).shuffle(false).build();
        var batch = all.next();
        double before = Metrics.correct(m.predict(batch.getFeatures()), batch.getLabels()) / (double) batch.numExamples();
        List<double[]> h = fit(Fitting.of(ModelInternals.network(m)).epochs(1).cache(false), all, null, null);
        assertEquals(before, h.get(0)[2], 1e-9);
        Classifier whole = t.model(t.base().unfreezeFrom(0), Optimizer.sgd(1e-3));
        assertFalse(SplitGraph.canSplit(ModelInternals.network(whole)), "every layer trains: no cut");
        List<double[]> w = fit(Fitting.of(ModelInternals.network(whole)).epochs(1), all, null, null);
        assertTrue(w.get(0)[2] >= 0 && w.get(0)[2] <= 1, "whole-graph path reports too");
    }
}
