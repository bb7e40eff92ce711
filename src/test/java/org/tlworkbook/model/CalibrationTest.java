package org.tlworkbook.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.testing.TinyTraining;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Calibration's figures against hand-computed ones and temperature scaling against a direct one-dimensional minimisation. */
class CalibrationTest {
    @TempDir
    Path tmp;

    @Test
    void theErrorIsTheBinsGapsWeightedByTheirSize() {
        float[][] p = {{0.9f, 0.1f}, {0.9f, 0.1f}, {0.3f, 0.7f}, {0.6f, 0.4f}};
        Calibration c = Calibration.of(p, new int[]{0, 1, 1, 0});
        // top probabilities 0.9 (right), 0.9 (wrong), 0.7 (right), 0.6 (right): |0.9-0.5|*2/4 + |0.7-1|/4 + |0.6-1|/4
        assertEquals(0.375, c.expectedCalibrationError(), 1e-6);
        assertEquals(0.75, c.accuracy(), 1e-12);
        List<Calibration.Bin> bins = c.bins(Calibration.BINS);
        assertEquals(15, bins.size());
        Calibration.Bin ninety = bins.get(13);
        assertEquals(2, ninety.count());
        assertEquals(0.9, ninety.confidence(), 1e-6);
        assertEquals(0.5, ninety.accuracy(), 1e-12);
        assertEquals(4, bins.stream().mapToInt(Calibration.Bin::count).sum());
        assertEquals(-(Math.log(0.9) + Math.log(0.1) + Math.log(0.7) + Math.log(0.6)) / 4, c.negativeLogLikelihood(), 1e-6);
    }

    @Test
    void theFittedTemperatureIsTheOneThatMinimisesTheLikelihoodAndUndoesOverconfidence() {
        Random random = new Random(5);
        int n = 4000, classes = 3;
        double trueTemperature = 2.0; // labels drawn from softmax(z / 2): the model's softmax(z) is overconfident
        float[][] p = new float[n][classes];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            double[] z = new double[classes];
            for (int c = 0; c < classes; c++) z[c] = 3 * random.nextGaussian();
            double[] truth = softmax(z, 1 / trueTemperature), model = softmax(z, 1);
            double u = random.nextDouble(), sum = 0;
            labels[i] = classes - 1;
            for (int c = 0; c < classes; c++) {
                sum += truth[c];
                if (u < sum) {
                    labels[i] = c;
                    break;
                }
            }
            for (int c = 0; c < classes; c++) p[i][c] = (float) model[c];
        }
        Calibration raw = Calibration.of(p, labels);
        double t = raw.fitTemperature();
        double direct = goldenSection(raw, 0.05, 20);
        assertEquals(direct, t, 1e-4, "Newton on 1/T finds the minimum a plain 1-D search finds");
        assertEquals(trueTemperature, t, 0.15, "the temperature the labels were drawn with");
        Calibration scaled = raw.scaled(t);
        assertTrue(scaled.negativeLogLikelihood() < raw.negativeLogLikelihood());
        assertTrue(scaled.expectedCalibrationError() < raw.expectedCalibrationError() / 2,
                raw.expectedCalibrationError() + " -> " + scaled.expectedCalibrationError());
        assertEquals(raw.accuracy(), scaled.accuracy(), 0, "a temperature never changes which class wins");
        assertEquals(1.0, raw.temperature());
    }

    @Test
    void aModelsValidationImagesGiveItsAccuracyAndNonsenseIsRefused() throws Exception {
        TinyTraining tiny = new TinyTraining(tmp.resolve("images"));
        TinyTraining.Trained t = tiny.trained(Optimizer.adam(1e-3), 2);
        Calibration c = Calibration.of(t.model(), t.val());
        assertEquals(t.model().evaluate(t.val()).total(), c.size());
        assertEquals(t.model().evaluate(t.val()).accuracy(), c.accuracy(), 1e-12, "a binary head's sigmoid becomes two probabilities");
        assertTrue(c.fitTemperature() > 0);

        assertThrows(IllegalArgumentException.class, () -> Calibration.of(new float[][]{{0.5f, 0.5f}}, new int[]{0, 1}));
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class, () -> Calibration.of(new float[][]{{0.5f, 0.5f}}, new int[]{2}));
        assertTrue(label.getMessage().contains("not a class of 2"), label.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.scaled(0));
        assertThrows(IllegalArgumentException.class, () -> c.scaled(Double.NaN));
    }

    private static double goldenSection(Calibration c, double lo, double hi) {
        double g = (Math.sqrt(5) - 1) / 2;
        double a = lo, b = hi;
        while (b - a > 1e-7) {
            double x1 = b - g * (b - a), x2 = a + g * (b - a);
            if (c.scaled(x1).negativeLogLikelihood() < c.scaled(x2).negativeLogLikelihood()) b = x2;
            else a = x1;
        }
        return (a + b) / 2;
    }

    private static double[] softmax(double[] z, double beta) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : z) max = Math.max(max, beta * v);
        double[] p = new double[z.length];
        for (int c = 0; c < z.length; c++) sum += p[c] = Math.exp(beta * z[c] - max);
        for (int c = 0; c < z.length; c++) p[c] /= sum;
        return p;
    }
}
