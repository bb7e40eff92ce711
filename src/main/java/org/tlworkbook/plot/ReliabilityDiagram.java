package org.tlworkbook.plot;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.tlworkbook.model.Calibration;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The reliability diagram: for each bin of top probability, how often the model was right against how sure it was.
 * A calibrated model sits on the diagonal; below it, the model is more confident than it is right. Each series is
 * labelled with its expected calibration error, so a frozen and a fine-tuned model, or one before and after
 * temperature scaling, compare in one picture.
 */
public final class ReliabilityDiagram {
    private ReliabilityDiagram() { }

    /** One series per calibration, in the map's order, over {@value Calibration#BINS} bins; empty bins are left out. */
    public static BufferedImage plot(Map<String, Calibration> runs) {
        return BitmapEncoder.getBufferedImage(chart(runs));
    }

    static XYChart chart(Map<String, Calibration> runs) {
        if (runs.isEmpty()) throw new IllegalArgumentException("give at least one calibration to plot");
        XYChart c = new XYChartBuilder().width(640).height(560).title("Reliability diagram").xAxisTitle("Confidence (top probability)")
                .yAxisTitle("Accuracy").build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setMarkerSize(7);
        c.getStyler().setDecimalPattern("#0.0#");
        c.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0);
        XYSeries perfect = c.addSeries("perfectly calibrated", new double[]{0, 1}, new double[]{0, 1});
        perfect.setMarker(SeriesMarkers.NONE);
        perfect.setLineColor(Color.GRAY);
        perfect.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{6f, 4f}, 0f));
        for (Map.Entry<String, Calibration> run : runs.entrySet()) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (Calibration.Bin b : run.getValue().bins(Calibration.BINS)) {
                if (b.count() == 0) continue;
                x.add(b.confidence());
                y.add(b.accuracy());
            }
            String name = String.format(Locale.ROOT, "%s (ECE %.3f, %d images)", run.getKey(), run.getValue().expectedCalibrationError(), run.getValue().size());
            c.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        return c;
    }
}
