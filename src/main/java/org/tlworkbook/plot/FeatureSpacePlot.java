package org.tlworkbook.plot;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.tlworkbook.model.FeatureSpace;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The base's features of every image on their two principal components, one colour per class. */
public final class FeatureSpacePlot {
    private FeatureSpacePlot() { }

    /** A scatter plot of {@link FeatureSpace#projection()}; the axis titles give the variance each component explains. */
    public static BufferedImage plot(FeatureSpace space) {
        return BitmapEncoder.getBufferedImage(chart(space));
    }

    static XYChart chart(FeatureSpace space) {
        double[] explained = space.pca().explained();
        XYChart c = new XYChartBuilder().width(640).height(520).title("Pooled base features, first two principal components")
                .xAxisTitle(String.format(Locale.ROOT, "PC 1 (%.1f%% of the variance)", 100 * explained[0]))
                .yAxisTitle(String.format(Locale.ROOT, "PC 2 (%.1f%%)", 100 * explained[1])).build();
        c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        c.getStyler().setMarkerSize(6);
        c.getStyler().setDecimalPattern("#0.#");
        double[][] p = space.projection();
        for (int k = 0; k < space.classes().size(); k++) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (int i = 0; i < p.length; i++) {
                if (space.samples().get(i).label() != k) continue;
                x.add(p[i][0]);
                y.add(p[i][1]);
            }
            if (!x.isEmpty()) c.addSeries(space.classes().get(k) + " (" + x.size() + ")", x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        return c;
    }
}
