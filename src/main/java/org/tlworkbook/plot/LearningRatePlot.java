package org.tlworkbook.plot;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.tlworkbook.train.LearningRateFinder;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A learning-rate sweep as fastai plots it: the smoothed loss against the rate on a log axis, the suggestion (the
 * steepest descent) marked, and any rates the learner chose (say the tutorial's) marked beside it.
 */
public final class LearningRatePlot {
    private static final Color[] MARKS = {new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd), new Color(0x8c564b)};

    private LearningRatePlot() { }

    /** The sweep with its suggestion marked. */
    public static BufferedImage plot(LearningRateFinder.Result sweep) {
        return plot(sweep, Map.of());
    }

    /** The sweep with its suggestion and {@code rates} (label to rate, in order) marked. */
    public static BufferedImage plot(LearningRateFinder.Result sweep, Map<String, Double> rates) {
        return BitmapEncoder.getBufferedImage(chart(sweep, rates));
    }

    static XYChart chart(LearningRateFinder.Result sweep, Map<String, Double> rates) {
        XYChart c = new XYChartBuilder().width(720).height(420).title("Learning-rate sweep").xAxisTitle("Learning rate (log scale)")
                .yAxisTitle("Training loss (smoothed)").build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setDecimalPattern("#0.###");
        c.getStyler().setXAxisDecimalPattern("0E0"); // 1E-7 ... 1E1: a log axis of rates reads in powers of ten
        double low = Double.POSITIVE_INFINITY, high = Double.NEGATIVE_INFINITY;
        for (double v : sweep.smoothed()) {
            low = Math.min(low, v);
            high = Math.max(high, v);
        }
        double pad = 0.05 * Math.max(1e-9, high - low);
        c.getStyler().setYAxisMin(Math.max(0, low - pad)).setYAxisMax(high + pad);
        XYSeries loss = c.addSeries("loss", sweep.rates(), sweep.smoothed());
        loss.setMarker(SeriesMarkers.NONE);
        loss.setLineColor(new Color(0x1f77b4));
        Map<String, Double> marks = new LinkedHashMap<>();
        marks.put(String.format(Locale.ROOT, "suggestion (steepest) %.1e", sweep.suggestion()), sweep.suggestion());
        rates.forEach((name, rate) -> marks.put(String.format(Locale.ROOT, "%s %.0e", name, rate), rate));
        int i = 0;
        for (Map.Entry<String, Double> m : marks.entrySet()) {
            XYSeries s = c.addSeries(m.getKey(), new double[]{m.getValue(), m.getValue()}, new double[]{Math.max(0, low - pad), high + pad});
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(MARKS[i++ % MARKS.length]);
            s.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{6f, 4f}, 0f));
        }
        return c;
    }
}
