package org.tlworkbook.plot;

import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.tlworkbook.model.Calibration;

import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ReliabilityDiagramTest {
    @Test
    void eachRunIsItsNonEmptyBinsLabelledWithItsError() {
        Calibration c = Calibration.of(new float[][]{{0.9f, 0.1f}, {0.9f, 0.1f}, {0.3f, 0.7f}, {0.6f, 0.4f}}, new int[]{0, 1, 1, 0});
        Map<String, Calibration> runs = new LinkedHashMap<>();
        runs.put("frozen", c);
        runs.put("scaled", c.scaled(3));
        XYChart chart = ReliabilityDiagram.chart(runs);
        List<String> names = List.copyOf(chart.getSeriesMap().keySet());
        assertEquals(List.of("perfectly calibrated", "frozen (ECE 0.375, 4 images)"), names.subList(0, 2));
        assertTrue(names.get(2).startsWith("scaled (ECE "), names.toString());
        XYSeries frozen = chart.getSeriesMap().get(names.get(1));
        double[] x = frozen.getXData(), y = frozen.getYData();
        assertEquals(3, x.length, "three non-empty bins: 0.6, 0.7 and 0.9");
        for (int i = 0; i < x.length; i++) {
            if (Math.abs(x[i] - 0.9) < 1e-6) assertEquals(0.5, y[i], 1e-12);
            else assertEquals(1.0, y[i], 1e-12, "the 0.6 and 0.7 images were right");
        }
        BufferedImage image = ReliabilityDiagram.plot(runs);
        assertEquals(640, image.getWidth());
        assertThrows(IllegalArgumentException.class, () -> ReliabilityDiagram.plot(Map.of()));
    }
}
