package org.tlworkbook.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.Augmentation;
import org.tlworkbook.data.ImageDecoder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Resampler;
import org.tlworkbook.data.UnreadableImageException;
import org.tlworkbook.engine.LayerGradient;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Grad-CAM (Selvaraju et al., 2017): which parts of a photo made the model say a class. The last
 * convolutional layer still knows where things are; the gradient of the class score with respect to it says
 * how much each of its channels pushes the score up. Weighting each channel's map by its mean gradient, summing
 * and keeping the positive part gives a coarse heatmap of the evidence, as in Keras' Grad-CAM example.
 * The score is the class's logit (for a one-unit sigmoid head, the logit for the second class and its negative
 * for the first).
 */
public final class GradCam {
    private final Path image;
    private final String className;
    private final String predicted;
    private final double probability;
    private final String layer;
    private final double[][] heatmap;
    private final BufferedImage seen;

    private GradCam(Path image, String className, String predicted, double probability, String layer, double[][] heatmap, BufferedImage seen) {
        this.image = image;
        this.className = className;
        this.predicted = predicted;
        this.probability = probability;
        this.layer = layer;
        this.heatmap = heatmap;
        this.seen = seen;
    }

    /** The heatmap of each image for the class the model predicts for it. */
    public static List<GradCam> of(Classifier model, List<Path> images) throws UnreadableImageException {
        return of(model, images, null);
    }

    /** The heatmap of {@code image} for {@code className} (null: the predicted class). */
    public static GradCam of(Classifier model, Path image, String className) throws UnreadableImageException {
        return of(model, List.of(image), className).get(0);
    }

    private static List<GradCam> of(Classifier model, List<Path> images, String className) throws UnreadableImageException {
        List<String> classes = model.classes();
        if (className != null && !classes.contains(className)) {
            throw new IllegalArgumentException("no class '" + className + "'; the model's classes are " + classes);
        }
        String layer = model.base().architecture().gradCamLayer();
        LayerGradient gradient = LayerGradient.compile(model.network().layers(), model.graph().paramTable(), layer);
        boolean oneUnit = model.head().isBinary();
        List<GradCam> out = new ArrayList<>();
        for (int from = 0; from < images.size(); from += 16) {
            List<Path> batch = images.subList(from, Math.min(images.size(), from + 16));
            INDArray x = ImageGenerator.load(batch, model.base());
            int[] cls = new int[batch.size()], top = new int[batch.size()];
            List<LayerGradient.Result> results = gradient.run(x, (i, p) -> {
                top[i] = oneUnit ? (p[0] >= 0.5 ? 1 : 0) : Calibration.argMax(p);
                cls[i] = className == null ? top[i] : classes.indexOf(className);
                return new LayerGradient.Score(oneUnit ? 0 : cls[i], oneUnit && cls[i] == 0 ? -1 : 1);
            });
            for (int i = 0; i < batch.size(); i++) {
                LayerGradient.Result r = results.get(i);
                double prob = oneUnit ? (cls[i] == 1 ? r.probabilities()[0] : 1 - r.probabilities()[0]) : r.probabilities()[cls[i]];
                BufferedImage seen = Resampler.toImage(ImageDecoder.readRgb(batch.get(i)), model.base().size(), model.base().size(),
                        Augmentation.Transform.IDENTITY);
                out.add(new GradCam(batch.get(i), classes.get(cls[i]), classes.get(top[i]), prob, layer, heatmap(r), seen));
            }
        }
        return out;
    }

    /**
     * Grad-CAM's map from a layer's activation {@code A} and the score's gradient {@code G} (channel-major): channel
     * weights {@code a_k = mean(G_k)}, map {@code max(0, sum_k a_k A_k)}, divided by its largest value (all zeros
     * when no position has positive evidence).
     */
    static double[][] heatmap(LayerGradient.Result r) {
        int c = r.channels(), h = r.height(), w = r.width(), hw = h * w;
        double[] weights = new double[c];
        for (int k = 0; k < c; k++) {
            double s = 0;
            for (int q = 0; q < hw; q++) s += r.gradient()[k * hw + q];
            weights[k] = s / hw;
        }
        double[][] map = new double[h][w];
        double max = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int k = 0; k < c; k++) s += weights[k] * r.activation()[k * hw + y * w + x];
                map[y][x] = Math.max(0, s);
                max = Math.max(max, map[y][x]);
            }
        }
        if (max > 0) for (double[] row : map) for (int x = 0; x < w; x++) row[x] /= max;
        return map;
    }

    /** The image file. */
    public Path image() { return image; }

    /** The class the heatmap explains. */
    public String className() { return className; }

    /** The class the model predicts for the image. */
    public String predicted() { return predicted; }

    /** The model's probability for {@link #className()}. */
    public double probability() { return probability; }

    /** The layer the map is computed at ({@code out_relu} for MobileNetV2, {@code block5_conv3} for VGG16). */
    public String layer() { return layer; }

    /** The map at the layer's resolution (e.g. 5 x 5 for MobileNetV2 at 160 px), each value in [0, 1]; a copy. */
    public double[][] heatmap() {
        double[][] copy = new double[heatmap.length][];
        for (int y = 0; y < heatmap.length; y++) copy[y] = heatmap[y].clone();
        return copy;
    }

    /**
     * The image as the model saw it (resized to its input size) with the map laid over it: upsampled bilinearly,
     * coloured from blue (no evidence) to red (the most), blended at 40%, as Keras' example draws it.
     */
    public BufferedImage overlay() {
        int size = seen.getWidth(), h = heatmap.length, w = heatmap[0].length;
        BufferedImage out = new BufferedImage(size, seen.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < out.getHeight(); y++) {
            double sy = Math.max(0, Math.min(h - 1, (y + 0.5) * h / out.getHeight() - 0.5));
            int y0 = (int) sy, y1 = Math.min(h - 1, y0 + 1);
            double fy = sy - y0;
            for (int x = 0; x < size; x++) {
                double sx = Math.max(0, Math.min(w - 1, (x + 0.5) * w / size - 0.5));
                int x0 = (int) sx, x1 = Math.min(w - 1, x0 + 1);
                double fx = sx - x0;
                double v = (1 - fy) * ((1 - fx) * heatmap[y0][x0] + fx * heatmap[y0][x1]) + fy * ((1 - fx) * heatmap[y1][x0] + fx * heatmap[y1][x1]);
                int rgb = seen.getRGB(x, y);
                int r = blend((rgb >> 16) & 255, jet(v, 3)), g = blend((rgb >> 8) & 255, jet(v, 2)), b = blend(rgb & 255, jet(v, 1));
                out.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return out;
    }

    /** The "jet" colour map's channel (3 red, 2 green, 1 blue) at {@code v} in [0, 1], 0-255. */
    private static int jet(double v, int channel) {
        return (int) Math.round(255 * Math.max(0, Math.min(1, 1.5 - Math.abs(4 * v - channel))));
    }

    private static int blend(int pixel, int colour) {
        return (int) Math.round(0.6 * pixel + 0.4 * colour);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "GradCam(%s, class %s p=%.3f, predicted %s, layer %s, %dx%d)",
                image.getFileName(), className, probability, predicted, layer, heatmap.length, heatmap[0].length);
    }
}
