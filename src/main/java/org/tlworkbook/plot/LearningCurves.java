package org.tlworkbook.plot;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.tlworkbook.model.History;
import org.tlworkbook.model.Phase;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The tutorial's two panels: training vs validation accuracy, and training vs validation loss, per
 * epoch, with a vertical "Start Fine Tuning" line where the fine-tuning phase begins. The accuracy axis
 * zooms to the data (from just below the lowest accuracy to 1), as the tutorial's plot does.
 */
public final class LearningCurves {
    private LearningCurves() { }

    /** Accuracy and loss, training against validation, with a line where fine-tuning starts; default size. */
    public static BufferedImage plot(History history) {
        return plot(history, 800, 800);
    }

    /** The same curves at {@code width} x {@code height} pixels. */
    public static BufferedImage plot(History history, int width, int height) {
        List<History.Epoch> rows = history.epochs();
        if (rows.isEmpty()) throw new IllegalArgumentException("history is empty: train for at least one epoch first");
        double[] x = rows.stream().mapToDouble(History.Epoch::epoch).toArray();
        int fine = history.firstEpochOf(Phase.FINE_TUNE);
        XYChart acc = chart("Training and Validation Accuracy", "Accuracy", width, height / 2);
        add(acc, "Training Accuracy", x, rows.stream().mapToDouble(History.Epoch::accuracy).toArray());
        add(acc, "Validation Accuracy", x, rows.stream().mapToDouble(History.Epoch::valAccuracy).toArray());
        acc.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        XYChart loss = chart("Training and Validation Loss", "Cross Entropy", width, height / 2);
        add(loss, "Training Loss", x, rows.stream().mapToDouble(History.Epoch::loss).toArray());
        add(loss, "Validation Loss", x, rows.stream().mapToDouble(History.Epoch::valLoss).toArray());
        loss.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        loss.getStyler().setXAxisTitleVisible(true);
        double[] range = accuracyAxis(history);
        if (fine > 0) {
            marker(acc, fine - 0.5, range[0], range[1]);
            double maxLoss = rows.stream().mapToDouble(r -> Math.max(finite(r.loss()), finite(r.valLoss()))).max().orElse(1);
            marker(loss, fine - 0.5, 0, maxLoss);
        }
        acc.getStyler().setYAxisMin(range[0]).setYAxisMax(range[1]);
        loss.getStyler().setYAxisMin(0.0);
        return stack(acc, loss);
    }

    /** Charts of one width, drawn one below the other. */
    static BufferedImage stack(XYChart... charts) {
        int width = charts[0].getWidth(), height = 0;
        for (XYChart c : charts) height += c.getHeight();
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        int y = 0;
        for (XYChart c : charts) {
            g.drawImage(BitmapEncoder.getBufferedImage(c), 0, y, null);
            y += c.getHeight();
        }
        g.dispose();
        return out;
    }

    /** Where a zoomed accuracy axis starts for accuracies down to {@code lowest}: a twentieth below, with a margin, never above 0.95. */
    static double zoomedMin(double lowest) {
        return Math.min(Math.max(0, Math.floor((lowest - 0.02) * 20) / 20), 0.95);
    }

    /**
     * Several runs' validation curves overlaid, one series per run (in the map's order): validation accuracy (axis
     * zoomed to the data) and validation loss, per epoch. For experiments that change one setting.
     */
    public static BufferedImage compare(java.util.Map<String, History> runs) {
        if (runs.isEmpty() || runs.values().stream().anyMatch(h -> h.epochs().isEmpty())) {
            throw new IllegalArgumentException("compare needs runs with at least one epoch each");
        }
        int width = 800, height = 800;
        XYChart acc = chart("Validation Accuracy", "Accuracy", width, height / 2);
        XYChart loss = chart("Validation Loss", "Cross Entropy", width, height / 2);
        double low = 1;
        for (java.util.Map.Entry<String, History> run : runs.entrySet()) {
            List<History.Epoch> rows = run.getValue().epochs();
            double[] x = rows.stream().mapToDouble(History.Epoch::epoch).toArray();
            add(acc, run.getKey(), x, rows.stream().mapToDouble(History.Epoch::valAccuracy).toArray());
            add(loss, run.getKey(), x, rows.stream().mapToDouble(History.Epoch::valLoss).toArray());
            low = Math.min(low, rows.stream().mapToDouble(History.Epoch::valAccuracy).filter(Double::isFinite).min().orElse(1));
        }
        acc.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        acc.getStyler().setYAxisMin(zoomedMin(low)).setYAxisMax(1.0);
        loss.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        loss.getStyler().setXAxisTitleVisible(true);
        loss.getStyler().setYAxisMin(0.0);
        return stack(acc, loss);
    }

    /**
     * The accuracy axis, zoomed to the data as the TensorFlow tutorial's {@code plt.ylim([min(plt.ylim()), 1])}: from
     * just below the lowest training or validation accuracy (rounded down to a twentieth) to 1, so a fine-tuning gain
     * of a few points is visible instead of squeezed into the top strip.
     */
    static double[] accuracyAxis(History history) {
        double low = 1;
        for (History.Epoch e : history.epochs()) {
            for (double a : new double[]{e.accuracy(), e.valAccuracy()}) if (Double.isFinite(a)) low = Math.min(low, a);
        }
        return new double[]{zoomedMin(low), 1.0};
    }

    private static double finite(double v) {
        return Double.isFinite(v) ? v : 0;
    }

    private static XYChart chart(String title, String yTitle, int w, int h) {
        XYChart c = new XYChartBuilder().width(w).height(h).title(title).xAxisTitle("Epoch").yAxisTitle(yTitle).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setMarkerSize(6);
        c.getStyler().setDecimalPattern("#0.###");
        // whole epochs only; a blank, not an empty label, which XChart cannot lay out (a one-epoch run has only fractional ticks)
        c.setCustomXAxisTickLabelsFormatter(v -> Math.abs(v - Math.rint(v)) < 1e-9 ? Long.toString(Math.round(v)) : " ");
        return c;
    }

    private static void add(XYChart c, String name, double[] x, double[] y) {
        double[] clean = new double[y.length];
        for (int i = 0; i < y.length; i++) clean[i] = Double.isFinite(y[i]) ? y[i] : Double.NaN;
        XYSeries s = c.addSeries(name, x, clean);
        s.setMarker(SeriesMarkers.CIRCLE);
    }

    private static void marker(XYChart c, double x, double y0, double y1) {
        XYSeries s = c.addSeries("Start Fine Tuning", new double[]{x, x}, new double[]{y0, y1});
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(Color.GRAY);
        s.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{6f, 4f}, 0f));
    }

    /** Writes a PNG atomically. */
    public static void savePng(BufferedImage image, Path file) throws IOException {
        org.tlworkbook.data.AtomicFiles.write(file, tmp -> ImageIO.write(image, "png", tmp.toFile()));
    }
}
