package org.tlworkbook.plot;

import org.tlworkbook.model.Evaluation;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** A confusion matrix as a shaded grid: rows are true classes, columns predicted classes. */
public final class ConfusionMatrixPlot {
    private ConfusionMatrixPlot() { }

    /** The confusion matrix as a heat map, counts in the cells. */
    public static BufferedImage plot(Evaluation report) {
        List<String> classes = report.classes();
        int k = classes.size();
        int cell = 90;
        int margin = 120;
        BufferedImage out = new BufferedImage(margin + k * cell + 20, margin + k * cell + 20, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        int max = 1;
        for (int[] row : report.confusion()) for (int v : row) max = Math.max(max, v);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.setColor(Color.BLACK);
        g.drawString("predicted →", margin, 30);
        g.drawString("true ↓", 10, margin - 10);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int i = 0; i < k; i++) {
            g.setColor(Color.BLACK);
            g.drawString(classes.get(i), margin + i * cell + 6, margin - 10);
            g.drawString(classes.get(i), 10, margin + i * cell + cell / 2);
            for (int j = 0; j < k; j++) {
                int v = report.confusion()[i][j];
                int shade = 255 - (int) (200.0 * v / max);
                g.setColor(new Color(shade, shade, 255));
                g.fillRect(margin + j * cell, margin + i * cell, cell - 2, cell - 2);
                g.setColor(shade < 120 ? Color.WHITE : Color.BLACK);
                g.drawString(Integer.toString(v), margin + j * cell + cell / 2 - 10, margin + i * cell + cell / 2 + 5);
            }
        }
        g.dispose();
        return out;
    }
}
