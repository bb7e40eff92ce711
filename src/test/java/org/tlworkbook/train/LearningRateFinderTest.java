package org.tlworkbook.train;

import org.tlworkbook.model.internal.ModelInternals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.plot.LearningRatePlot;
import org.tlworkbook.testing.TinyTraining;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The sweep leaves the model as it was; its smoothing, stop and suggestion on curves whose answer is known. */
class LearningRateFinderTest {
    @TempDir
    Path tmp;

    @Test
    void aSweepOfTheHeadAndOfFineTuningLeavesWeightsOptimizerStateAndHistoryAsTheyWere() throws Exception {
        TinyTraining tiny = new TinyTraining(tmp.resolve("images"));
        TinyTraining.Trained t = tiny.trained(Optimizer.rmsprop(1e-3), 1);
        Classifier model = t.model();
        for (int phase = 0; phase < 2; phase++) {
            if (phase == 1) { // fine-tuning from a late layer: the sweep trains base layers too, on the fast engine
                t.base().unfreezeFrom(t.base().layerCount() - 10);
                model.compile(Optimizer.rmsprop(1e-5));
                model.fit(t.train(), t.val(), 1);
            }
            INDArray params = ModelInternals.graph(model).params().dup();
            INDArray state = ModelInternals.graph(model).getUpdater().getStateViewArray().dup();
            int iterations = ModelInternals.graph(model).getConfiguration().getIterationCount();
            int epochs = model.history().size();
            t.val().reset();
            INDArray before = model.predict(t.val().next().getFeatures());

            LearningRateFinder.Result sweep = LearningRateFinder.of(model).range(1e-6, 1).steps(30).progress(Progress.silent()).run(t.train());

            assertEquals(params, ModelInternals.graph(model).params(), "weights untouched");
            assertEquals(state, ModelInternals.graph(model).getUpdater().getStateViewArray(), "optimizer state untouched");
            assertEquals(iterations, ModelInternals.graph(model).getConfiguration().getIterationCount());
            assertEquals(epochs, model.history().size());
            t.val().reset();
            assertEquals(before, model.predict(t.val().next().getFeatures()));
            assertTrue(sweep.rates().length >= 3 && sweep.rates().length <= 30);
            assertEquals(1e-6, sweep.rates()[0], 1e-18);
            for (int i = 1; i < sweep.rates().length; i++) {
                assertEquals(Math.pow(1e6, 1.0 / 29), sweep.rates()[i] / sweep.rates()[i - 1], 1e-9, "an exponential sweep");
            }
            assertTrue(sweep.suggestion() >= 1e-6 && sweep.suggestion() <= sweep.minimum());
            for (int i = 0; i + 1 < sweep.losses().length; i++) assertTrue(Double.isFinite(sweep.losses()[i]), "only the last step may have diverged");
            BufferedImage plot = LearningRatePlot.plot(sweep, Map.of("tutorial", 1e-4));
            assertTrue(plot.getWidth() > 0);
        }
    }

    @Test
    void smoothingIsFastaisBiasCorrectedMovingAverage() {
        double[] s = LearningRateFinder.smooth(new double[]{2, 1, 4});
        double b = LearningRateFinder.BETA;
        assertEquals(2, s[0], 1e-12, "bias correction makes the first value itself");
        assertEquals(((1 - b) * b * 2 + (1 - b) * 1) / (1 - b * b), s[1], 1e-12);
        assertEquals(((1 - b) * b * b * 2 + (1 - b) * b * 1 + (1 - b) * 4) / (1 - b * b * b), s[2], 1e-12);
    }

    @Test
    void theSuggestionIsWhereTheLossStartsFallingFastestAndTheSweepStopsWhenItExplodes() {
        int n = 60, drop = 20;
        double[] rates = new double[n], losses = new double[n];
        for (int i = 0; i < n; i++) {
            rates[i] = 1e-6 * Math.pow(10, i / 10.0);
            // flat at 1, a step down to 0.2 at step 20 (the smoothed curve's steepest fall starts there), up again after 45
            losses[i] = i < drop ? 1.0 : i < 45 ? 0.2 : 0.2 + 0.5 * (i - 44);
        }
        LearningRateFinder.Result r = LearningRateFinder.Result.of(rates, losses);
        int window = n / 8;
        assertTrue(r.suggestion() >= rates[drop] && r.suggestion() <= rates[drop - 1 + window],
                "the middle of the window that starts just before the fall: " + r.suggestion());
        assertTrue(r.minimum() > r.suggestion());
        assertEquals(r.smoothed()[drop], r.lossAt(rates[drop] * 1.01), 0);

        assertFalse(LearningRateFinder.diverged(List.of(1.0, 0.9, 0.8), 0));
        assertTrue(LearningRateFinder.diverged(List.of(1.0, 0.9, Double.NaN), 5), "a NaN loss stops the sweep, warm-up or not");
        // a trained model's sweep: losses near 0.03 and one batch at 0.4 in the warm-up; later a real rise
        java.util.List<Double> trained = new java.util.ArrayList<>(List.of(0.03, 0.02, 0.4, 0.03, 0.02, 0.03, 0.02, 0.03, 0.03, 0.02));
        assertTrue(LearningRateFinder.diverged(trained.subList(0, 3), 0), "without a warm-up fastai's rule stops at the unlucky batch");
        for (int k = 1; k <= trained.size(); k++) assertFalse(LearningRateFinder.diverged(trained.subList(0, k), 10), "not within the warm-up");
        for (int k = 0; k < 20; k++) trained.add(0.03);
        assertFalse(LearningRateFinder.diverged(trained, 10));
        while (!LearningRateFinder.diverged(trained, 10)) trained.add(trained.get(trained.size() - 1) * 1.5);
        assertTrue(trained.get(trained.size() - 1) > 4 * 0.03, "a rise to 4x the best after the warm-up stops it");
        java.util.List<Double> rising = new java.util.ArrayList<>(List.of(1.0));
        while (!LearningRateFinder.diverged(rising, 0)) rising.add(rising.get(rising.size() - 1) * 2);
        double[] smoothed = LearningRateFinder.smooth(rising.stream().mapToDouble(Double::doubleValue).toArray());
        assertTrue(smoothed[smoothed.length - 1] > 4 * 1.0 && smoothed[smoothed.length - 2] <= 4 * 1.0, "stops at the first step above 4x the best");

        assertThrows(IllegalArgumentException.class, () -> LearningRateFinder.of(null));
        IllegalStateException few = assertThrows(IllegalStateException.class, () -> LearningRateFinder.Result.of(new double[]{1, 2}, new double[]{1, 9}));
        assertTrue(few.getMessage().contains("lower rate"), few.getMessage());
    }
}
