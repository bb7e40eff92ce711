package org.tlworkbook.plot;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.tlworkbook.train.FineTuneSweep;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A fine-tuning sweep against where it starts: validation accuracy (axis zoomed to the data), trainable parameters and
 * seconds per epoch, three panels over the same start layers, so cost and gain read side by side.
 */
public final class FineTuneSweepPlot {
    private FineTuneSweepPlot() { }

    /** The three panels, 800 x 900 pixels. */
    public static BufferedImage plot(List<FineTuneSweep.Row> rows) {
        if (rows.isEmpty()) throw new IllegalArgumentException("the sweep has no rows: run FineTuneSweep.run first");
        int width = 800, height = 300;
        double low = rows.stream().mapToDouble(FineTuneSweep.Row::valAccuracy).min().orElse(0);
        XYChart acc = chart("Validation accuracy after fine-tuning", "Accuracy", rows, FineTuneSweep.Row::valAccuracy, width, height);
        acc.getStyler().setYAxisMin(LearningCurves.zoomedMin(low)).setYAxisMax(1.0);
        XYChart params = chart("Trainable parameters", "Millions", rows, r -> r.trainableParams() / 1e6, width, height);
        params.getStyler().setYAxisMin(0.0);
        XYChart seconds = chart("Seconds per epoch", "Seconds", rows, FineTuneSweep.Row::secondsPerEpoch, width, height);
        seconds.getStyler().setYAxisMin(0.0);
        seconds.getStyler().setXAxisTitleVisible(true);
        return LearningCurves.stack(acc, params, seconds);
    }

    private static XYChart chart(String title, String yTitle, List<FineTuneSweep.Row> rows, ToDoubleFunction<FineTuneSweep.Row> y, int w, int h) {
        XYChart c = new XYChartBuilder().width(w).height(h).title(title).xAxisTitle("Fine-tuning starts at layer").yAxisTitle(yTitle).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendVisible(false);
        c.getStyler().setMarkerSize(8);
        c.getStyler().setDecimalPattern("#0.###");
        c.getStyler().setXAxisTitleVisible(false);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        double[] x = rows.stream().mapToDouble(FineTuneSweep.Row::fineTuneAt).toArray();
        XYSeries s = c.addSeries(title, x, rows.stream().mapToDouble(y).toArray());
        s.setMarker(SeriesMarkers.CIRCLE);
        return c;
    }
}
