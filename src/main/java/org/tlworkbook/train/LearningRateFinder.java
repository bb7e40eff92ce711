package org.tlworkbook.train;

import org.tlworkbook.model.internal.ModelInternals;

import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;
import org.tlworkbook.engine.RateSweep;
import org.tlworkbook.model.Classifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * fastai's {@code lr_find}: train for a few dozen steps while the learning rate grows exponentially, and watch the
 * loss. Too low a rate barely moves it; too high a rate makes it explode; a good rate sits where it falls fastest.
 * The sweep trains what the model trains now (the head on a frozen base, or the base from {@code fine_tune_at}),
 * with its optimizer's update rule, on cached activations, and leaves the model exactly as it was: weights,
 * optimizer state and history.
 *
 * <pre>{@code
 * var sweep = LearningRateFinder.of(model).run(train);   // 1e-7 .. 10, 100 steps
 * sweep.suggestion();                                    // the steepest descent of the smoothed loss
 * }</pre>
 */
public final class LearningRateFinder {
    /** fastai's smoothing of the loss (an exponential moving average, bias-corrected) and its stop: 4x the best. */
    static final double BETA = 0.98, STOP_FACTOR = 4;

    private final Classifier model;
    private double start = 1e-7, end = 10;
    private int steps = 100;
    private Progress progress = Progress.console();

    private LearningRateFinder(Classifier model) {
        this.model = model;
    }

    /** A sweep of {@code model} as it is compiled now, from 1e-7 to 10 in 100 steps. */
    public static LearningRateFinder of(Classifier model) {
        if (model == null) throw new IllegalArgumentException("give the model to sweep");
        if (model.optimizer() == null) throw new IllegalStateException("compile the model first: the sweep uses its optimizer's update rule");
        return new LearningRateFinder(model);
    }

    /** The first and last rate; refuses a range that is not increasing and positive. */
    public LearningRateFinder range(double start, double end) {
        if (!(start > 0) || !(end > start) || Double.isInfinite(end)) {
            throw new IllegalArgumentException("the rates must satisfy 0 < start < end, got " + start + " and " + end);
        }
        this.start = start;
        this.end = end;
        return this;
    }

    /** How many steps (one batch each); at least 5. */
    public LearningRateFinder steps(int steps) {
        if (steps < 5) throw new IllegalArgumentException("a sweep needs at least 5 steps, got " + steps);
        this.steps = steps;
        return this;
    }

    /** Where the progress bar goes ({@link Progress#silent()} for none). */
    public LearningRateFinder progress(Progress progress) {
        this.progress = java.util.Objects.requireNonNull(progress, "progress: pass Progress.silent() for no progress bar");
        return this;
    }

    /** Sweeps on batches of {@code train}, which must have the model's classes. */
    public Result run(ImageGenerator train) {
        if (!train.classes().equals(model.classes())) {
            throw new IllegalArgumentException("the images have classes " + train.classes() + " but the model was built for " + model.classes());
        }
        double[] rates = new double[steps];
        for (int i = 0; i < steps; i++) rates[i] = start * Math.pow(end / start, (double) i / (steps - 1));
        int warmUp = steps / 10;
        List<Double> raw = RateSweep.run(ModelInternals.network(model), train, rates, losses -> diverged(losses, warmUp), progress);
        return Result.of(java.util.Arrays.copyOf(rates, raw.size()), raw.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * fastai's stop: the smoothed loss is not a number, or above 4x its best so far. The first {@code warmUp} steps never
     * stop the sweep and do not set the best: there the bias-corrected average is still close to single batches, and
     * from a trained model (fine-tuning, loss near 0) one unlucky batch is 4x the best without anything diverging.
     */
    static boolean diverged(List<Double> raw, int warmUp) {
        if (raw.isEmpty()) return false;
        double[] s = smooth(raw.stream().mapToDouble(Double::doubleValue).toArray());
        double last = s[s.length - 1];
        if (!Double.isFinite(last)) return true;
        if (s.length <= warmUp) return false;
        double best = Double.POSITIVE_INFINITY;
        for (int i = warmUp; i < s.length; i++) best = Math.min(best, s[i]);
        return last > STOP_FACTOR * best;
    }

    static double[] smooth(double[] raw) {
        double[] s = new double[raw.length];
        double avg = 0;
        for (int i = 0; i < raw.length; i++) {
            avg = BETA * avg + (1 - BETA) * raw[i];
            s[i] = avg / (1 - Math.pow(BETA, i + 1));
        }
        return s;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "LearningRateFinder(rates %.0e .. %.0e, %d steps, %s, smoothing %.2f, stop at %.0fx the best loss)",
                start, end, steps, model.optimizer(), BETA, STOP_FACTOR);
    }

    /**
     * A sweep's rates and losses: {@code losses} as measured (each step's batch, before its update), {@code smoothed}
     * as fastai plots them.
     *
     * @param steepest the rate where the smoothed loss falls fastest against log(rate) (over a window of an eighth of
     *                 the steps, after the first tenth and before the minimum), at the window's middle: the suggestion
     * @param minimum  the rate at the smoothed loss's minimum (fastai's other hint: a tenth of it)
     */
    public record Result(double[] rates, double[] losses, double[] smoothed, double steepest, double minimum) {

        static Result of(double[] rates, double[] losses) {
            if (losses.length < 3) throw new IllegalStateException("the loss diverged within " + losses.length + " steps: start the sweep at a lower rate");
            double[] s = smooth(losses);
            int min = 0;
            for (int i = 1; i < s.length; i++) if (s[i] < s[min]) min = i;
            // past the first tenth of the steps (the moving average still settling), up to the minimum; the slope is taken
            // over a window of an eighth of the sweep (a decade of 100 steps over 8), so that no short noisy dip wins
            int from = Math.min(rates.length / 10, Math.max(0, min - 1));
            int steep = from;
            double fastest = Double.POSITIVE_INFINITY;
            int window = Math.max(1, rates.length / 8);
            for (int i = from; i <= Math.max(from, min - window); i++) { // whole windows only, where the descent is long enough
                int j = Math.min(min, i + window);
                if (j <= i) break;
                double slope = (s[j] - s[i]) / (Math.log(rates[j]) - Math.log(rates[i]));
                if (slope < fastest) {
                    fastest = slope;
                    steep = (i + j) / 2;
                }
            }
            return new Result(rates, losses, s, rates[steep], rates[min]);
        }

        /** The rate to start from: {@link #steepest()}. */
        public double suggestion() {
            return steepest;
        }

        /** The smoothed loss at the rate nearest to {@code rate}, to place a chosen rate on the curve. */
        public double lossAt(double rate) {
            int best = 0;
            for (int i = 1; i < rates.length; i++) if (Math.abs(Math.log(rates[i] / rate)) < Math.abs(Math.log(rates[best] / rate))) best = i;
            return smoothed[best];
        }

        @Override
        public String toString() {
            List<String> parts = new ArrayList<>();
            parts.add(String.format(Locale.ROOT, "%d steps from %.1e to %.1e", rates.length, rates[0], rates[rates.length - 1]));
            parts.add(String.format(Locale.ROOT, "steepest descent at %.1e", steepest));
            parts.add(String.format(Locale.ROOT, "minimum at %.1e (a tenth: %.1e)", minimum, minimum / 10));
            return "LearningRateFinder.Result(" + String.join(", ", parts) + ")";
        }
    }
}
