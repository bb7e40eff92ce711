package org.tlworkbook.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A layer's activation and the gradient of one class score with respect to it, for Grad-CAM: the layers up
 * to the chosen one run on {@link FastForward}; the layers after it (pooling, flattening, dropout and dense
 * layers, what a head and VGG16's last pooling are) run forward and backward here, in doubles, one image at
 * a time. The score is the output layer's pre-activation (the logit), as Keras' Grad-CAM example takes it
 * after removing the last activation.
 */
public final class LayerGradient {

    /**
     * One image's result; arrays are channel-major ({@code [c][h][w]} flattened, as NCHW).
     *
     * @param logits        the output layer's pre-activations
     * @param probabilities the output layer's activations (what the model predicts)
     */
    public record Result(int channels, int height, int width, float[] activation, double[] gradient,
                         double[] logits, double[] probabilities) { }

    /** Which score to differentiate for an image: {@code sign * logit[unit]}. */
    public record Score(int unit, double sign) { }

    /** Picks the score of image {@code index} from the probabilities the model gives it. */
    public interface ScoreChoice {
        Score choose(int index, double[] probabilities);
    }

    private final FastForward prefix;
    private final List<KerasLayer> suffix;
    /** Per suffix layer, its dense weights ({@code [in, out]}, row-major) and biases; null for layers without. */
    private final float[][] weights, biases;

    private LayerGradient(FastForward prefix, List<KerasLayer> suffix, Map<String, INDArray> params) {
        this.prefix = prefix;
        this.suffix = suffix;
        this.weights = new float[suffix.size()][];
        this.biases = new float[suffix.size()][];
        for (int l = 0; l < suffix.size(); l++) {
            KerasLayer k = suffix.get(l);
            if (k.kind() != KerasLayer.Kind.DENSE) continue;
            weights[l] = Params.floats(params, k.name(), "W");
            biases[l] = Params.floats(params, k.name(), "b");
        }
    }

    /**
     * Compiles {@code layers} (input first, output last) cut at {@code target}. Refuses a target that is not the
     * only way into the layers after it, or that is followed by a layer kind other than max or average pooling,
     * flattening, dropout and dense layers.
     */
    public static LayerGradient compile(List<KerasLayer> layers, Map<String, INDArray> params, String target) {
        int t = -1;
        for (int i = 0; i < layers.size(); i++) if (layers.get(i).name().equals(target)) t = i;
        if (t < 1) throw new IllegalArgumentException("no layer named " + target);
        List<KerasLayer> after = layers.subList(t + 1, layers.size());
        if (after.isEmpty() || after.get(after.size() - 1).kind() != KerasLayer.Kind.DENSE) {
            throw new IllegalArgumentException("layer " + target + " must be followed by layers ending in a dense output layer");
        }
        String previous = target;
        for (KerasLayer k : after) {
            switch (k.kind()) {
                case MAX_POOL, GLOBAL_AVG_POOL, FLATTEN, DROPOUT, DENSE -> { }
                default -> throw new IllegalArgumentException("Grad-CAM at " + target + " would need the gradient through "
                        + k.typeName() + " layer " + k.name() + "; choose a later layer (after which only pooling, flattening, "
                        + "dropout and dense layers follow)");
            }
            if (k instanceof KerasLayer.MaxPool p && (p.pool() != 2 || p.stride() != 2)) {
                throw new IllegalArgumentException("Grad-CAM here goes back through 2x2 max pooling only, not " + k.name() + "'s "
                        + p.pool() + "x" + p.pool() + " stride " + p.stride() + "; choose a later layer");
            }
            boolean last = k == after.get(after.size() - 1);
            if (k.kind() == KerasLayer.Kind.DENSE && !last && activation(k) != null && !List.of("relu", "linear").contains(activation(k))) {
                throw new IllegalArgumentException("dense layer " + k.name() + " has activation " + activation(k) + "; Grad-CAM here handles relu and linear hidden layers");
            }
            if (!k.input().equals(previous)) {
                throw new IllegalArgumentException("layer " + k.name() + " reads " + k.input() + ", not " + previous
                        + ": the layers after " + target + " must form a chain");
            }
            previous = k.name();
        }
        FastForward prefix = FastForward.compile(layers.subList(0, t + 1), params);
        return new LayerGradient(prefix, List.copyOf(after), params);
    }

    /**
     * For each image of {@code images} (NCHW, preprocessed), the target's activation and the gradient of
     * {@code sign[i] * logit[unit[i]]} with respect to it.
     */
    public List<Result> run(INDArray images, int[] unit, double[] sign) {
        return run(images, (i, probabilities) -> new Score(unit[i], sign[i]));
    }

    /**
     * As above, with each image's score chosen from the probabilities the layers after the target give it (say its
     * predicted class), so the base runs once per image.
     */
    public List<Result> run(INDArray images, ScoreChoice choice) {
        INDArray a = prefix.output(images);
        if (a.rank() != 4) throw new IllegalStateException("the target layer's output is not an image-shaped activation");
        int n = (int) a.size(0), c = (int) a.size(1), h = (int) a.size(2), w = (int) a.size(3);
        List<Result> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] act = a.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).dup('c').data().asFloat();
            double[] x = new double[act.length];
            for (int j = 0; j < x.length; j++) x[j] = act[j];
            out.add(backward(x, c, h, w, i, choice, act));
        }
        return out;
    }

    /** The logits of the layers after the target, from the target's activation (channel-major): the forward pass {@link #run} differentiates. */
    public double[] logits(double[] activation, int c, int h, int w) {
        List<double[]> xs = new ArrayList<>();
        forward(activation, c, h, w, xs, new ArrayList<>());
        return xs.get(xs.size() - 1);
    }

    private Result backward(double[] x0, int c, int h, int w, int index, ScoreChoice choice, float[] act) {
        List<double[]> xs = new ArrayList<>();
        List<int[]> shapes = new ArrayList<>();
        forward(x0, c, h, w, xs, shapes);
        double[] z = xs.get(xs.size() - 1), probs = probabilities(z);
        Score score = choice.choose(index, probs.clone());
        int unit = score.unit();
        if (unit < 0 || unit >= z.length) throw new IllegalArgumentException("unit " + unit + " of " + z.length + " outputs");
        double[] g = new double[z.length];
        g[unit] = score.sign();
        for (int l = suffix.size() - 1; l >= 0; l--) {
            KerasLayer k = suffix.get(l);
            double[] in = xs.get(l), outAct = xs.get(l + 1);
            int[] s = shapes.get(l);
            g = switch (k.kind()) {
                case DROPOUT, FLATTEN -> g;
                case GLOBAL_AVG_POOL -> {
                    int hw = s[1] * s[2];
                    double[] d = new double[in.length];
                    for (int ch = 0; ch < s[0]; ch++) for (int p = 0; p < hw; p++) d[ch * hw + p] = g[ch] / hw;
                    yield d;
                }
                case MAX_POOL -> {
                    double[] d = new double[in.length];
                    int ih = s[1], iw = s[2], oh = ih / 2, ow = iw / 2;
                    for (int ch = 0; ch < s[0]; ch++) {
                        for (int oy = 0; oy < oh; oy++) {
                            for (int ox = 0; ox < ow; ox++) {
                                int best = ch * ih * iw + 2 * oy * iw + 2 * ox; // the first maximum takes the gradient
                                for (int dy = 0; dy < 2; dy++) for (int dx = 0; dx < 2; dx++) {
                                    int idx = ch * ih * iw + (2 * oy + dy) * iw + 2 * ox + dx;
                                    if (in[idx] > in[best]) best = idx;
                                }
                                d[best] += g[ch * oh * ow + oy * ow + ox];
                            }
                        }
                    }
                    yield d;
                }
                case DENSE -> {
                    boolean last = l == suffix.size() - 1;
                    if (!last && "relu".equals(activation(k))) {
                        g = g.clone();
                        for (int j = 0; j < g.length; j++) if (outAct[j] <= 0) g[j] = 0;
                    }
                    float[] wt = weights[l];
                    int units = outAct.length;
                    double[] d = new double[in.length];
                    for (int i = 0; i < in.length; i++) {
                        double sum = 0;
                        int row = i * units;
                        for (int j = 0; j < units; j++) sum += wt[row + j] * g[j];
                        d[i] = sum;
                    }
                    yield d;
                }
                default -> throw new IllegalStateException("unplanned layer " + k.name());
            };
        }
        return new Result(c, h, w, act, g, z, probs);
    }

    /** Runs the suffix; {@code xs} gets the input and each layer's output (the last one the logits), {@code shapes} each input's {c, h, w}. */
    private void forward(double[] x, int c, int h, int w, List<double[]> xs, List<int[]> shapes) {
        xs.add(x);
        for (int l = 0; l < suffix.size(); l++) {
            KerasLayer k = suffix.get(l);
            shapes.add(new int[]{c, h, w});
            double[] y = switch (k.kind()) {
                case DROPOUT, FLATTEN -> x; // DL4J flattens channel-major, the order the dense weights were trained in
                case GLOBAL_AVG_POOL -> {
                    double[] p = new double[c];
                    int hw = h * w;
                    for (int ch = 0; ch < c; ch++) {
                        double s = 0;
                        for (int q = 0; q < hw; q++) s += x[ch * hw + q];
                        p[ch] = s / hw;
                    }
                    yield p;
                }
                case MAX_POOL -> {
                    int oh = h / 2, ow = w / 2;
                    double[] p = new double[c * oh * ow];
                    for (int ch = 0; ch < c; ch++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
                        int base = ch * h * w + 2 * oy * w + 2 * ox;
                        p[ch * oh * ow + oy * ow + ox] = Math.max(Math.max(x[base], x[base + 1]), Math.max(x[base + w], x[base + w + 1]));
                    }
                    yield p;
                }
                case DENSE -> {
                    float[] wt = weights[l], b = biases[l];
                    int units = b.length;
                    if ((long) units * x.length != wt.length) throw new IllegalStateException(k.name() + ": expected " + wt.length / units + " inputs, got " + x.length);
                    double[] z = new double[units];
                    for (int j = 0; j < units; j++) z[j] = b[j];
                    for (int i = 0; i < x.length; i++) {
                        double xi = x[i];
                        if (xi == 0) continue;
                        int row = i * units;
                        for (int j = 0; j < units; j++) z[j] += xi * wt[row + j];
                    }
                    boolean last = l == suffix.size() - 1;
                    if (!last && "relu".equals(activation(k))) for (int j = 0; j < units; j++) z[j] = Math.max(0, z[j]);
                    yield z;
                }
                default -> throw new IllegalStateException("unplanned layer " + k.name());
            };
            if (k.kind() == KerasLayer.Kind.MAX_POOL) {
                h /= 2;
                w /= 2;
            } else if (k.kind() != KerasLayer.Kind.DROPOUT) {
                c = y.length;
                h = 1;
                w = 1;
            }
            xs.add(y);
            x = y;
        }
    }

    private static String activation(KerasLayer k) {
        return k instanceof KerasLayer.Dense d ? d.activation() : null;
    }

    private double[] probabilities(double[] z) {
        String act = activation(suffix.get(suffix.size() - 1));
        double[] p = new double[z.length];
        if ("softmax".equals(act)) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (double v : z) max = Math.max(max, v);
            for (int j = 0; j < z.length; j++) sum += p[j] = Math.exp(z[j] - max);
            for (int j = 0; j < z.length; j++) p[j] /= sum;
        } else if ("sigmoid".equals(act)) {
            for (int j = 0; j < z.length; j++) p[j] = 1 / (1 + Math.exp(-z[j]));
        } else {
            System.arraycopy(z, 0, p, 0, z.length);
        }
        return p;
    }
}
