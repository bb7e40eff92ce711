package org.tlworkbook.engine;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.RmsProp;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * Training counterpart of {@link FastForward}: forward, backward and optimizer step for the trainable end
 * of a MobileNetV2-style network (fine-tuning from a layer), on NHWC activations with OpenBLAS and Java
 * loops. DL4J M2.1 spends most of such a step converting layouts and running per-layer ops; here every
 * convolution + batch norm + ReLU6 is one fused unit:
 * <ul>
 *   <li>batch norm uses the moving statistics (Keras {@code training=False}) while gamma and beta train, so
 *   it folds into the convolution's weights afresh before every step: one sgemm forward;</li>
 *   <li>backward needs only the unit's input and output: the gradient of gamma follows from the weight
 *   gradient's sgemm ({@code sum_p dY*z = sum_i W*G}), so pre-normalisation values are never stored;</li>
 *   <li>frozen layers at the start of the suffix run forward only, with no gradient.</li>
 * </ul>
 * The updaters are DL4J's formulas (RMSprop, Adam, SGD) and the optimizer state moves to and from the
 * classifier's DL4J graph, so checkpoints, resuming and the DL4J path stay interchangeable; tests check
 * gradients and updates against the DL4J graph. Not thread-safe.
 */
public final class FastTraining {
    private final List<Unit> units;
    private final String inputName;
    private final String outputName;
    private final Set<String> needsGrad;
    private final List<Param> params;
    private final IUpdater optimizer;
    private final BufferPool pool = new BufferPool();
    private final StepTimes timings = new StepTimes();
    private long iteration;
    private double rate = Double.NaN;

    private FastTraining(List<Unit> units, String inputName, List<Param> params, IUpdater optimizer, long iteration) {
        this.units = units;
        this.inputName = inputName;
        this.outputName = units.get(units.size() - 1).out;
        this.params = params;
        this.optimizer = optimizer;
        this.iteration = iteration;
        Set<String> grad = new HashSet<>();
        for (Unit u : units) {
            boolean trains = u.params().stream().anyMatch(p -> p.trainable);
            for (String in : u.ins) trains |= grad.contains(in);
            if (trains) grad.add(u.out);
            for (int i = 0; i < u.ins.length; i++) u.gradIn[i] = grad.contains(u.ins[i]);
        }
        this.needsGrad = grad;
    }

    /**
     * Whether {@code layers} (an input layer, then Keras layers) can train here: 1x1 convolutions and
     * depthwise convolutions each followed by a batch norm (and optionally ReLU6), residual adds, global
     * average pooling and dense layers, ending in a sigmoid or softmax dense layer.
     */
    public static boolean supports(List<KerasLayer> layers) {
        return plan(layers) != null;
    }

    /**
     * Compiles {@code layers} with the current parameters and optimizer state of {@code graph} (a DL4J graph
     * holding layers of these names, e.g. the whole classifier). Layers that {@code frozen} accepts keep
     * their weights.
     */
    public static FastTraining compile(List<KerasLayer> layers, ComputationGraph graph, Predicate<String> frozen, IUpdater optimizer) {
        return compile(layers, graph, frozen, optimizer, true);
    }

    /** {@code oneDnn} false keeps every product on OpenBLAS and Java loops (the oracle the oneDNN path is tested against). */
    static FastTraining compile(List<KerasLayer> layers, ComputationGraph graph, Predicate<String> frozen, IUpdater optimizer,
                                boolean oneDnn) {
        List<Fusion> plan = plan(layers);
        if (plan == null) throw new IllegalArgumentException("layers not supported by fast training");
        Map<String, INDArray> table = graph.paramTable();
        Map<String, float[][]> states = OptimizerState.read(graph);
        List<Param> params = new ArrayList<>();
        List<Unit> units = new ArrayList<>();
        for (Fusion f : plan) {
            KerasLayer k = f.op();
            KerasLayer.BatchNorm bn = f.bn();
            String in = f.input(), out = f.output();
            Param[] norm = bn == null ? null : new Param[]{
                    Param.of(table, states, bn.name(), "gamma", !frozen.test(bn.name()), optimizer),
                    Param.of(table, states, bn.name(), "beta", !frozen.test(bn.name()), optimizer),
                    Param.of(table, states, bn.name(), "mean", false, optimizer),
                    Param.of(table, states, bn.name(), "var", false, optimizer)};
            double eps = bn == null ? 0 : bn.epsilon();
            boolean trains = !frozen.test(k.name());
            Unit u = switch (k.kind()) {
                case CONV, DENSE -> {
                    Param w = Param.of(table, states, k.name(), "W", trains, optimizer);
                    boolean bias = !(k instanceof KerasLayer.Conv c) || c.bias(); // a dense layer always has one
                    Param b = bias ? Param.of(table, states, k.name(), "b", trains, optimizer) : null;
                    yield new Conv(in, out, w, b, norm, eps, f.activation(), k.kind() == KerasLayer.Kind.DENSE, oneDnn);
                }
                case DEPTHWISE -> {
                    Param w = Param.of(table, states, k.name(), "W", trains, optimizer);
                    KerasLayer.Depthwise d = (KerasLayer.Depthwise) k;
                    yield new Depthwise(in, out, d.kernel(), d.stride(), d.samePadding(), f.padding(), w, norm, eps, f.activation(), oneDnn);
                }
                case ADD -> new Add(k.inputs().get(0), k.inputs().get(1), out);
                case GLOBAL_AVG_POOL -> new GlobalAvgPool(in, out);
                default -> throw new IllegalStateException("unplanned layer " + k.name());
            };
            units.add(u);
            params.addAll(u.params());
        }
        return new FastTraining(List.copyOf(units), layers.get(0).name(), params, optimizer,
                graph.getConfiguration().getIterationCount());
    }

    /**
     * The {@link Fusion} units of {@code layers}, or null when one has no training implementation here: each
     * convolution (1x1 stride 1 without activation, or depthwise, padded or not) needs its batch norm; adds,
     * pooling and dense layers train; the last layer is a sigmoid or softmax dense layer.
     */
    private static List<Fusion> plan(List<KerasLayer> layers) {
        if (layers.size() < 2 || layers.get(0).kind() != KerasLayer.Kind.INPUT) return null;
        List<Fusion> plan = Fusion.plan(layers);
        for (Fusion f : plan) {
            KerasLayer k = f.op();
            switch (k.kind()) {
                case CONV -> {
                    KerasLayer.Conv c = (KerasLayer.Conv) k;
                    if (f.pad() != null || c.kernel() != 1 || c.stride() != 1 || c.activation() != null || f.bn() == null) return null;
                }
                case DEPTHWISE -> {
                    if (f.bn() == null) return null;
                }
                case ADD, GLOBAL_AVG_POOL -> { }
                case DENSE -> {
                    String act = ((KerasLayer.Dense) k).activationName();
                    boolean last = k == layers.get(layers.size() - 1);
                    if (last ? !List.of("sigmoid", "softmax").contains(act) : !List.of("relu", "linear").contains(act)) return null;
                }
                default -> {
                    return null;
                }
            }
        }
        return layers.get(layers.size() - 1).kind() == KerasLayer.Kind.DENSE ? plan : null;
    }

    /**
     * One optimizer step on a batch: {@code x} is NCHW (or {@code [n, c]}) input to the first layer, {@code labels}
     * one-hot (or one 0/1 column for a sigmoid output). Returns the predictions of the forward pass, before the
     * update (what Keras' training accuracy uses).
     */
    public INDArray step(INDArray x, INDArray labels) {
        Run run = forward(x);
        try {
            Nhwc out = run.acts.get(outputName);
            int n = out.n, classes = out.c;
            float[] p = new float[n * classes];
            out.data.get(0, p);
            float[] y = Arrays32.floats(labels);
            if (y.length != p.length) throw new IllegalArgumentException("labels " + labels.shapeInfoToString() + " do not match " + n + " x " + classes + " outputs");
            float[] d = new float[p.length];
            for (int i = 0; i < p.length; i++) d[i] = (p[i] - y[i]) / n; // cross-entropy through sigmoid/softmax, mean over the batch
            FloatBuffer grad = pool.take(d.length);
            grad.put(0, d);
            run.grads.put(outputName, grad);
            for (int u = units.size() - 1; u >= 0; u--) {
                Unit unit = units.get(u);
                FloatBuffer g = run.grads.get(unit.out);
                if (g != null && needsGrad.contains(unit.out)) {
                    long t0 = System.nanoTime();
                    unit.backward(run, g);
                    time(unit.backwardKey, t0);
                }
            }
            long t0 = System.nanoTime();
            update();
            time("update", t0);
            return Nd4j.create(p, new long[]{n, classes}, 'c');
        } finally {
            run.release();
        }
    }

    /** The learning rate of the next steps instead of the optimizer's (a learning-rate sweep); NaN goes back to the optimizer's. */
    public void learningRate(double rate) {
        this.rate = rate;
    }

    /** Predictions for a batch with the current weights (inference). */
    public INDArray predict(INDArray x) {
        Run run = forward(x);
        try {
            Nhwc out = run.acts.get(outputName);
            float[] p = new float[out.n * out.c];
            out.data.get(0, p);
            return Nd4j.create(p, new long[]{out.n, out.c}, 'c');
        } finally {
            run.release();
        }
    }

    private Run forward(INDArray x) {
        if (x.rank() != 4 && x.rank() != 2) throw new IllegalArgumentException("expected NCHW activations, got " + x.shapeInfoToString());
        boolean flat = x.rank() == 2;
        int n = (int) x.size(0), c = (int) x.size(1), h = flat ? 1 : (int) x.size(2), w = flat ? 1 : (int) x.size(3);
        Run run = new Run(pool);
        Nhwc input = new Nhwc(pool.take(n * h * w * c), n, h, w, c);
        Arrays32.toNhwc(x, input.data);
        run.acts.put(inputName, input);
        long t0 = System.nanoTime();
        for (Unit u : units) u.fold();
        time("fold", t0);
        for (Unit u : units) {
            t0 = System.nanoTime();
            run.acts.put(u.out, u.forward(run));
            time(u.forwardKey, t0);
        }
        return run;
    }

    private void time(String what, long since) {
        timings.add(what, since);
    }

    /** Milliseconds spent so far in each kind of work (forward and backward by unit kind, folding, updates), for benches. */
    public Map<String, Long> millisByStep() {
        return timings.millis();
    }

    private void update() {
        float lr = (float) (Double.isNaN(rate) ? optimizer.getLearningRate((int) iteration, 0) : rate);
        long t = iteration + 1;
        for (Param p : params) {
            if (!p.trainable) continue;
            float[] v = p.value, g = p.grad;
            if (optimizer instanceof RmsProp rms) {
                float rho = (float) rms.getRmsDecay(), eps = (float) rms.getEpsilon();
                float[] s = p.state[0];
                for (int i = 0; i < v.length; i++) {
                    s[i] = s[i] * rho + g[i] * g[i] * (1 - rho);
                    v[i] -= lr * g[i] / ((float) Math.sqrt(s[i]) + eps);
                }
            } else if (optimizer instanceof Adam adam) {
                float b1 = (float) adam.getBeta1(), b2 = (float) adam.getBeta2(), eps = (float) adam.getEpsilon();
                float[] m = p.state[0], u = p.state[1];
                float alpha = (float) (lr * Math.sqrt(1 - Math.pow(adam.getBeta2(), t)) / (1 - Math.pow(adam.getBeta1(), t)));
                for (int i = 0; i < v.length; i++) {
                    m[i] = b1 * m[i] + g[i] * (1 - b1);
                    u[i] = b2 * u[i] + g[i] * g[i] * (1 - b2);
                    v[i] -= alpha * m[i] / ((float) Math.sqrt(u[i]) + eps);
                }
            } else {
                for (int i = 0; i < v.length; i++) v[i] -= lr * g[i];
            }
        }
        iteration = t;
    }

    /** Writes the trained parameters, optimizer state and iteration count into {@code graph} (layers matched by name). */
    public void copyTo(ComputationGraph graph) {
        Map<String, INDArray> table = graph.paramTable();
        Map<String, float[][]> states = new HashMap<>();
        for (Param p : params) {
            if (!p.trainable) continue;
            INDArray target = table.get(p.key());
            if (target == null) throw new IllegalArgumentException("graph has no parameter " + p.key());
            target.assign(Nd4j.create(p.value, target.shape(), target.ordering()));
            if (p.state.length > 0) states.put(p.layer + "/" + p.name, p.state);
        }
        if (!states.isEmpty()) OptimizerState.write(graph, states);
        graph.getConfiguration().setIterationCount((int) iteration);
    }

    /** Gradients of the last step by DL4J parameter key (for tests). */
    Map<String, float[]> gradients() {
        Map<String, float[]> out = new HashMap<>();
        for (Param p : params) if (p.trainable && p.grad != null) out.put(p.key(), p.grad.clone());
        return out;
    }

    /** Frees the reusable activation buffers. */
    public void release() {
        pool.clear();
    }

    // ---------------------------------------------------------------------------------------------

    /** Activations and gradients of one step, by layer name; buffers go back to the pool at the end. */
    private static final class Run {
        final BufferPool pool;
        final Map<String, Nhwc> acts = new HashMap<>();
        final Map<String, FloatBuffer> grads = new HashMap<>();

        Run(BufferPool pool) {
            this.pool = pool;
        }

        Nhwc take(int n, int h, int w, int c) {
            return new Nhwc(pool.take(n * h * w * c), n, h, w, c);
        }

        /** The buffer that receives the gradient for {@code name}, and whether it already holds a part to add to. */
        FloatBuffer gradFor(String name, int floats, boolean[] accumulate) {
            FloatBuffer g = grads.get(name);
            accumulate[0] = g != null;
            if (g == null) {
                g = pool.take(floats);
                grads.put(name, g);
            }
            return g;
        }

        void release() {
            java.util.IdentityHashMap<FloatBuffer, Boolean> seen = new java.util.IdentityHashMap<>();
            for (Nhwc t : acts.values()) if (seen.put(t.data, true) == null) pool.give(t.data);
            for (FloatBuffer g : grads.values()) if (seen.put(g, true) == null) pool.give(g);
        }
    }

    /**
     * A parameter in DL4J's flattened order (the order of its updater state), so values and state move
     * between here and the graph without reordering. Weight matrices of 1x1 and dense layers are then
     * {@code [out][in]} row-major.
     */
    private static final class Param {
        final String layer;
        final String name;
        final float[] value;
        final boolean trainable;
        final float[][] state;
        float[] grad;

        private Param(String layer, String name, float[] value, boolean trainable, float[][] state) {
            this.layer = layer;
            this.name = name;
            this.value = value;
            this.trainable = trainable;
            this.state = state;
            this.grad = trainable ? new float[value.length] : null;
        }

        String key() {
            return Params.key(layer, name);
        }

        static Param of(Map<String, INDArray> table, Map<String, float[][]> states, String layer, String name,
                        boolean trainable, IUpdater optimizer) {
            INDArray a = Params.get(table, layer, name);
            float[] v = Nd4j.toFlattened(a.ordering(), a).toFloatVector();
            int arrays = !trainable ? 0 : optimizer instanceof RmsProp ? 1 : optimizer instanceof Adam ? 2 : 0;
            float[][] saved = states.get(layer + "/" + name);
            float[][] state;
            if (saved != null && saved.length == arrays && (arrays == 0 || saved[0].length == v.length)) {
                state = new float[arrays][];
                for (int i = 0; i < arrays; i++) state[i] = saved[i].clone();
            } else {
                state = new float[arrays][v.length];
                if (optimizer instanceof RmsProp rms && arrays == 1) java.util.Arrays.fill(state[0], (float) rms.getEpsilon()); // DL4J's initial value
            }
            return new Param(layer, name, v, trainable, state);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private abstract static class Unit {
        final String[] ins;
        final String out;

        final boolean[] gradIn; // per input: whether anything before it trains
        final String forwardKey = getClass().getSimpleName() + " forward"; // for millisByStep
        final String backwardKey = getClass().getSimpleName() + " backward";

        Unit(String out, String... ins) {
            this.ins = ins;
            this.out = out;
            this.gradIn = new boolean[ins.length];
        }

        List<Param> params() {
            return List.of();
        }

        /** Refreshes what is derived from the parameters (folded weights) before a forward pass. */
        void fold() { }

        abstract Nhwc forward(Run run);

        /** Given the gradient {@code g} at the output, sets parameter gradients and adds input gradients to {@code run}. */
        abstract void backward(Run run, FloatBuffer g);
    }

    /**
     * Batch norm with moving statistics as a per-channel {@code scale} and {@code shift} of the raw layer output
     * {@code z}: {@code y = z * scale + shift}, {@code scale = gamma / sqrt(var + eps)}.
     */
    private abstract static class Normalized extends Unit {
        final Param w;
        final Param bias;
        final Param[] bn; // gamma, beta, mean, var, or null
        final double eps; // the batch norm's epsilon
        final Activation act;
        float[] scale;
        float[] shift;

        Normalized(String in, String out, Param w, Param bias, Param[] bn, double eps, Activation act) {
            super(out, in);
            this.w = w;
            this.bias = bias;
            this.bn = bn;
            this.eps = eps;
            this.act = act;
        }

        @Override
        List<Param> params() {
            List<Param> l = new ArrayList<>(List.of(w));
            if (bias != null) l.add(bias);
            if (bn != null) l.addAll(List.of(bn));
            return l;
        }

        float invStd(int o) {
            return (float) (1 / Math.sqrt(bn[3].value[o] + eps));
        }

        void foldNorm(int channels) {
            scale = new float[channels];
            shift = new float[channels];
            float[] b = bias == null ? null : bias.value;
            if (bn != null) {
                Params.foldBatchNorm(bn[0].value, bn[1].value, bn[2].value, bn[3].value, eps, b, scale, shift);
                return;
            }
            java.util.Arrays.fill(scale, 1f);
            if (b != null) System.arraycopy(b, 0, shift, 0, channels);
        }

        /**
         * Parameter gradients from {@code G[o][j]} = sum over pixels of dY (gradient after the norm) times the
         * input that meets weight {@code j} of channel {@code o}, and {@code colSum[o]} = sum of dY.
         */
        void paramGradients(float[] gsum, float[] colSum, int channels, int perChannel, boolean channelMajor) {
            // element j belongs to channel j / perChannel (channel-major) or j % channels (channel-minor)
            float[] wg = new float[channels];
            boolean gammaTrains = bn != null && bn[0].trainable;
            if (channelMajor) {
                for (int o = 0; o < channels; o++) {
                    int from = o * perChannel;
                    float sc = scale[o], acc = 0f;
                    if (w.trainable) for (int i = from; i < from + perChannel; i++) w.grad[i] = gsum[i] * sc;
                    if (gammaTrains) for (int i = from; i < from + perChannel; i++) acc += w.value[i] * gsum[i];
                    wg[o] = acc;
                }
            } else {
                for (int from = 0; from < gsum.length; from += channels) {
                    for (int o = 0; o < channels; o++) {
                        if (w.trainable) w.grad[from + o] = gsum[from + o] * scale[o];
                        if (gammaTrains) wg[o] += w.value[from + o] * gsum[from + o];
                    }
                }
            }
            if (bias != null && bias.trainable) for (int o = 0; o < channels; o++) bias.grad[o] = colSum[o] * scale[o];
            if (gammaTrains) {
                for (int o = 0; o < channels; o++) {
                    float b = bias == null ? 0f : bias.value[o];
                    bn[0].grad[o] = invStd(o) * (wg[o] + (b - bn[2].value[o]) * colSum[o]);
                    bn[1].grad[o] = colSum[o];
                }
            }
        }

        boolean needsWeightProducts() {
            return w.trainable || (bn != null && bn[0].trainable);
        }
    }

    /** 1x1 convolution or dense layer (+ batch norm, + activation): one sgemm each way. */
    private static final class Conv extends Normalized {
        final int cin;
        final int cout;
        final boolean dense;
        final boolean oneDnn;
        FloatBuffer folded; // [out][in], scale folded in

        Conv(String in, String out, Param w, Param bias, Param[] bn, double eps, Activation act, boolean dense, boolean oneDnn) {
            super(in, out, w, bias, bn, eps, act);
            this.dense = dense;
            this.oneDnn = oneDnn;
            this.cout = bias != null ? bias.value.length : bn != null ? bn[0].value.length : -1;
            if (cout <= 0) throw new IllegalArgumentException(out + ": cannot tell the number of outputs");
            this.cin = w.value.length / cout;
        }

        @Override
        void fold() {
            foldNorm(cout);
            float[] f = new float[cout * cin];
            for (int o = 0; o < cout; o++) {
                for (int i = 0; i < cin; i++) f[o * cin + i] = w.value[o * cin + i] * scale[o];
            }
            FastForward.flushDenormals(f);
            if (folded == null) folded = Blas.direct(f.length);
            folded.put(0, f);
        }

        @Override
        Nhwc forward(Run run) {
            Nhwc x = run.acts.get(ins[0]);
            int features = x.h * x.w * x.c;
            if (dense ? features != cin : x.c != cin) throw new IllegalStateException(out + ": expected " + cin + " inputs, got " + (dense ? features : x.c));
            Nhwc y = dense ? run.take(x.n, 1, 1, cout) : run.take(x.n, x.h, x.w, cout);
            int rows = y.pixels();
            Blas.gemm(oneDnn, false, true, rows, cout, cin, x.data, cin, folded, cin, 0f, y.data, cout);
            if (act == Activation.SIGMOID || act == Activation.SOFTMAX) {
                float[] r = new float[cout];
                for (int n = 0; n < rows; n++) {
                    y.data.get(n * cout, r);
                    act.apply(r, 0, cout, shift);
                    y.data.put(n * cout, r);
                }
            } else {
                float[] tiled = NhwcKernels.tile(shift, RowChunks.blockRows(cout));
                RowChunks.forEach(rows, cout, (r0, count, ch) -> {
                    float[] buf = Scratch.get(0, count * cout);
                    y.data.get(r0 * cout, buf, 0, count * cout);
                    act.applyTiled(buf, count * cout, tiled);
                    y.data.put(r0 * cout, buf, 0, count * cout);
                });
            }
            return y;
        }

        @Override
        void backward(Run run, FloatBuffer g) {
            Nhwc x = run.acts.get(ins[0]), a = run.acts.get(out);
            int rows = a.pixels();
            int parts = RowChunks.count(rows, cout);
            float[][] sums = new float[parts][cout];
            RowChunks.forEach(rows, cout, (r0, count, ch) -> {
                int len = count * cout;
                float[] gr = Scratch.get(0, len);
                g.get(r0 * cout, gr, 0, len);
                if (act.masks()) {
                    float[] ar = Scratch.get(1, len);
                    a.data.get(r0 * cout, ar, 0, len);
                    act.mask(gr, ar, len);
                    g.put(r0 * cout, gr, 0, len);
                }
                float[] s = sums[ch];
                for (int r = 0; r < count; r++) {
                    int off = r * cout;
                    for (int o = 0; o < cout; o++) s[o] += gr[off + o];
                }
            });
            float[] colSum = new float[cout];
            for (float[] s : sums) for (int o = 0; o < cout; o++) colSum[o] += s[o];
            if (needsWeightProducts()) {
                FloatBuffer prod = run.pool.take(cout * cin);
                Blas.gemm(oneDnn, true, false, cout, cin, rows, g, cout, x.data, cin, 0f, prod, cin);
                float[] gsum = new float[cout * cin];
                prod.get(0, gsum);
                run.pool.give(prod);
                paramGradients(gsum, colSum, cout, cin, true);
            } else if (bias != null && bias.trainable) {
                paramGradients(new float[0], colSum, cout, cin, true);
            }
            if (!gradIn[0]) return;
            boolean[] acc = new boolean[1];
            FloatBuffer dx = run.gradFor(ins[0], rows * cin, acc);
            Blas.gemm(oneDnn, false, false, rows, cin, cout, g, cout, folded, cin, acc[0] ? 1f : 0f, dx, cin);
        }
    }

    /** Depthwise convolution (+ explicit zero padding, + batch norm, + ReLU6), one image per task. */
    private static final class Depthwise extends Normalized {
        final int k;
        final int stride;
        final boolean same;
        final int[] pad;
        final int c;
        final OneDnn.DepthwiseTraining dnn; // null: Java loops
        float[] folded; // [tap][c]

        Depthwise(String in, String out, int k, int stride, boolean same, int[] pad, Param w, Param[] bn, double eps, Activation act, boolean oneDnn) {
            super(in, out, w, null, bn, eps, act);
            this.k = k;
            this.stride = stride;
            this.same = same;
            this.pad = pad;
            this.c = w.value.length / (k * k);
            this.dnn = oneDnn && OneDnn.enabled() && OneDnn.fuses(act) ? new OneDnn.DepthwiseTraining(k, stride, c, act) : null;
        }

        @Override
        void fold() {
            foldNorm(c);
            folded = new float[w.value.length];
            for (int j = 0; j < folded.length; j++) folded[j] = w.value[j] * scale[j % c];
            FastForward.flushDenormals(folded);
        }

        /** Sizes for an input of h x w: padding before, output size, padded input size. */
        private record Geo(int h, int w, int top, int left, int oh, int ow, int ph, int pw) { }

        private Geo geo(int h, int w) {
            FastForward.Window wy = FastForward.Window.of(h, k, stride, same, pad[0], pad[1]);
            FastForward.Window wx = FastForward.Window.of(w, k, stride, same, pad[2], pad[3]);
            return new Geo(h, w, wy.before(), wx.before(), wy.out(), wx.out(), wy.padded(), wx.padded());
        }

        /** Image {@code i} of {@code x} zero-padded into scratch slot {@code slot}: {@code [ph][pw][c]}. */
        private float[] padded(Nhwc x, int i, Geo g, int slot) {
            float[] p = Scratch.zeroed(slot, g.ph * g.pw * c);
            for (int y = 0; y < g.h; y++) x.data.get((i * g.h + y) * g.w * c, p, ((y + g.top) * g.pw + g.left) * c, g.w * c);
            return p;
        }

        /** Inputs of tap (ky, kx) for output row {@code oy}, aligned with the output row: {@code t[ox * c + ch]}. */
        private void gather(float[] p, Geo g, int oy, int ky, int kx, float[] t) {
            int start = ((oy * stride + ky) * g.pw + kx) * c;
            if (stride == 1) {
                System.arraycopy(p, start, t, 0, g.ow * c);
            } else {
                for (int ox = 0; ox < g.ow; ox++) System.arraycopy(p, start + ox * stride * c, t, ox * c, c);
            }
        }

        @Override
        Nhwc forward(Run run) {
            Nhwc x = run.acts.get(ins[0]);
            if (x.c != c) throw new IllegalStateException(out + ": expected " + c + " channels, got " + x.c);
            Geo g = geo(x.h, x.w);
            Nhwc y = run.take(x.n, g.oh, g.ow, c);
            if (dnn != null) {
                dnn.forward(x.data, x.n, x.h, x.w, y.data, g.oh, g.ow, g.top, g.left, folded, shift);
                return y;
            }
            int len = g.ow * c;
            float[][] wt = NhwcKernels.tiledTaps(folded, k * k, c, g.ow);
            float[] shiftRow = NhwcKernels.tile(shift, g.ow);
            IntStream.range(0, x.n).parallel().forEach(i -> {
                float[] p = padded(x, i, g, 0);
                float[] acc = Scratch.get(1, len), t = Scratch.get(2, len);
                for (int oy = 0; oy < g.oh; oy++) {
                    System.arraycopy(shiftRow, 0, acc, 0, len);
                    for (int ky = 0; ky < k; ky++) {
                        for (int kx = 0; kx < k; kx++) {
                            gather(p, g, oy, ky, kx, t);
                            NhwcKernels.multiplyAdd(acc, t, wt[ky * k + kx], len);
                        }
                    }
                    act.applyTiled(acc, len, null);
                    y.data.put((i * g.oh + oy) * len, acc, 0, len);
                }
            });
            return y;
        }

        /** The oneDNN backward: mask, then data and weight gradients as two primitives. */
        private void backwardOnOneDnn(Run run, FloatBuffer g, Nhwc x, Nhwc a, Geo geo) {
            if (act.masks()) {
                RowChunks.forEach(a.pixels(), c, (r0, count, ch) -> {
                    int from = r0 * c, size = count * c;
                    float[] gr = Scratch.get(0, size), ar = Scratch.get(1, size);
                    g.get(from, gr, 0, size);
                    a.data.get(from, ar, 0, size);
                    act.mask(gr, ar, size);
                    g.put(from, gr, 0, size);
                });
            }
            boolean[] acc = new boolean[1];
            FloatBuffer dx = gradIn[0] ? run.gradFor(ins[0], x.n * x.h * x.w * c, acc) : null;
            FloatBuffer target = dx != null && acc[0] ? run.pool.take(x.n * x.h * x.w * c) : dx;
            float[] gsum = new float[k * k * c], colSum = new float[c];
            dnn.backward(x.data, x.n, x.h, x.w, g, geo.oh, geo.ow, geo.top, geo.left, folded, target, gsum, colSum);
            if (target != dx) {
                addInto(dx, target, x.n * x.h * x.w * c, true);
                run.pool.give(target);
            }
            paramGradients(gsum, colSum, c, 1, false);
        }

        @Override
        void backward(Run run, FloatBuffer g) {
            Nhwc x = run.acts.get(ins[0]), a = run.acts.get(out);
            Geo geo = geo(x.h, x.w);
            if (dnn != null) {
                backwardOnOneDnn(run, g, x, a, geo);
                return;
            }
            int len = geo.ow * c, taps = k * k, n = x.n;
            boolean needX = gradIn[0];
            float[][] wt = NhwcKernels.tiledTaps(folded, k * k, c, geo.ow);
            float[][] perImageG = new float[n][];
            float[][] perImageS = new float[n][];
            boolean[] acc = new boolean[1];
            FloatBuffer dx = needX ? run.gradFor(ins[0], n * geo.h * geo.w * c, acc) : null;
            boolean add = acc[0];
            IntStream.range(0, n).parallel().forEach(i -> {
                float[] p = padded(x, i, geo, 0);
                float[] dp = needX ? Scratch.zeroed(3, geo.ph * geo.pw * c) : null;
                float[] er = Scratch.get(1, len), t = Scratch.get(2, len), ar = Scratch.get(4, len);
                float[][] dwt = new float[taps][len];
                float[] cs = new float[len];
                for (int oy = 0; oy < geo.oh; oy++) {
                    int base = (i * geo.oh + oy) * len;
                    g.get(base, er, 0, len);
                    if (act.masks()) {
                        a.data.get(base, ar, 0, len);
                        act.mask(er, ar, len);
                    }
                    for (int j = 0; j < len; j++) cs[j] += er[j];
                    for (int ky = 0; ky < k; ky++) {
                        for (int kx = 0; kx < k; kx++) {
                            int tap = ky * k + kx;
                            gather(p, geo, oy, ky, kx, t);
                            NhwcKernels.multiplyAdd(dwt[tap], er, t, len);
                            if (!needX) continue;
                            float[] wr = wt[tap];
                            int start = ((oy * stride + ky) * geo.pw + kx) * c;
                            if (stride == 1) { // aligned copy, multiply-add, copy back: loops HotSpot vectorises
                                System.arraycopy(dp, start, t, 0, len);
                                NhwcKernels.multiplyAdd(t, er, wr, len);
                                System.arraycopy(t, 0, dp, start, len);
                            } else {
                                for (int ox = 0; ox < geo.ow; ox++) {
                                    int d = start + ox * stride * c, o = ox * c;
                                    for (int ch = 0; ch < c; ch++) dp[d + ch] += er[o + ch] * wr[o + ch];
                                }
                            }
                        }
                    }
                }
                float[] gi = new float[taps * c], si = new float[c];
                for (int ox = 0; ox < geo.ow; ox++) {
                    int o = ox * c;
                    for (int tap = 0; tap < taps; tap++) {
                        float[] d = dwt[tap];
                        int to = tap * c;
                        for (int ch = 0; ch < c; ch++) gi[to + ch] += d[o + ch];
                    }
                    for (int ch = 0; ch < c; ch++) si[ch] += cs[o + ch];
                }
                perImageG[i] = gi;
                perImageS[i] = si;
                if (needX) {
                    int rowLen = geo.w * c;
                    float[] cur = Scratch.get(5, rowLen);
                    for (int y = 0; y < geo.h; y++) {
                        int src = ((y + geo.top) * geo.pw + geo.left) * c, dst = (i * geo.h + y) * rowLen;
                        if (add) {
                            dx.get(dst, cur, 0, rowLen);
                            for (int j = 0; j < rowLen; j++) cur[j] += dp[src + j];
                            dx.put(dst, cur, 0, rowLen);
                        } else {
                            dx.put(dst, dp, src, rowLen);
                        }
                    }
                }
            });
            float[] gsum = new float[taps * c], colSum = new float[c];
            for (int i = 0; i < n; i++) { // image order: reproducible sums
                for (int j = 0; j < gsum.length; j++) gsum[j] += perImageG[i][j];
                for (int j = 0; j < c; j++) colSum[j] += perImageS[i][j];
            }
            paramGradients(gsum, colSum, c, 1, false);
        }
    }

    private static final class Add extends Unit {
        Add(String a, String b, String out) {
            super(out, a, b);
        }

        @Override
        Nhwc forward(Run run) {
            Nhwc x = run.acts.get(ins[0]), z = run.acts.get(ins[1]);
            if (x.pixels() * x.c != z.pixels() * z.c) throw new IllegalStateException(out + ": shapes differ");
            Nhwc y = run.take(x.n, x.h, x.w, x.c);
            NhwcKernels.add(x.data, z.data, y.data, x.n * x.h, x.w * x.c);
            return y;
        }

        @Override
        void backward(Run run, FloatBuffer g) {
            Nhwc y = run.acts.get(out);
            int len = y.pixels() * y.c;
            for (int i = 0; i < ins.length; i++) {
                if (!gradIn[i]) continue;
                boolean[] acc = new boolean[1];
                FloatBuffer d = run.gradFor(ins[i], len, acc);
                addInto(d, g, len, acc[0]);
            }
        }
    }

    /** {@code d = (accumulate ? d : 0) + g} over {@code len} floats. */
    private static void addInto(FloatBuffer d, FloatBuffer g, int len, boolean accumulate) {
        if (!accumulate) {
            d.put(0, g, 0, len);
            return;
        }
        RowChunks.forEach(len / 1024 + 1, 1024, (r0, count, ch) -> {
            int from = r0 * 1024, n = Math.min(len, (r0 + count) * 1024) - from;
            if (n <= 0) return;
            float[] p = Scratch.get(0, n), q = Scratch.get(1, n);
            d.get(from, p, 0, n);
            g.get(from, q, 0, n);
            for (int i = 0; i < n; i++) p[i] += q[i];
            d.put(from, p, 0, n);
        });
    }

    private static final class GlobalAvgPool extends Unit {
        GlobalAvgPool(String in, String out) {
            super(out, in);
        }

        @Override
        Nhwc forward(Run run) {
            Nhwc x = run.acts.get(ins[0]);
            int c = x.c, hw = x.h * x.w;
            Nhwc y = run.take(x.n, 1, 1, c);
            NhwcKernels.globalAvgPool(x.data, y.data, x.n, hw, c);
            return y;
        }

        @Override
        void backward(Run run, FloatBuffer g) {
            Nhwc x = run.acts.get(ins[0]);
            int c = x.c, hw = x.h * x.w;
            boolean[] acc = new boolean[1];
            FloatBuffer dx = run.gradFor(ins[0], x.n * hw * c, acc);
            IntStream.range(0, x.n).parallel().forEach(n -> {
                float[] row = Scratch.get(0, c), cur = Scratch.get(1, c);
                g.get(n * c, row, 0, c);
                for (int ch = 0; ch < c; ch++) row[ch] /= hw;
                for (int p = 0; p < hw; p++) {
                    int at = (n * hw + p) * c;
                    if (acc[0]) {
                        dx.get(at, cur, 0, c);
                        for (int ch = 0; ch < c; ch++) cur[ch] += row[ch];
                        dx.put(at, cur, 0, c);
                    } else {
                        dx.put(at, row, 0, c);
                    }
                }
            });
        }
    }
}
