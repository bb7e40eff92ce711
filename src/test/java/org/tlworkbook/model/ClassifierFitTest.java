package org.tlworkbook.model;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.ClassMode;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.testing.TinyTraining;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The learner's API: fit keeps the history and numbering, the phase follows from what is trainable, predict and evaluate. */
class ClassifierFitTest {
    @TempDir
    static Path tmp;
    static TinyTraining t;

    @BeforeAll
    static void data() throws Exception {
        t = new TinyTraining(tmp.resolve("d"));
    }

    @Test
    void frozenPhaseThenFineTuningTrainsOnlyWhatIsTrainableAndContinuesTheHistory() throws Exception {
        BaseModel base = t.base().freeze();
        Classifier m = t.model(base, Optimizer.adam(1e-3));
        assertEquals(Phase.FROZEN, m.phase());
        INDArray conv1Before = m.graph().getLayer("Conv1").getParam("W").dup();
        INDArray headBefore = m.graph().getLayer("dense").getParam("W").dup();
        Path out = tmp.resolve("run");
        History frozen = m.fit(t.train(base), t.val(base), 10, Callback.checkpoint(out));
        assertEquals(10, frozen.size());
        assertEquals(List.of(Phase.FROZEN), frozen.epochs().stream().map(History.Epoch::phase).distinct().toList());
        assertEquals(m.graph().getLayer("Conv1").getParam("W"), conv1Before, "frozen base untouched");
        assertNotEquals(m.graph().getLayer("dense").getParam("W"), headBefore, "head trained");
        double firstLoss = frozen.epochs().get(0).loss();
        double lastLoss = frozen.epochs().get(9).loss();
        assertTrue(lastLoss < firstLoss, "loss falls: " + firstLoss + " -> " + lastLoss);
        assertTrue(frozen.epochs().get(9).valAccuracy() >= 0.8, frozen.toCsv());

        base.unfreezeFrom(100);
        m.compile(Optimizer.rmsprop(1e-4));
        assertEquals(Phase.FINE_TUNE, m.phase());
        INDArray early = m.graph().getLayer("block_10_project").getParam("W").dup();
        INDArray earlyBn = m.graph().getLayer("block_11_expand_BN").getParam("mean").dup();
        INDArray late = m.graph().getLayer("block_16_project").getParam("W").dup();
        History fine = m.fit(t.train(base), t.val(base), 2, Callback.checkpoint(out));
        assertEquals(11, fine.epochs().get(0).epoch(), "numbering continues");
        assertEquals(Phase.FINE_TUNE, fine.epochs().get(0).phase());
        assertEquals(12, m.history().size(), "the model keeps both phases");
        assertEquals(11, m.history().firstEpochOf(Phase.FINE_TUNE));
        assertEquals(early, m.graph().getLayer("block_10_project").getParam("W"));
        assertEquals(earlyBn, m.graph().getLayer("block_11_expand_BN").getParam("mean"), "frozen BN statistics stay");
        assertNotEquals(late, m.graph().getLayer("block_16_project").getParam("W"), "layers from 100 on are tuned");

        History saved = History.loadCsv(out.resolve("history.csv"));
        assertEquals(12, saved.size());
        assertEquals(11, saved.firstEpochOf(Phase.FINE_TUNE));
        assertTrue(Files.readString(out.resolve("history.json")).contains("\"phase\": \"fine_tune\""));
        Classifier restored = Classifier.load(out.resolve("checkpoint.zip"));
        INDArray x = t.train(base).next().getFeatures();
        assertTrue(restored.predict(x).equalsWithEps(m.predict(x), 1e-5), "checkpoint reproduces the model");
        assertEquals(t.folder.classes(), restored.classes());
        assertEquals(100, restored.base().trainableFrom());
        assertEquals(m.history().toCsv(), restored.history().toCsv(), "the history travels with the model");
        assertEquals(Phase.FINE_TUNE, restored.phase());

        Evaluation report = m.evaluate(t.val(base));
        assertEquals(10, report.total());
        assertEquals(report.accuracy(), fine.epochs().get(1).valAccuracy(), 1e-9);
        assertEquals(2, report.confusionTable().rowCount());
        assertEquals(10 - Math.round(report.accuracy() * 10), report.mistakes().size());
    }

    @Test
    void changingTrainableLayersWithoutCompilingIsAnActionableError() {
        BaseModel base = t.base().freeze();
        Classifier m = t.model(base, Optimizer.rmsprop(1e-3));
        base.unfreezeFrom(100);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.fit(t.train(base), t.val(base), 1));
        assertTrue(e.getMessage().contains("model.compile"), e.getMessage());
        assertEquals(0, m.history().size());
    }

    @Test
    void labelsThatDoNotFitTheHeadOrValidationThatOverlapsTrainingAreRefused() {
        BaseModel base = t.base().freeze();
        Classifier m = t.model(base, Optimizer.rmsprop(1e-3));
        ImageGenerator oneHot = t.folder.training(base).classMode(ClassMode.CATEGORICAL).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.fit(oneHot, t.val(base), 1));
        assertTrue(e.getMessage().contains("ClassMode.BINARY"), e.getMessage());
        ImageFolder noSplit = ImageFolder.from(t.folder.root());
        e = assertThrows(IllegalArgumentException.class, () -> m.fit(noSplit.training(base).build(), noSplit.validation(base).build(), 1));
        assertTrue(e.getMessage().contains("also training images"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Classifier.of(base, Head.binary(), List.of("a", "b", "c")));
    }

    @Test
    void predictNamesClassesAndAgreesWithTheTensorPath() throws Exception {
        BaseModel base = t.base().freeze();
        Classifier m = t.model(base, Optimizer.rmsprop(1e-3));
        m.fit(t.train(base), null, 2);
        List<ImageFolder.Sample> samples = t.folder.validationSamples().subList(0, 3);
        Path[] files = samples.stream().map(ImageFolder.Sample::path).toArray(Path[]::new);
        Predictions p = m.predict(files);
        INDArray raw = m.predict(t.folder.validation(base).batchSize(3).build().next().getFeatures());
        for (int i = 0; i < 3; i++) {
            Predictions.Prediction one = p.get(i);
            assertEquals(files[i], one.image());
            assertEquals(raw.getDouble(i, 0), one.probabilities().get("dogs"), 1e-5);
            assertEquals(1.0, one.probabilities().get("cats") + one.probabilities().get("dogs"), 1e-6);
            assertEquals(one.label(), one.top(1).get(0).getKey());
            assertEquals(one.probability(), Math.max(one.probabilities().get("cats"), one.probabilities().get("dogs")), 1e-9);
        }
        assertEquals(List.of("image", "predicted", "probability", "p(cats)", "p(dogs)"), p.toTable().columnNames());
        Path empty = Files.createFile(tmp.resolve("empty.jpg"));
        Exception e = assertThrows(java.io.IOException.class, () -> m.predict(empty));
        assertTrue(e.getMessage().contains("empty.jpg"), e.getMessage());
    }

    @Test
    void aResumedRunTakesTheSameStepsAsAnUninterruptedOne() throws Exception {
        BaseModel base = t.base().unfreezeFrom(100);
        INDArray start = base.graph().params().dup();
        Classifier straight = t.model(base, Optimizer.adam(1e-3));
        straight.fit(t.train(base), t.val(base), 2);

        base.graph().setParams(start);
        Classifier first = t.model(base, Optimizer.adam(1e-3));
        Path out = tmp.resolve("resume");
        first.fit(t.train(base), t.val(base), 1, Callback.checkpoint(out));
        Classifier resumed = Classifier.load(out.resolve("checkpoint.zip")).progress(org.tlworkbook.data.Progress.silent()); // as after a killed process
        History second = resumed.fit(t.train(resumed.base()), t.val(resumed.base()), 1);
        assertEquals(2, second.epochs().get(0).epoch(), "numbering continues from the loaded history");

        INDArray a = straight.graph().getLayer("block_16_project").getParam("W");
        INDArray b = resumed.graph().getLayer("block_16_project").getParam("W");
        assertTrue(a.equalsWithEps(b, 1e-6), "optimizer state and iteration count carried over: max diff " + a.sub(b).amaxNumber());
        assertTrue(straight.graph().getLayer("dense").getParam("W").equalsWithEps(resumed.graph().getLayer("dense").getParam("W"), 1e-6));
        assertEquals(straight.history().epochs().get(1).loss(), resumed.history().epochs().get(1).loss(), 1e-6);
    }

    @Test
    void settingsShowInToString() {
        Classifier m = Classifier.of(t.base().freeze(), Head.pooledDense(64), List.of("a", "b", "c")).compile(Optimizer.adam(1e-3));
        String s = m.toString();
        assertTrue(s.contains("GAP + Dense(64, relu) + Dense(3, softmax)") && s.contains("Adam(learning_rate=0.001)") && s.contains("base frozen"), s);
        assertEquals(Architecture.MOBILENET_V2, Architecture.named("mobilenet_v2"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Architecture.named("resnet101"));
        assertTrue(unknown.getMessage().contains("(mobilenet_v2, vgg16, resnet50, small_cnn)"), unknown.getMessage());
    }
}
