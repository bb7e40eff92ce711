package org.tlworkbook.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Inference-only forward pass over a Keras layer list, for the layers that do not train (and for
 * prediction). DL4J M2.1's CPU depthwise convolution, 3x3 convolution and batch norm are 10-30x slower
 * than they could be and its native memory grows to gigabytes, so frozen layers run here instead:
 * activations are NHWC (channels contiguous), batch norm is folded into the preceding convolution,
 * every convolution, depthwise ones included, is one oneDNN primitive with bias and ReLU/ReLU6 fused
 * ({@link OneDnn}; without it, one OpenBLAS sgemm over the whole batch, 3x3 ones through im2col, and
 * depthwise convolutions as plain Java loops over channel rows), and
 * activation buffers are reused across layers and batches. Results equal the DL4J graph's
 * {@code outputSingle(false, x)} to float rounding (checked by tests).
 *
 * <p>A compiled pass is a snapshot of the weights it was given; compile again after training. Not
 * thread-safe: one {@link #output} at a time.
 */
public final class FastForward {
    private static final int IM2COL_ROWS = 4096;

    private final List<Step> steps;
    private final String inputName;
    private final String outputName;
    private final Map<String, Integer> lastUse;
    private final BufferPool pool = new BufferPool();
    private final StepTimes timings = new StepTimes();

    private final List<String> kept;

    private FastForward(List<Step> steps, String inputName, String outputName, Map<String, Integer> lastUse, List<String> kept) {
        this.kept = kept;
        this.steps = steps;
        this.inputName = inputName;
        this.outputName = outputName;
        this.lastUse = lastUse;
    }

    /** Whether every layer in {@code layers} has a fast implementation (otherwise use the DL4J graph). */
    public static boolean supports(List<KerasLayer> layers) {
        for (KerasLayer k : layers) {
            if (k instanceof KerasLayer.Depthwise d && d.kernel() != 3 && d.kernel() != 1) return false;
            if (k instanceof KerasLayer.Dense d && !List.of("relu", "sigmoid", "softmax", "linear").contains(d.activationName())) return false;
        }
        return !layers.isEmpty() && layers.get(0).kind() == KerasLayer.Kind.INPUT;
    }

    /**
     * Compiles {@code layers} (starting with the input layer, in Keras order; the last layer is the
     * output) with the weights in {@code params} (DL4J keys such as {@code Conv1_W}, {@code bn_Conv1_mean}).
     */
    public static FastForward compile(List<KerasLayer> layers, Map<String, INDArray> params) {
        return compile(layers, params, List.of());
    }

    /**
     * As {@link #compile(List, Map)}, also returning the activations of the layers in {@code keep} from
     * {@link #outputs} where fusion leaves them whole (the output of a convolution's batch norm or ReLU6, an
     * add, a pooling); {@link #kept()} tells which.
     */
    public static FastForward compile(List<KerasLayer> layers, Map<String, INDArray> params, List<String> keep) {
        return compile(layers, params, keep, OneDnn.enabled());
    }

    /** {@code oneDnn} false forces the Java/OpenBLAS convolutions (the oracle the oneDNN path is tested against). */
    static FastForward compile(List<KerasLayer> layers, Map<String, INDArray> params, List<String> keep, boolean oneDnn) {
        if (!supports(layers)) throw new IllegalArgumentException("layers not supported by the fast forward pass");
        Map<String, String> alias = new HashMap<>();
        List<Step> steps = new ArrayList<>();
        for (Fusion u : Fusion.plan(layers)) {
            KerasLayer k = u.op();
            String in = k.inputs().isEmpty() ? null : resolve(alias, u.input());
            Step step = switch (k.kind()) {
                case CONV -> Conv.of((KerasLayer.Conv) k, u.bn(), params, u.activation(), u.padding(), in, u.output(), oneDnn);
                case DEPTHWISE -> Depthwise.of((KerasLayer.Depthwise) k, u.bn(), params, u.activation(), u.padding(), in, u.output(), oneDnn);
                case ZERO_PAD -> new Pad(((KerasLayer.ZeroPad) k).padding(), in, k.name());
                case BATCH_NORM -> {
                    float[][] ss = batchNorm((KerasLayer.BatchNorm) k, params, null);
                    yield new Affine(ss[0], ss[1], Activation.NONE, in, k.name());
                }
                case RELU6 -> new Affine(null, null, Activation.RELU6, in, k.name());
                case RELU -> new Affine(null, null, Activation.RELU, in, k.name());
                case ADD -> new Add(resolve(alias, k.inputs().get(0)), resolve(alias, k.inputs().get(1)), k.name());
                case MAX_POOL -> new MaxPool(((KerasLayer.MaxPool) k).pool(), ((KerasLayer.MaxPool) k).stride(), in, k.name());
                case GLOBAL_AVG_POOL -> new GlobalAvgPool(in, k.name());
                case FLATTEN -> new Flatten(in, k.name());
                case DENSE -> Dense.of((KerasLayer.Dense) k, params, in);
                case DROPOUT -> null; // identity at inference: later layers read its input
                case INPUT -> throw new IllegalArgumentException("second input layer " + k.name());
            };
            if (step != null) steps.add(step);
            else alias.put(k.name(), in);
        }
        String output = resolve(alias, layers.get(layers.size() - 1).name());
        java.util.Set<String> keepSet = new java.util.HashSet<>(keep);
        deferIntoDepthwise(steps, output, keepSet);
        List<String> kept = new ArrayList<>();
        for (Step st : steps) if (keepSet.contains(st.output())) kept.add(st.output());
        Map<String, Integer> lastUse = new HashMap<>();
        for (int s = 0; s < steps.size(); s++) for (String in : steps.get(s).inputs()) lastUse.put(in, s);
        return new FastForward(List.copyOf(steps), layers.get(0).name(), output, lastUse, List.copyOf(kept));
    }

    /**
     * A convolution whose only reader is a depthwise convolution leaves its bias and activation to
     * that reader, which applies them to each row as it loads it: one pass less over the largest
     * activations of the network (the expanded ones).
     */
    private static void deferIntoDepthwise(List<Step> steps, String output, java.util.Set<String> keep) {
        Map<String, Integer> readers = new HashMap<>();
        for (Step st : steps) for (String in : st.inputs()) readers.merge(in, 1, Integer::sum);
        for (int i = 0; i < steps.size(); i++) {
            if (!(steps.get(i) instanceof Conv conv) || conv.dnn != null || conv.out.equals(output) || keep.contains(conv.out) || !Integer.valueOf(1).equals(readers.get(conv.out))) continue;
            for (int j = i + 1; j < steps.size(); j++) {
                if (steps.get(j) instanceof Depthwise dw && dw.in.equals(conv.out) && dw.inBias == null) {
                    steps.set(i, conv.withDeferredEpilogue());
                    steps.set(j, dw.withInputEpilogue(conv.bias, conv.act));
                }
            }
        }
    }

    private static String resolve(Map<String, String> alias, String name) {
        while (alias.containsKey(name)) name = alias.get(name);
        return name;
    }

    /**
     * A prediction function over a snapshot of {@code graph}'s current weights for {@code layers}: this fast
     * pass where every layer kind allows, else the DL4J graph itself. Take a new one after training.
     */
    public static java.util.function.UnaryOperator<INDArray> inference(List<KerasLayer> layers, org.deeplearning4j.nn.graph.ComputationGraph graph) {
        if (!supports(layers)) return x -> graph.outputSingle(false, x);
        return compile(layers, graph.paramTable())::output;
    }

    /** Number of fused steps (fewer than layers: batch norms and activations disappear into convolutions). */
    public int stepCount() {
        return steps.size();
    }

    /**
     * The output of the last layer for NCHW images {@code [n, 3, h, w]} (or, for a list starting after
     * pooling, features {@code [n, c]}): NCHW {@code [n, c, h', w']} for
     * convolutional outputs, {@code [n, units]} after pooling, flattening or dense layers.
     */
    public synchronized INDArray output(INDArray images) {
        return outputs(images)[0];
    }

    /** Names of the intermediate layers whose activations {@link #outputs} returns after the output. */
    public List<String> kept() {
        return kept;
    }

    /** The output as {@link #output} gives it, then the activation of each {@link #kept()} layer (NCHW). */
    public synchronized INDArray[] outputs(INDArray images) {
        if (images.rank() != 4 && images.rank() != 2) {
            throw new IllegalArgumentException("expected NCHW images [n, c, h, w] or features [n, c], got " + images.shapeInfoToString());
        }
        boolean flat = images.rank() == 2;
        int n = (int) images.size(0), c = (int) images.size(1);
        int h = flat ? 1 : (int) images.size(2), w = flat ? 1 : (int) images.size(3);
        Nhwc input = new Nhwc(pool.take(n * h * w * c), n, h, w, c, flat);
        Arrays32.toNhwc(images, input.data);
        Map<String, Nhwc> live = new HashMap<>();
        live.put(inputName, input);
        try {
            for (int s = 0; s < steps.size(); s++) {
                Step step = steps.get(s);
                Nhwc[] ins = new Nhwc[step.inputs().length];
                for (int i = 0; i < ins.length; i++) {
                    ins[i] = live.get(step.inputs()[i]);
                    if (ins[i] == null) throw new IllegalStateException("no activation for " + step.inputs()[i]);
                }
                long t0 = System.nanoTime();
                live.put(step.output(), step.run(ins, pool));
                timings.add(step.getClass().getSimpleName(), t0);
                for (String in : step.inputs()) {
                    if (lastUse.get(in) == s && !in.equals(outputName) && !kept.contains(in)) {
                        Nhwc t = live.remove(in);
                        if (t != null && !live.containsValue(t)) pool.give(t.data);
                    }
                }
            }
            INDArray[] result = new INDArray[1 + kept.size()];
            result[0] = live.get(outputName).toNchw();
            for (int i = 0; i < kept.size(); i++) result[i + 1] = live.get(kept.get(i)).toNchw();
            return result;
        } finally {
            IdentityHashMap<FloatBuffer, Boolean> seen = new IdentityHashMap<>();
            for (Nhwc t : live.values()) if (seen.put(t.data, true) == null) pool.give(t.data);
        }
    }

    /** Milliseconds spent per kind of step since compilation (for benchmarks). */
    public synchronized Map<String, Long> millisByStep() {
        return timings.millis();
    }

    /** Frees the reusable activation buffers (they are reallocated on the next call). */
    public synchronized void release() {
        pool.clear();
    }

    // ---------------------------------------------------------------------------------------------

    /** One fused operation; records name their input {@code in} and output {@code out}. */
    private interface Step {
        String in();

        String out();

        default String[] inputs() {
            return new String[]{in()};
        }

        default String output() {
            return out();
        }

        Nhwc run(Nhwc[] in, BufferPool pool);
    }

    /**
     * One spatial dimension of a convolution window: the zeros before the first input (explicit padding
     * {@code extraBefore}/{@code extraAfter} plus TF 'same' padding), the output size, and the size of a
     * zero-padded copy of the input that every window fits in.
     */
    public record Window(int before, int out, int padded) {
        public static Window of(int in, int k, int s, boolean same, int extraBefore, int extraAfter) {
            int withExtra = in + extraBefore + extraAfter;
            int total = same ? Math.max(((withExtra + s - 1) / s - 1) * s + k - withExtra, 0) : 0;
            int before = total / 2 + extraBefore, out = (withExtra + total - k) / s + 1;
            return new Window(before, out, Math.max((out - 1) * s + k, before + in));
        }
    }

    /** Folded batch norm {scale, shift}, y = z * scale + shift, with a preceding convolution's {@code bias} (or null) inside the shift. */
    private static float[][] batchNorm(KerasLayer.BatchNorm bn, Map<String, INDArray> params, float[] bias) {
        float[] gamma = Params.floats(params, bn.name(), "gamma");
        float[] scale = new float[gamma.length], shift = new float[gamma.length];
        Params.foldBatchNorm(gamma, Params.floats(params, bn.name(), "beta"), Params.floats(params, bn.name(), "mean"),
                Params.floats(params, bn.name(), "var"), bn.epsilon(), bias, scale, shift);
        return new float[][]{scale, shift};
    }

    /**
     * Sets subnormal weights to zero. Pretrained files contain some (e.g. in dead MobileNetV2 channels),
     * and every multiplication with a subnormal float costs ~100 cycles on x86, which Java cannot switch off.
     */
    static int flushDenormals(float[] w) {
        int n = 0;
        for (int i = 0; i < w.length; i++) {
            if (w[i] != 0f && Math.abs(w[i]) < Float.MIN_NORMAL) {
                w[i] = 0f;
                n++;
            }
        }
        return n;
    }

    static FloatBuffer direct(float[] values) {
        FloatBuffer b = Blas.direct(values.length);
        b.put(0, values);
        return b;
    }

    /** C[m, n] = A[m, k] * B[k, n], row-major, all direct buffers; OpenBLAS, as this is the Java path's product. */
    private static void gemm(FloatBuffer a, FloatBuffer b, FloatBuffer c, int m, int n, int k) {
        Blas.gemm(false, false, false, m, n, k, a, k, b, n, 0f, c, n);
    }

    /** Applies bias and activation to every row of {@code t} ({@code rows x cols}) in parallel. */
    private static void epilogue(FloatBuffer t, int rows, int cols, float[] bias, Activation act) {
        if (act == Activation.NONE && bias == null) return;
        float[] tiled = bias == null ? null : NhwcKernels.tile(bias, RowChunks.blockRows(cols));
        RowChunks.forEach(rows, cols, (r0, count, ch) -> {
            float[] buf = Scratch.get(0, count * cols);
            t.get(r0 * cols, buf, 0, count * cols);
            act.applyTiled(buf, count * cols, tiled);
            t.put(r0 * cols, buf, 0, count * cols);
        });
    }

    // ---------------------------------------------------------------------------------------------

    /** Convolution (+ folded batch norm, + activation) as sgemm; k > 1 goes through im2col in row chunks. */
    private record Conv(int k, int stride, boolean same, int[] extraPad, int cin, int cout, FloatBuffer weights,
                        float[] bias, Activation act, String in, String out, boolean deferred, OneDnn.Conv dnn) implements Step {

        Conv withDeferredEpilogue() {
            return new Conv(k, stride, same, extraPad, cin, cout, weights, bias, act, in, out, true, null);
        }

        static Conv of(KerasLayer.Conv k, KerasLayer.BatchNorm bn, Map<String, INDArray> params, Activation act, int[] extra, String in, String out,
                       boolean oneDnn) {
            INDArray w = Params.get(params, k.name(), "W"); // DL4J [out, in, kh, kw]
            int cout = (int) w.size(0), cin = (int) w.size(1), kk = k.kernel();
            float[] wf = Arrays32.floats(w);
            float[] bias = k.bias() ? Params.floats(params, k.name(), "b") : new float[cout];
            float[] scale = null;
            if (bn != null) {
                float[][] ss = batchNorm(bn, params, bias);
                scale = ss[0];
                bias = ss[1];
            }
            float[] mat = new float[kk * kk * cin * cout]; // [(ky, kx, ci), co]
            for (int o = 0; o < cout; o++) {
                float s = scale == null ? 1f : scale[o];
                for (int ci = 0; ci < cin; ci++) {
                    for (int ky = 0; ky < kk; ky++) {
                        for (int kx = 0; kx < kk; kx++) {
                            mat[((ky * kk + kx) * cin + ci) * cout + o] = wf[((o * cin + ci) * kk + ky) * kk + kx] * s;
                        }
                    }
                }
            }
            flushDenormals(mat);
            FloatBuffer weights = direct(mat);
            OneDnn.Conv dnn = oneDnn && OneDnn.enabled() && OneDnn.fuses(act) ? new OneDnn.Conv(kk, k.stride(), cin, cout, weights, bias, act) : null;
            return new Conv(kk, k.stride(), k.samePadding(), extra, cin, cout, weights, bias, act, in, out, false, dnn);
        }

        @Override
        public Nhwc run(Nhwc[] ins, BufferPool pool) {
            Nhwc x = ins[0];
            if (x.c != cin) throw new IllegalStateException(out + ": expected " + cin + " channels, got " + x.c);
            Window wy = Window.of(x.h, k, stride, same, extraPad[0], extraPad[1]);
            Window wx = Window.of(x.w, k, stride, same, extraPad[2], extraPad[3]);
            int top = wy.before(), left = wx.before(), oh = wy.out(), ow = wx.out();
            Nhwc y = new Nhwc(pool.take(x.n * oh * ow * cout), x.n, oh, ow, cout);
            if (dnn != null) {
                dnn.run(x.data, x.n, x.h, x.w, y.data, oh, ow, top, left);
                return y;
            }
            if (k == 1 && stride == 1 && top == 0 && left == 0 && oh == x.h && ow == x.w) {
                gemm(x.data, weights, y.data, x.pixels(), cout, cin);
            } else {
                int kdim = k * k * cin;
                int rows = y.pixels();
                int chunk = Math.min(rows, Math.max(1, IM2COL_ROWS * 64 / Math.max(64, kdim)) * 16);
                FloatBuffer col = pool.take(chunk * kdim);
                try {
                    for (int r0 = 0; r0 < rows; r0 += chunk) {
                        int r1 = Math.min(rows, r0 + chunk);
                        im2col(x, col, r0, r1, oh, ow, top, left, kdim);
                        gemm(col.slice(0, (r1 - r0) * kdim), weights, y.data.slice(r0 * cout, (r1 - r0) * cout),
                                r1 - r0, cout, kdim);
                    }
                } finally {
                    pool.give(col);
                }
            }
            if (!deferred) epilogue(y.data, y.pixels(), cout, bias, act);
            return y;
        }

        private void im2col(Nhwc x, FloatBuffer col, int r0, int r1, int oh, int ow, int top, int left, int kdim) {
            int parts = Math.min(r1 - r0, 64);
            int per = (r1 - r0 + parts - 1) / parts;
            IntStream.range(0, parts).parallel().forEach(p -> {
                int a = r0 + p * per, b = Math.min(r1, a + per);
                if (a >= b) return;
                float[] row = Scratch.get(1, kdim);
                float[] pixel = Scratch.get(2, cin);
                for (int r = a; r < b; r++) {
                    int n = r / (oh * ow), rem = r % (oh * ow), oy = rem / ow, ox = rem % ow;
                    for (int ky = 0; ky < k; ky++) {
                        int iy = oy * stride + ky - top;
                        for (int kx = 0; kx < k; kx++) {
                            int ix = ox * stride + kx - left;
                            int dst = (ky * k + kx) * cin;
                            if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) {
                                java.util.Arrays.fill(row, dst, dst + cin, 0f);
                            } else {
                                x.data.get(((n * x.h + iy) * x.w + ix) * cin, pixel, 0, cin);
                                System.arraycopy(pixel, 0, row, dst, cin);
                            }
                        }
                    }
                    col.put((r - r0) * kdim, row, 0, kdim);
                }
            });
        }
    }

    /**
     * Depthwise convolution (+ folded batch norm, + activation), one output row at a time. With an input
     * epilogue it first applies the producing convolution's bias and activation to each row it loads.
     * Stride-1 taps run as one long loop over a whole row (weights tiled along it), which the JIT vectorises.
     */
    private record Depthwise(int k, int stride, boolean same, int[] extraPad, int c, float[] weights, float[] bias,
                             Activation act, String in, String out, float[] inBias, Activation inAct,
                             Map<Integer, float[][]> tiles, OneDnn.Conv dnn) implements Step {

        static Depthwise of(KerasLayer.Depthwise k, KerasLayer.BatchNorm bn, Map<String, INDArray> params, Activation act, int[] extra, String in, String out,
                            boolean oneDnn) {
            INDArray w = Params.get(params, k.name(), "W"); // DL4J [kh, kw, c, 1], the Keras layout
            if (w.size(3) != 1) throw new IllegalArgumentException(k.name() + ": depth multiplier " + w.size(3) + " is not supported");
            int c = (int) w.size(2);
            float[] wf = Arrays32.floats(w); // [(ky, kx), c]
            float[] bias = new float[c];
            if (bn != null) {
                float[][] ss = batchNorm(bn, params, null);
                for (int i = 0; i < wf.length; i++) wf[i] *= ss[0][i % c];
                bias = ss[1];
            }
            flushDenormals(wf);
            OneDnn.Conv dnn = oneDnn && OneDnn.enabled() && OneDnn.fuses(act) ? OneDnn.Conv.depthwise(k.kernel(), k.stride(), c, direct(wf), bias, act) : null;
            return new Depthwise(k.kernel(), k.stride(), k.samePadding(), extra, c, wf, bias, act, in, out, null, Activation.NONE,
                    new java.util.concurrent.ConcurrentHashMap<>(), dnn);
        }

        Depthwise withInputEpilogue(float[] producerBias, Activation producerAct) {
            return new Depthwise(k, stride, same, extraPad, c, weights, bias, act, in, out, producerBias, producerAct, tiles, null);
        }

        /** Per width: tiled input bias, tiled output bias, then one tiled weight row per tap. */
        private float[][] tiles(int inWidth, int outWidth) {
            return tiles.computeIfAbsent(inWidth * 100_003 + outWidth, key -> {
                float[][] t = new float[2 + k * k][];
                t[0] = inBias == null ? null : NhwcKernels.tile(inBias, inWidth);
                t[1] = NhwcKernels.tile(bias, outWidth);
                System.arraycopy(NhwcKernels.tiledTaps(weights, k * k, c, outWidth), 0, t, 2, k * k);
                return t;
            });
        }

        @Override
        public Nhwc run(Nhwc[] ins, BufferPool pool) {
            Nhwc x = ins[0];
            Window wy = Window.of(x.h, k, stride, same, extraPad[0], extraPad[1]);
            Window wx = Window.of(x.w, k, stride, same, extraPad[2], extraPad[3]);
            int top = wy.before(), left = wx.before(), oh = wy.out(), ow = wx.out();
            Nhwc y = new Nhwc(pool.take(x.n * oh * ow * c), x.n, oh, ow, c);
            if (dnn != null) {
                dnn.run(x.data, x.n, x.h, x.w, y.data, oh, ow, top, left);
                return y;
            }
            int rowLen = x.w * c, outLen = ow * c;
            float[][] t = tiles(x.w, ow);
            int bands = x.n >= 4 ? 1 : 4;
            IntStream.range(0, x.n * bands).parallel().forEach(task -> {
                int n = task / bands, band = task % bands;
                int oy0 = oh * band / bands, oy1 = oh * (band + 1) / bands;
                float[] acc = Scratch.get(0, outLen);
                float[] src = Scratch.get(1, rowLen);
                float[][][] ring = new float[k][k][]; // per loaded input row: its k column-shifted copies
                int[] loaded = new int[k];
                for (int i = 0; i < k; i++) {
                    loaded[i] = -1;
                    for (int kx = 0; kx < k; kx++) ring[i][kx] = Scratch.get(2 + i * k + kx, outLen);
                }
                for (int oy = oy0; oy < oy1; oy++) {
                    System.arraycopy(t[1], 0, acc, 0, outLen);
                    for (int ky = 0; ky < k; ky++) {
                        int iy = oy * stride + ky - top;
                        if (iy < 0 || iy >= x.h) continue;
                        float[][] g = ring[iy % k];
                        if (loaded[iy % k] != iy) { // each input row is loaded, activated and shifted once per task
                            x.data.get((n * x.h + iy) * rowLen, src, 0, rowLen);
                            if (t[0] != null) inAct.applyTiled(src, rowLen, t[0]);
                            shifted(src, g, x.w, ow, left);
                            loaded[iy % k] = iy;
                        }
                        int tap0 = 2 + ky * k;
                        if (k == 3) {
                            tap3(acc, g[0], g[1], g[2], t[tap0], t[tap0 + 1], t[tap0 + 2], outLen);
                        } else {
                            for (int kx = 0; kx < k; kx++) NhwcKernels.multiplyAdd(acc, g[kx], t[tap0 + kx], outLen);
                        }
                    }
                    act.applyTiled(acc, outLen, null);
                    y.data.put((n * oh + oy) * outLen, acc, 0, outLen);
                }
            });
            return y;
        }

        /**
         * {@code g[kx][ox * c + ch]} = input pixel {@code ox * stride + kx - left}, channel {@code ch}, or 0 in the
         * padding: every tap then reads its operand at the same index as the output, a loop shape HotSpot's
         * C2 vectorises (it does not with a variable offset between the arrays).
         */
        private void shifted(float[] src, float[][] g, int w, int ow, int left) {
            for (int kx = 0; kx < k; kx++) {
                float[] dst = g[kx];
                if (stride == 1) {
                    int ox0 = Math.max(0, left - kx), ox1 = Math.min(ow, w + left - kx);
                    java.util.Arrays.fill(dst, 0, ox0 * c, 0f);
                    if (ox1 > ox0) System.arraycopy(src, (ox0 + kx - left) * c, dst, ox0 * c, (ox1 - ox0) * c);
                    java.util.Arrays.fill(dst, Math.max(ox0, ox1) * c, ow * c, 0f);
                } else {
                    for (int ox = 0; ox < ow; ox++) {
                        int ix = ox * stride + kx - left;
                        if (ix < 0 || ix >= w) java.util.Arrays.fill(dst, ox * c, ox * c + c, 0f);
                        else System.arraycopy(src, ix * c, dst, ox * c, c);
                    }
                }
            }
        }


        private static void tap3(float[] acc, float[] a, float[] b, float[] d, float[] w0, float[] w1, float[] w2, int len) {
            for (int i = 0; i < len; i++) acc[i] += a[i] * w0[i] + b[i] * w1[i] + d[i] * w2[i];
        }
    }

    /** Unfused batch norm or standalone ReLU6: per-channel {@code x * scale + shift}, then the activation. */
    private record Affine(float[] scale, float[] shift, Activation act, String in, String out) implements Step {
        @Override
        public Nhwc run(Nhwc[] ins, BufferPool pool) {
            Nhwc x = ins[0];
            Nhwc y = new Nhwc(pool.take(x.length()), x.n, x.h, x.w, x.c);
            int c = x.c;
            IntStream.range(0, x.pixels()).parallel().forEach(p -> {
                float[] row = Scratch.get(0, c);
                x.data.get(p * c, row, 0, c);
                if (scale != null) for (int i = 0; i < c; i++) row[i] *= scale[i];
                act.apply(row, 0, c, shift);
                y.data.put(p * c, row, 0, c);
            });
            return y;
        }
    }

    private record Add(String in, String other, String out) implements Step {
        @Override
        public String[] inputs() {
            return new String[]{in, other};
        }

        @Override
        public Nhwc run(Nhwc[] ins, BufferPool pool) {
            Nhwc x = ins[0], z = ins[1];
            if (x.length() != z.length()) throw new IllegalStateException(out + ": shapes differ");
            Nhwc y = new Nhwc(pool.take(x.length()), x.n, x.h, x.w, x.c);
            NhwcKernels.add(x.data, z.data, y.data, x.n * x.h, x.w * x.c);
            return y;
        }
    }

    private record Pad(int[] padding, String in, String out) implements Step {
        @Override
        public Nhwc run(Nhwc[] ins, BufferPool pool) {
            Nhwc x = ins[0];
            int oh = x.h + padding[0] + padding[1], ow = x.w + padding[2] + padding[3];
            Nhwc y = new Nhwc(pool.take(x.n * oh * ow * x.c), x.n, oh, ow, x.c);
            float[] zeros = new float[ow * x.c];
            for (int n = 0; n < x.n; n++) {
                for (int oy = 0; oy < oh; oy++) {
                    int dst = ((n * oh + oy) * ow) * x.c;
                    y.data.put(dst, zeros, 0, zeros.length);
                    int iy = oy - padding[0];
                    if (iy < 0 || iy >= x.h) continue;
                    float[] row = Scratch.get(0, x.w * x.c);
                    x.data.get((n * x.h + iy) * x.w * x.c, row, 0, x.w * x.c);
                    y.data.put(dst + padding[2] * x.c, row, 0, x.w * x.c);
                }
            }
            return y;
        }
    }

    /** Max pooling with valid padding: 2x2 stride 2 in VGG16 and the small CNN, 3x3 stride 2 in ResNet50. */
    private record MaxPool(int k, int s, String in, String out) implements Step {
        @Override
        public Nhwc run(Nhwc[] ins, BufferPool pool) {
            Nhwc x = ins[0];
            int oh = (x.h - k) / s + 1, ow = (x.w - k) / s + 1, c = x.c, rowLen = x.w * c;
            if (oh < 1 || ow < 1) throw new IllegalStateException(out + ": a " + k + "x" + k + " pool does not fit " + x.h + "x" + x.w);
            Nhwc y = new Nhwc(pool.take(x.n * oh * ow * c), x.n, oh, ow, c);
            IntStream.range(0, x.n * oh).parallel().forEach(r -> {
                int n = r / oh, oy = r % oh;
                float[] a = Scratch.get(0, rowLen), o = Scratch.get(2, ow * c);
                java.util.Arrays.fill(o, 0, ow * c, Float.NEGATIVE_INFINITY);
                for (int ky = 0; ky < k; ky++) {
                    x.data.get((n * x.h + s * oy + ky) * rowLen, a, 0, rowLen);
                    for (int ox = 0; ox < ow; ox++) {
                        for (int kx = 0; kx < k; kx++) {
                            int from = (s * ox + kx) * c, to = ox * c;
                            for (int ch = 0; ch < c; ch++) o[to + ch] = Math.max(o[to + ch], a[from + ch]);
                        }
                    }
                }
                y.data.put(r * ow * c, o, 0, ow * c);
            });
            return y;
        }
    }

    private record GlobalAvgPool(String in, String out) implements Step {
        @Override
        public Nhwc run(Nhwc[] ins, BufferPool pool) {
            Nhwc x = ins[0];
            int c = x.c, hw = x.h * x.w;
            Nhwc y = new Nhwc(pool.take(x.n * c), x.n, 1, 1, c, true);
            NhwcKernels.globalAvgPool(x.data, y.data, x.n, hw, c);
            return y;
        }
    }

    /** DL4J's flattening order (channels, then rows, then columns), which the dense weights were trained with. */
    private record Flatten(String in, String out) implements Step {
        @Override
        public Nhwc run(Nhwc[] ins, BufferPool pool) {
            Nhwc x = ins[0];
            int per = x.h * x.w * x.c, hw = x.h * x.w;
            Nhwc y = new Nhwc(pool.take(x.n * per), x.n, 1, 1, per, true);
            float[] src = new float[per], dst = new float[per];
            for (int n = 0; n < x.n; n++) {
                x.data.get(n * per, src, 0, per);
                for (int p = 0; p < hw; p++) for (int ch = 0; ch < x.c; ch++) dst[ch * hw + p] = src[p * x.c + ch];
                y.data.put(n * per, dst, 0, per);
            }
            return y;
        }
    }

    private record Dense(int units, FloatBuffer weights, float[] bias, Activation act, String in, String out) implements Step {
        static Dense of(KerasLayer.Dense k, Map<String, INDArray> params, String in) {
            INDArray w = Params.get(params, k.name(), "W"); // [in, out]
            return new Dense((int) w.size(1), direct(Arrays32.floats(w)),
                    Params.floats(params, k.name(), "b"), Activation.of(k.activation()), in, k.name());
        }

        @Override
        public Nhwc run(Nhwc[] ins, BufferPool pool) {
            Nhwc x = ins[0];
            int features = x.h * x.w * x.c;
            if ((long) features * units != weights.capacity()) {
                throw new IllegalStateException(out + ": expected " + weights.capacity() / units + " inputs, got " + features);
            }
            Nhwc y = new Nhwc(pool.take(x.n * units), x.n, 1, 1, units, true);
            gemm(x.data, weights, y.data, x.n, units, features);
            float[] row = new float[units];
            for (int n = 0; n < x.n; n++) {
                y.data.get(n * units, row, 0, units);
                act.apply(row, 0, units, bias);
                y.data.put(n * units, row, 0, units);
            }
            return y;
        }
    }
}
