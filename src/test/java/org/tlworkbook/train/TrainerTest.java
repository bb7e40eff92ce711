package org.tlworkbook.train;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.tlworkbook.data.Augmentation;
import org.tlworkbook.data.ClassMode;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.MobileNetV2;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.model.SplitGraph;
import org.tlworkbook.model.SyntheticWeights;
import org.tlworkbook.testing.TestImages;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class TrainerTest {
    @TempDir
    static Path tmp;
    static ImageFolder folder;

    @BeforeAll
    static void data() throws Exception {
        folder = ImageFolder.from(TestImages.folder(tmp.resolve("d"), 40, 20, "cats", "dogs")).validationSplit(0.25).seed(37);
    }

    /** A random MobileNetV2 with batch norm calibrated on the training images, so its features carry signal. */
    static BaseModel base() {
        BaseModel base = MobileNetV2.create(32, 0.35, 5);
        return SyntheticWeights.calibrate(base, train(base).next().getFeatures());
    }

    static ImageGenerator train(BaseModel base) {
        return folder.training().targetSize(32).batchSize(8).classMode(ClassMode.BINARY).preprocessing(base.preprocessing()).build();
    }

    static ImageGenerator val(BaseModel base) {
        return folder.validation().targetSize(32).batchSize(8).classMode(ClassMode.BINARY).preprocessing(base.preprocessing()).build();
    }

    static Classifier model(BaseModel base, Optimizer opt) {
        return Classifier.of(base, Head.binary(base.outputName()), folder.classes()).compile(opt);
    }

    @Test
    void cachedPathComputesWhatTheFullNetworkComputes() {
        BaseModel base = base().freeze();
        Classifier m = model(base, Optimizer.rmsprop(1e-3));
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 3, 32, 32).muli(2).subi(1);
        SplitGraph frozen = SplitGraph.of(m);
        assertEquals("global_average_pooling2d", frozen.cut());
        INDArray viaCache = frozen.suffix().outputSingle(false, frozen.prefixOutput(x));
        assertTrue(viaCache.equalsWithEps(m.predict(x), 1e-5));

        base.unfreezeFrom(100);
        m.compile(Optimizer.rmsprop(2e-5));
        SplitGraph fine = SplitGraph.of(m);
        assertEquals("block_10_project_BN", fine.cut(), "the last single entry before layer 100");
        INDArray viaCut = fine.suffix().outputSingle(false, fine.prefixOutput(x));
        assertTrue(viaCut.equalsWithEps(m.predict(x), 1e-4));
        assertTrue(fine.suffixInference().apply(fine.prefixOutput(x)).equalsWithEps(viaCut, 1e-4), "fast validation pass");
    }

    @Test
    void frozenPhaseThenFineTuningTrainsOnlyWhatIsTrainable() throws Exception {
        BaseModel base = base().freeze();
        Classifier m = model(base, Optimizer.adam(1e-3));
        INDArray conv1Before = m.graph().getLayer("Conv1").getParam("W").dup();
        INDArray headBefore = m.graph().getLayer("dense").getParam("W").dup();
        Path out = tmp.resolve("run");
        History frozen = Trainer.of(m).epochs(10).progress(Progress.silent()).checkpoints(out).fit(train(base), val(base));
        assertEquals(10, frozen.size());
        assertEquals(m.graph().getLayer("Conv1").getParam("W"), conv1Before, "frozen base untouched");
        assertNotEquals(m.graph().getLayer("dense").getParam("W"), headBefore, "head trained");
        double firstLoss = frozen.epochs().get(0).loss();
        double lastLoss = frozen.epochs().get(9).loss();
        assertTrue(lastLoss < firstLoss, "loss falls: " + firstLoss + " -> " + lastLoss);
        assertTrue(frozen.epochs().get(9).valAccuracy() >= 0.8, frozen.toCsv());

        base.unfreezeFrom(100);
        m.compile(Optimizer.rmsprop(1e-4));
        INDArray early = m.graph().getLayer("block_10_project").getParam("W").dup();
        INDArray earlyBn = m.graph().getLayer("block_11_expand_BN").getParam("mean").dup();
        INDArray late = m.graph().getLayer("block_16_project").getParam("W").dup();
        History fine = Trainer.of(m).epochs(2).initialEpoch(10).phase("fine_tune").after(frozen)
                .progress(Progress.silent()).checkpoints(out).fit(train(base), val(base));
        assertEquals(11, fine.epochs().get(0).epoch(), "numbering continues");
        assertEquals(early, m.graph().getLayer("block_10_project").getParam("W"));
        assertEquals(earlyBn, m.graph().getLayer("block_11_expand_BN").getParam("mean"), "frozen BN statistics stay");
        assertNotEquals(late, m.graph().getLayer("block_16_project").getParam("W"), "layers from 100 on are tuned");

        History saved = History.loadCsv(out.resolve("history.csv"));
        assertEquals(12, saved.size());
        assertEquals(11, saved.firstEpochOf("fine_tune"));
        assertTrue(Files.readString(out.resolve("history.json")).contains("\"phase\": \"fine_tune\""));
        Classifier restored = Classifier.load(out.resolve("checkpoint.zip"));
        INDArray x = train(base).next().getFeatures();
        assertTrue(restored.predict(x).equalsWithEps(m.predict(x), 1e-5), "checkpoint reproduces the model");
        assertEquals(folder.classes(), restored.classes());
        assertEquals(100, restored.base().trainableFrom());

        Evaluator.Report report = Evaluator.evaluate(m, val(base));
        assertEquals(10, report.total());
        assertEquals(report.accuracy(), fine.epochs().get(1).valAccuracy(), 1e-9);
        assertEquals(2, report.confusionTable().rowCount());
        assertEquals(10 - Math.round(report.accuracy() * 10), report.mistakes().size());
    }

    @Test
    void fineTuningOnActivationsKeptByTheFrozenPhaseEqualsComputingThemAgain() {
        History[] runs = new History[2];
        for (int run = 0; run < 2; run++) {
            BaseModel base = base().freeze();
            Classifier m = model(base, Optimizer.rmsprop(1e-3));
            String cut = SplitGraph.cutFor(m, 100);
            assertEquals("block_10_project_BN", cut);
            assertEquals(base.layers().size(), base.trainableFrom(), "asking for the cut changes nothing");
            Trainer frozen = Trainer.of(m).epochs(2).progress(Progress.silent()).keepActivationsAt(run == 0 ? cut : null);
            History h = frozen.fit(train(base), val(base));
            Trainer.Activations kept = frozen.keptActivations();
            if (run == 0) {
                assertEquals(cut, kept.layer());
                assertEquals(30, kept.train().size());
                assertEquals(10, kept.validation().size());
                assertEquals(4, kept.train().features().rank(), "NCHW activations at the cut");
            } else {
                assertNull(kept);
            }
            base.unfreezeFrom(100);
            m.compile(Optimizer.rmsprop(1e-4));
            runs[run] = Trainer.of(m).epochs(2).initialEpoch(2).phase("fine_tune").after(h).progress(Progress.silent())
                    .reuseActivations(kept).fit(train(base), val(base));
        }
        for (int e = 0; e < 2; e++) {
            History.Epoch a = runs[0].epochs().get(e), b = runs[1].epochs().get(e);
            assertEquals(b.loss(), a.loss(), 1e-4, "epoch " + e);
            assertEquals(b.valLoss(), a.valLoss(), 1e-4, "epoch " + e);
            assertEquals(b.valAccuracy(), a.valAccuracy(), 1e-9, "epoch " + e);
        }
    }

    @Test
    void cachesThatDoNotFitTheMemoryBudgetAreNotMade() {
        BaseModel probeBase = base().freeze();
        Classifier probe = model(probeBase, Optimizer.rmsprop(1e-3));
        SplitGraph split = SplitGraph.of(probe);
        String cut = SplitGraph.cutFor(probe, 100);
        long pooled = 4 * split.floatsPerImage(split.cut()) * 40, atCut = 4 * split.floatsPerImage(cut) * 40;
        long[] budgets = {0, pooled, pooled + atCut};
        for (int i = 0; i < budgets.length; i++) {
            BaseModel base = base().freeze();
            Classifier m = model(base, Optimizer.rmsprop(1e-3));
            Trainer t = Trainer.of(m).epochs(2).progress(Progress.silent()).keepActivationsAt(cut).cacheBudget(budgets[i]);
            History h = t.fit(train(base), val(base));
            assertEquals(2, h.size(), "trains either way");
            assertTrue(h.epochs().get(1).valAccuracy() >= 0, "validated either way");
            if (i < 2) assertNull(t.keptActivations(), "no room to keep the cut's activations with " + budgets[i] + " bytes");
            else assertEquals(30, t.keptActivations().train().size());
        }
    }

    @Test
    void augmentationRunsTheFullNetworkWithFrozenBaseAndBackpropStopsAtTheCut() {
        BaseModel base = base().unfreezeFrom(100);
        Classifier m = model(base, Optimizer.rmsprop(1e-4));
        INDArray early = m.graph().getLayer("block_3_project").getParam("W").dup();
        INDArray late = m.graph().getLayer("Conv_1").getParam("W").dup();
        ImageGenerator augmented = folder.training().targetSize(32).batchSize(8).classMode(ClassMode.BINARY)
                .preprocessing(base.preprocessing()).augment(Augmentation.standard()).build();
        History h = Trainer.of(m).epochs(1).progress(Progress.silent()).fit(augmented, val(base));
        assertEquals(1, h.size());
        assertEquals(early, m.graph().getLayer("block_3_project").getParam("W"));
        assertNotEquals(late, m.graph().getLayer("Conv_1").getParam("W"));
        assertTrue(Double.isFinite(h.epochs().get(0).valLoss()));
    }

    @Test
    void trainingAccuracyComesFromTheStepsOwnForwardPass() {
        BaseModel base = base().unfreezeFrom(100);
        Classifier m = model(base, Optimizer.rmsprop(1e-3));
        // one batch holds the whole training split: the reported accuracy is that of the weights before the update
        ImageGenerator all = folder.training().targetSize(32).batchSize(100).shuffle(false).classMode(ClassMode.BINARY)
                .preprocessing(base.preprocessing()).build();
        var batch = all.next();
        double before = Metrics.correct(m.predict(batch.getFeatures()), batch.getLabels()) / (double) batch.numExamples();
        History h = Trainer.of(m).epochs(1).cacheFeatures(false).progress(Progress.silent()).fit(all, null);
        assertEquals(before, h.epochs().get(0).accuracy(), 1e-9);
        History whole = Trainer.of(model(base().unfreezeFrom(0), Optimizer.sgd(1e-3))).epochs(1).progress(Progress.silent()).fit(all, null);
        assertTrue(whole.epochs().get(0).accuracy() >= 0 && whole.epochs().get(0).accuracy() <= 1, "whole-graph path reports too");
    }

    @Test
    void aResumedRunTakesTheSameStepsAsAnUninterruptedOne() throws Exception {
        BaseModel base = base().unfreezeFrom(100);
        INDArray start = base.graph().params().dup();
        Classifier straight = model(base, Optimizer.adam(1e-3));
        Trainer.of(straight).epochs(2).progress(Progress.silent()).fit(train(base), val(base));

        base.graph().setParams(start);
        Classifier first = model(base, Optimizer.adam(1e-3));
        Path out = tmp.resolve("resume");
        History h1 = Trainer.of(first).epochs(1).progress(Progress.silent()).checkpoints(out).fit(train(base), val(base));
        Classifier resumed = Classifier.load(out.resolve("checkpoint.zip")); // as after a killed process
        Trainer.of(resumed).epochs(1).initialEpoch(1).after(h1).progress(Progress.silent()).fit(train(resumed.base()), val(resumed.base()));

        INDArray a = straight.graph().getLayer("block_16_project").getParam("W");
        INDArray b = resumed.graph().getLayer("block_16_project").getParam("W");
        assertTrue(a.equalsWithEps(b, 1e-6), "optimizer state and iteration count carried over: max diff "
                + a.sub(b).amaxNumber());
        assertTrue(straight.graph().getLayer("dense").getParam("W").equalsWithEps(resumed.graph().getLayer("dense").getParam("W"), 1e-6));
    }
}
