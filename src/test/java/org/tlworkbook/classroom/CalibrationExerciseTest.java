package org.tlworkbook.classroom;

import org.junit.jupiter.api.Test;
import org.tlworkbook.model.Calibration;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Exercise 9's verdicts: the reference bins against the library's {@link Calibration}, and a hint for each usual mistake. */
class CalibrationExerciseTest {

    @Test
    void theReferenceBinsAreTheLibrarysUpperHalfAndTheExampleIsOverconfident() {
        double[] c = CalibrationExample.confidences();
        boolean[] right = CalibrationExample.correct();
        assertEquals(CalibrationExample.SIZE, c.length);
        float[][] p = new float[c.length][];
        int[] labels = new int[c.length];
        for (int i = 0; i < c.length; i++) {
            assertTrue(c[i] > 0.5 && c[i] <= 1);
            p[i] = new float[]{(float) c[i], (float) (1 - c[i])};
            labels[i] = right[i] ? 0 : 1;
        }
        List<Calibration.Bin> library = Calibration.of(p, labels).bins(10).subList(5, 10); // (0.5, 0.6] ... (0.9, 1.0]
        double[][] ref = Verdicts.calibrationReference();
        for (int b = 0; b < 5; b++) {
            assertEquals(library.get(b).count(), (int) ref[b][0], "bin " + b);
            assertEquals(library.get(b).confidence(), ref[b][1], 1e-6, "confidence of bin " + b);
            assertEquals(library.get(b).accuracy(), ref[b][2], 1e-12, "accuracy of bin " + b);
            assertTrue(ref[b][0] >= 10, "every bin holds images: " + ref[b][0]);
        }
        assertEquals("Overconfident: T above 1 would soften it.", reading(true, true).feedback());
        assertTrue(Calibration.of(p, labels).fitTemperature() > 1, "temperature scaling agrees: it softens the example");
    }

    @Test
    void eachUsualMistakeGetsItsHint() {
        double[][] ref = Verdicts.calibrationReference();
        List<Double> conf = new ArrayList<>(), acc = new ArrayList<>();
        double ece = 0, unweighted = 0;
        for (double[] b : ref) {
            conf.add(b[1]);
            acc.add(b[2]);
            ece += b[0] / CalibrationExample.SIZE * Math.abs(b[2] - b[1]);
            unweighted += Math.abs(b[2] - b[1]) / 5;
        }
        assertTrue(bins(conf, acc, ece).passed(), bins(conf, acc, ece).feedback());
        assertTrue(bins(acc, conf, ece).feedback().contains("swapped"));
        assertTrue(bins(conf, acc, unweighted).feedback().contains("share of the images"));
        assertTrue(bins(conf, acc, ece + 0.01).feedback().contains("ece is off"));
        assertTrue(bins(conf.subList(0, 4), acc, ece).feedback().contains("five numbers"));
        List<Double> shifted = new ArrayList<>(conf);
        shifted.set(2, shifted.get(2) + 0.01);
        assertTrue(bins(shifted, acc, ece).feedback().contains("binConfidence is off"));
        assertTrue(bins(null, acc, ece).feedback().contains("write your code here"));
        assertTrue(reading(false, false).feedback().contains("overconfident"));
        assertTrue(reading(true, false).feedback().contains("T above 1"));
        assertTrue(reading(null, true).feedback().contains("write your code here"));
    }

    private static Verdicts.Verdict bins(List<Double> conf, List<Double> acc, double ece) {
        return Verdicts.decide("ex9-check", Answers.of("ex9-check").put("binConfidence", conf).put("binAccuracy", acc).put("ece", ece), null);
    }

    private static Verdicts.Verdict reading(Boolean over, Boolean above) {
        return Verdicts.decide("ex9-check-reading", Answers.of("ex9-check-reading").put("overconfident", over).put("temperatureAboveOne", above), null);
    }
}
