package org.tlworkbook.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.engine.Metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How far to trust a model's probabilities: when it says 90%, is it right 90% of the time? The reliability diagram's
 * bins, the expected calibration error (ECE: the bins' gaps between confidence and accuracy, weighted by their size,
 * as Guo et al. 2017 define it) and temperature scaling: one number {@code T} that divides the logits, fitted on
 * validation images by minimising the negative log-likelihood, which leaves every prediction's class unchanged.
 * Probabilities are the model's own, so {@code log p} stands in for the logits (softmax cancels the constant);
 * they are clamped to {@value #FLOOR} so that a float's exact 0 or 1 stays finite.
 */
public final class Calibration {
    /** The smallest probability taken as it is: float32 holds nothing finer next to 1. */
    public static final double FLOOR = 1e-7;
    /** Bins of the diagram and the error, as in Guo et al. */
    public static final int BINS = 15;

    private final double[][] logProbabilities;
    private final int[] labels;
    private final double temperature;

    /** One bin of the reliability diagram: images whose top probability fell in {@code (lower, upper]}. */
    public record Bin(double lower, double upper, int count, double confidence, double accuracy) {
        /** How much more sure than right (negative: less). */
        public double gap() {
            return confidence - accuracy;
        }
    }

    private Calibration(double[][] logProbabilities, int[] labels, double temperature) {
        this.logProbabilities = logProbabilities;
        this.labels = labels;
        this.temperature = temperature;
    }

    /** From probabilities, one row per image in class order, and each image's true class. */
    public static Calibration of(float[][] probabilities, int[] labels) {
        if (probabilities.length != labels.length) {
            throw new IllegalArgumentException(probabilities.length + " rows of probabilities but " + labels.length + " labels");
        }
        if (probabilities.length == 0) throw new IllegalArgumentException("calibration needs at least one image");
        double[][] logs = new double[probabilities.length][];
        for (int i = 0; i < probabilities.length; i++) {
            float[] p = probabilities[i];
            if (p.length < 2) throw new IllegalArgumentException("row " + i + " has " + p.length + " probabilities; give one per class (two for a binary head)");
            if (labels[i] < 0 || labels[i] >= p.length) throw new IllegalArgumentException("label " + labels[i] + " of image " + i + " is not a class of " + p.length);
            logs[i] = new double[p.length];
            for (int c = 0; c < p.length; c++) logs[i][c] = Math.log(Math.min(1, Math.max(FLOOR, p[c])));
        }
        return new Calibration(logs, labels.clone(), 1);
    }

    /** The model's probabilities on every image of {@code images} (its validation or test split), with their labels. */
    public static Calibration of(Classifier model, ImageGenerator images) {
        model.checkLabels(images, "calibration");
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        images.reset();
        while (images.hasNext()) {
            DataSet batch = images.next();
            INDArray out = model.predict(batch.getFeatures());
            rows.addAll(List.of(Predictions.rows(out, (int) out.size(0))));
            for (int label : Metrics.trueClasses(batch.getLabels())) labels.add(label);
        }
        return of(rows.toArray(float[][]::new), labels.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Images it was computed on. */
    public int size() {
        return labels.length;
    }

    /** The temperature applied (1: the model's own probabilities). */
    public double temperature() {
        return temperature;
    }

    /** These predictions with their logits divided by {@code t}: above 1 softens them, below 1 sharpens them. */
    public Calibration scaled(double t) {
        if (!(t > 0) || Double.isInfinite(t)) throw new IllegalArgumentException("a temperature is a positive number; got " + t);
        return new Calibration(logProbabilities, labels, t);
    }

    /** The probabilities as they stand (after the temperature), one row per image. */
    public double[][] probabilities() {
        double[][] p = new double[labels.length][];
        for (int i = 0; i < p.length; i++) p[i] = softmax(logProbabilities[i], 1 / temperature);
        return p;
    }

    /** Mean negative log-likelihood of the true classes: what temperature scaling minimises. */
    public double negativeLogLikelihood() {
        return nll(1 / temperature);
    }

    /** Fraction of images whose most probable class is their label (a temperature never changes it). */
    public double accuracy() {
        int right = 0;
        for (int i = 0; i < labels.length; i++) if (argMax(logProbabilities[i]) == labels[i]) right++;
        return (double) right / labels.length;
    }

    /** The reliability diagram's {@code n} equal-width bins of top probability; empty bins have count 0. */
    public List<Bin> bins(int n) {
        if (n < 1) throw new IllegalArgumentException("bins must be 1 or more; got " + n);
        int[] count = new int[n];
        double[] confidence = new double[n];
        int[] right = new int[n];
        double[][] p = probabilities();
        for (int i = 0; i < p.length; i++) {
            int top = argMax(p[i]);
            int b = Math.min(n - 1, Math.max(0, (int) Math.ceil(p[i][top] * n) - 1));
            count[b]++;
            confidence[b] += p[i][top];
            if (top == labels[i]) right[b]++;
        }
        List<Bin> bins = new ArrayList<>(n);
        for (int b = 0; b < n; b++) {
            bins.add(new Bin((double) b / n, (double) (b + 1) / n, count[b],
                    count[b] == 0 ? 0 : confidence[b] / count[b], count[b] == 0 ? 0 : (double) right[b] / count[b]));
        }
        return bins;
    }

    /** ECE over {@value #BINS} bins: the mean |confidence - accuracy| of the bins, weighted by how many images each holds. */
    public double expectedCalibrationError() {
        double error = 0;
        for (Bin b : bins(BINS)) error += (double) b.count() / labels.length * Math.abs(b.gap());
        return error;
    }

    /** The temperature fitted on {@code validation} ({@link #fitTemperature}): apply it with {@link #scaled} to other images. */
    public static double temperature(Classifier model, ImageGenerator validation) {
        return of(model, validation).fitTemperature();
    }

    /**
     * The temperature that minimises the negative log-likelihood on these images (Guo et al.'s temperature scaling):
     * Newton's method on {@code 1/T}, where the likelihood is convex, from {@code T = 1}. Fit it on validation images,
     * then apply it with {@link #scaled} to the test images.
     */
    public double fitTemperature() {
        double beta = 1;
        for (int step = 0; step < 100; step++) {
            double[] d = derivatives(beta);
            if (d[1] <= 1e-12) break; // every image certain of one class: the likelihood is flat
            double next = beta - d[0] / d[1];
            if (next <= 0) next = beta / 2; // stay positive; the likelihood is convex, so halving towards 0 is safe
            double moved = Math.abs(next - beta);
            beta = next;
            if (moved < 1e-12 * Math.max(1, beta)) break;
        }
        return 1 / beta;
    }

    private double nll(double beta) {
        double sum = 0;
        for (int i = 0; i < labels.length; i++) {
            double[] z = logProbabilities[i];
            sum += logSumExp(z, beta) - beta * z[labels[i]];
        }
        return sum / labels.length;
    }

    /** First and second derivatives of the summed NLL in beta: sum(E[z] - z_y) and sum(Var[z]), under softmax(beta z). */
    private double[] derivatives(double beta) {
        double first = 0, second = 0;
        for (int i = 0; i < labels.length; i++) {
            double[] z = logProbabilities[i];
            double[] p = softmax(z, beta);
            double mean = 0, square = 0;
            for (int c = 0; c < z.length; c++) {
                mean += p[c] * z[c];
                square += p[c] * z[c] * z[c];
            }
            first += mean - z[labels[i]];
            second += square - mean * mean;
        }
        return new double[]{first, second};
    }

    private static double logSumExp(double[] z, double beta) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) max = Math.max(max, beta * v);
        double s = 0;
        for (double v : z) s += Math.exp(beta * v - max);
        return max + Math.log(s);
    }

    private static double[] softmax(double[] z, double beta) {
        double lse = logSumExp(z, beta);
        double[] p = new double[z.length];
        for (int c = 0; c < z.length; c++) p[c] = Math.exp(beta * z[c] - lse);
        return p;
    }

    /** The index of the largest value (the first, on ties). */
    static int argMax(double[] v) {
        int best = 0;
        for (int c = 1; c < v.length; c++) if (v[c] > v[best]) best = c;
        return best;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Calibration(%d images, T=%.3f: accuracy %.3f, ECE %.4f, NLL %.4f)", size(), temperature, accuracy(),
                expectedCalibrationError(), negativeLogLikelihood());
    }
}
