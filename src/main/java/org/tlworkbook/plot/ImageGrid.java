package org.tlworkbook.plot;

import org.tlworkbook.data.ImageDecoder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Resampler;
import org.tlworkbook.data.Augmentation;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.UnreadableImageException;
import org.tlworkbook.model.Evaluation;
import org.tlworkbook.model.Predictions;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** Grids of labelled thumbnails: sample images, augmentation previews, and misclassified images. */
public final class ImageGrid {
    private ImageGrid() { }

    /** {@code images} with {@code labels} under each, {@code columns} per row, cells of {@code cell} pixels. */
    public static BufferedImage of(List<BufferedImage> images, List<String> labels, int columns, int cell) {
        int rows = (images.size() + columns - 1) / columns;
        int labelHeight = 22;
        BufferedImage out = new BufferedImage(columns * cell, Math.max(1, rows) * (cell + labelHeight), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int i = 0; i < images.size(); i++) {
            int x = (i % columns) * cell;
            int y = (i / columns) * (cell + labelHeight);
            g.drawImage(images.get(i), x + 2, y + 2, cell - 4, cell - 4, null);
            g.setColor(Color.BLACK);
            String label = i < labels.size() ? labels.get(i) : "";
            g.drawString(label, x + 4, y + cell + 15);
        }
        g.dispose();
        return out;
    }

    /** The first {@code n} samples with their class names. */
    public static BufferedImage samples(List<ImageFolder.Sample> samples, List<String> classes, int n, int columns) {
        List<BufferedImage> imgs = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (ImageFolder.Sample s : samples) {
            if (imgs.size() == n) break;
            try {
                imgs.add(ImageDecoder.readRgb(s.path()));
                labels.add(classes.get(s.label()));
            } catch (UnreadableImageException e) {
                // skipped, as training would
            }
        }
        return of(imgs, labels, columns, 150);
    }

    /** One image augmented {@code n} times, as the generator would draw it in successive epochs. */
    public static BufferedImage augmentations(ImageFolder.Sample sample, ImageGenerator generator, int n, int columns)
            throws UnreadableImageException {
        BufferedImage src = ImageDecoder.readRgb(sample.path());
        List<BufferedImage> imgs = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int epoch = 0; epoch < n; epoch++) {
            Augmentation.Transform t = generator.transformFor(epoch, 0);
            imgs.add(Resampler.toImage(src, generator.width(), generator.height(), t));
            labels.add(String.format(java.util.Locale.ROOT, "rot %.0f°%s", Math.toDegrees(t.theta()), t.flip() ? " flip" : ""));
        }
        return of(imgs, labels, columns, 150);
    }

    /**
     * The predicted images with what the model said and what is true, as the TensorFlow tutorial's last cell shows
     * them: "dog 0.93" for a right answer, "cat 0.61, true: dog" for a wrong one. {@code truth} holds the true class per image.
     */
    public static BufferedImage predictions(Predictions predictions, List<String> truth, int columns) {
        List<BufferedImage> imgs = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < predictions.size(); i++) {
            var p = predictions.get(i);
            try {
                imgs.add(ImageDecoder.readRgb(p.image()));
            } catch (UnreadableImageException e) {
                continue; // predict refused it already; nothing to show
            }
            String right = i < truth.size() ? truth.get(i) : "?";
            labels.add(String.format(java.util.Locale.ROOT, "%s %.2f%s", p.label(), p.probability(), p.label().equals(right) ? "" : ", true: " + right));
        }
        return of(imgs, labels, columns, 150);
    }

    /** Misclassified images, most confident first, labelled "predicted (p) / true". */
    public static BufferedImage mistakes(Evaluation report, int n, int columns) {
        List<BufferedImage> imgs = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (Evaluation.Mistake m : report.mistakes()) {
            if (imgs.size() == n) break;
            try {
                imgs.add(ImageDecoder.readRgb(m.sample().path()));
                labels.add(String.format(java.util.Locale.ROOT, "%s (%.2f) / %s", report.classes().get(m.predicted()),
                        m.confidence(), report.classes().get(m.sample().label())));
            } catch (UnreadableImageException e) {
                // skipped
            }
        }
        if (imgs.isEmpty()) {
            BufferedImage none = new BufferedImage(300, 40, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = none.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, 300, 40);
            g.setColor(Color.BLACK);
            g.drawString("No misclassified images.", 10, 25);
            g.dispose();
            return none;
        }
        return of(imgs, labels, columns, 150);
    }

    /** Grad-CAM overlays, each labelled with the predicted class and its probability ("dogs 0.97"), or the explained class when it differs. */
    public static BufferedImage gradCams(List<org.tlworkbook.model.GradCam> cams, int columns) {
        List<BufferedImage> imgs = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (org.tlworkbook.model.GradCam cam : cams) {
            imgs.add(cam.overlay());
            labels.add(cam.className().equals(cam.predicted())
                    ? String.format(java.util.Locale.ROOT, "%s %.2f", cam.predicted(), cam.probability())
                    : String.format(java.util.Locale.ROOT, "why %s? (%.2f)", cam.className(), cam.probability()));
        }
        return of(imgs, labels, columns, 150);
    }

    /** Image {@code index} of {@code space}, then its {@code k} nearest neighbours in feature space, labelled with class and distance. */
    public static BufferedImage neighbours(org.tlworkbook.model.FeatureSpace space, int index, int k) throws UnreadableImageException {
        List<BufferedImage> imgs = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        ImageFolder.Sample query = space.samples().get(index);
        imgs.add(ImageDecoder.readRgb(query.path()));
        labels.add("this " + space.classes().get(query.label()));
        for (org.tlworkbook.model.FeatureSpace.Neighbour n : space.nearest(index, k)) {
            imgs.add(ImageDecoder.readRgb(n.sample().path()));
            labels.add(String.format(java.util.Locale.ROOT, "%s, distance %.1f", space.classes().get(n.sample().label()), n.distance()));
        }
        return of(imgs, labels, k + 1, 150);
    }
}
