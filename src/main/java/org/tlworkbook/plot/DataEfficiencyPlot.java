package org.tlworkbook.plot;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.tlworkbook.train.DataEfficiency;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Validation accuracy against images per class (log axis) for the pretrained base with a new head and for the small
 * CNN from scratch, each point with its Wilson 95% interval as a vertical bar: how many images transfer saves.
 */
public final class DataEfficiencyPlot {
    private DataEfficiencyPlot() { }

    /** Both models' rows as one chart. */
    public static BufferedImage plot(List<DataEfficiency.Row> rows) {
        return BitmapEncoder.getBufferedImage(chart(rows));
    }

    static XYChart chart(List<DataEfficiency.Row> rows) {
        if (rows.isEmpty()) throw new IllegalArgumentException("no rows to plot");
        XYChart c = new XYChartBuilder().width(720).height(440).title("What transfer learning buys")
                .xAxisTitle("Training images per class (log scale)").yAxisTitle("Validation accuracy").build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setXAxisLogarithmic(rows.size() > 1);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        c.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        c.getStyler().setDecimalPattern("#0.##");
        add(c, rows, "pretrained base + new head", new Color(0x1f77b4), DataEfficiency.Row::transferAccuracy, DataEfficiency.Row::transferInterval);
        add(c, rows, "small CNN from scratch", new Color(0xff7f0e), DataEfficiency.Row::scratchAccuracy, DataEfficiency.Row::scratchInterval);
        XYSeries chance = c.addSeries("chance", new double[]{rows.get(0).imagesPerClass(), rows.get(rows.size() - 1).imagesPerClass()},
                new double[]{0.5, 0.5});
        chance.setMarker(SeriesMarkers.NONE);
        chance.setLineColor(Color.GRAY);
        chance.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{6f, 4f}, 0f));
        return c;
    }

    private static void add(XYChart c, List<DataEfficiency.Row> rows, String name, Color colour, ToDoubleFunction<DataEfficiency.Row> accuracy,
                            Function<DataEfficiency.Row, double[]> interval) {
        double[] x = rows.stream().mapToDouble(DataEfficiency.Row::imagesPerClass).toArray();
        XYSeries s = c.addSeries(name, x, rows.stream().mapToDouble(accuracy).toArray());
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setLineColor(colour);
        s.setMarkerColor(colour);
        for (DataEfficiency.Row r : rows) {
            double[] ci = interval.apply(r);
            XYSeries bar = c.addSeries(name + " " + r.imagesPerClass(), new double[]{r.imagesPerClass(), r.imagesPerClass()}, ci);
            bar.setMarker(SeriesMarkers.NONE);
            bar.setLineColor(colour);
            bar.setShowInLegend(false);
        }
    }
}
