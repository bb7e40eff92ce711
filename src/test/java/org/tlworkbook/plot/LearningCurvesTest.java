package org.tlworkbook.plot;

import org.junit.jupiter.api.Test;
import org.tlworkbook.model.History;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.*;

/** The curves' accuracy axis zooms to the data, as the TensorFlow tutorial's plot does. */
class LearningCurvesTest {
    static History history(double... accuracies) {
        StringBuilder csv = new StringBuilder("epoch,phase,loss,accuracy,val_loss,val_accuracy,lr,seconds\n");
        for (int i = 0; i < accuracies.length; i++) {
            String phase = i < accuracies.length / 2 ? "frozen" : "fine_tune";
            csv.append(i + 1).append(',').append(phase).append(",0.3,").append(accuracies[i]).append(",0.4,").append(accuracies[i] - 0.01).append(",1e-4,1.0\n");
        }
        return History.parseCsv(csv.toString());
    }

    @Test
    void theAccuracyAxisStartsJustBelowTheLowestAccuracyAndEndsAtOne() {
        double[] fineTuning = LearningCurves.accuracyAxis(history(0.90, 0.92, 0.94, 0.96));
        assertEquals(0.85, fineTuning[0], 1e-9, "0.89 is the lowest (validation); the axis starts at the twentieth below it with a margin");
        assertEquals(1.0, fineTuning[1]);
        assertEquals(0.0, LearningCurves.accuracyAxis(history(0.01, 0.5))[0], 1e-9, "never below 0");
        assertEquals(0.95, LearningCurves.accuracyAxis(history(1.0, 1.0))[0], 1e-9, "a visible range even when every epoch is perfect");
        BufferedImage plot = LearningCurves.plot(history(0.90, 0.92, 0.94, 0.96), 400, 400);
        assertEquals(400, plot.getWidth());
    }

    @Test
    void compareOverlaysOneSeriesPerRunAndRefusesAnEmptyRun() {
        java.util.Map<String, History> one = new java.util.LinkedHashMap<>(), two = new java.util.LinkedHashMap<>();
        one.put("inference mode", history(0.90, 0.92, 0.94, 0.96));
        two.putAll(one);
        two.put("training mode", history(0.70, 0.75, 0.80, 0.85));
        BufferedImage a = LearningCurves.compare(one), b = LearningCurves.compare(two);
        assertEquals(800, b.getHeight());
        int differing = 0;
        for (int x = 0; x < a.getWidth(); x += 2) for (int y = 0; y < a.getHeight(); y += 2) if (a.getRGB(x, y) != b.getRGB(x, y)) differing++;
        assertTrue(differing > 500, "the second run's series shows: " + differing);
        two.put("empty", History.parseCsv("epoch,phase,loss,accuracy,val_loss,val_accuracy,lr,seconds\n"));
        assertThrows(IllegalArgumentException.class, () -> LearningCurves.compare(two));
    }
}
