package org.tlworkbook.engine;

import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.dnnl.IntMemoryMap;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

/**
 * oneDNN (Intel's deep-learning kernels, which TensorFlow uses on CPUs) for the convolutions of the inference pass
 * and of fast training (whose 1x1 products use oneDNN's sgemm through {@link Blas}).
 * oneDNN picks its kernels from the CPU's features at run time (AVX-512 where there is AVX-512), while ND4J's
 * OpenBLAS 0.3.19 is held to AVX2 kernels on new CPUs ({@code OPENBLAS_CORETYPE=Haswell}). Activations stay
 * NHWC between layers; weights are reordered once into the layout oneDNN prefers. Off with
 * {@code WORKBOOK_ONEDNN=0} or {@code -Dworkbook.onednn=false}, and off by itself where the library cannot load:
 * the Java/OpenBLAS kernels then run, and tests compare the two.
 */
final class OneDnn {
    private static final String PROBLEM = probe();
    private static engine cpu;
    private static stream queue;

    private OneDnn() { }

    private static String probe() {
        String setting = System.getProperty("workbook.onednn", System.getenv("WORKBOOK_ONEDNN"));
        if (setting != null && (setting.equals("0") || setting.equalsIgnoreCase("false"))) return "switched off (WORKBOOK_ONEDNN=0)";
        try {
            cpu = new engine(engine.kind.cpu, 0);
            queue = new stream(cpu);
            return null;
        } catch (Throwable t) {
            return "cannot load oneDNN: " + t;
        }
    }

    /** True when convolutions run on oneDNN. */
    static boolean enabled() {
        return PROBLEM == null;
    }

    /** Why oneDNN is not used, or null when it is. */
    static String problem() {
        return PROBLEM;
    }

    /** Whether {@code act} can be fused into a oneDNN convolution as a post-op. */
    static boolean fuses(Activation act) {
        return act == Activation.NONE || act.masks();
    }

    /** One primitive per input shape: batch, height, width and the padding before (each under 8). */
    private static long shapeKey(int n, int h, int w, int top, int left) {
        return (((long) n * 65536 + h) * 65536 + w) * 64 + top * 8 + left;
    }

    /** Padding after, {bottom, right}, for an input h x w with {top, left} before and an output oh x ow. */
    private static long[] paddingAfter(int k, int stride, int h, int w, int oh, int ow, int top, int left) {
        return new long[]{Math.max(0, (long) (oh - 1) * stride + k - h - top), Math.max(0, (long) (ow - 1) * stride + k - w - left)};
    }

    /** The activation as a post-op of the primitive before it. */
    private static primitive_attr activation(Activation act) {
        primitive_attr attr = new primitive_attr();
        post_ops ops = new post_ops();
        switch (act) {
            case RELU -> ops.append_eltwise(1f, org.bytedeco.dnnl.global.dnnl.algorithm.eltwise_relu, 0f, 0f);
            case RELU6 -> ops.append_eltwise(1f, org.bytedeco.dnnl.global.dnnl.algorithm.eltwise_clip, 0f, 6f);
            case NONE -> { }
            default -> throw new IllegalArgumentException("no oneDNN post-op for " + act);
        }
        attr.set_post_ops(ops);
        return attr;
    }

    /**
     * One convolution layer with bias and activation fused: weights in {@code [(ky, kx, ci), co]} (HWIO) order, or
     * {@code [(ky, kx), c]} for a depthwise one; NHWC input and output; padding may be asymmetric (Keras' 'same' with
     * stride 2). One primitive per input shape.
     */
    static final class Conv {
        private final int k, stride, cin, cout, groups;
        private final FloatBuffer weightsHwio;
        private final float[] bias;
        private final Activation act;
        private final Map<Long, Compiled> byShape = new HashMap<>();

        /** {@code biasData} is held here because oneDNN's memory does not keep the Java object that owns its bytes alive. */
        private record Compiled(convolution_forward primitive, memory weights, memory bias, FloatPointer biasData, memory.desc src, memory.desc dst) { }

        Conv(int k, int stride, int cin, int cout, FloatBuffer weightsHwio, float[] bias, Activation act) {
            this(k, stride, cin, cout, 1, weightsHwio, bias, act);
        }

        /** A depthwise convolution over {@code c} channels, weights in {@code [(ky, kx), c]} order (Keras'). */
        static Conv depthwise(int k, int stride, int c, FloatBuffer weights, float[] bias, Activation act) {
            return new Conv(k, stride, c, c, c, weights, bias, act);
        }

        private Conv(int k, int stride, int cin, int cout, int groups, FloatBuffer weightsHwio, float[] bias, Activation act) {
            this.groups = groups;
            this.k = k;
            this.stride = stride;
            this.cin = cin;
            this.cout = cout;
            this.weightsHwio = weightsHwio; // direct, shared with the Java path: wrapped, not copied
            this.bias = bias.clone();
            this.act = act;
        }

        /** y (n, oh, ow, cout) = act(conv(x (n, h, w, cin)) + bias), padding {top, left} before and what is needed after. */
        void run(FloatBuffer x, int n, int h, int w, FloatBuffer y, int oh, int ow, int top, int left) {
            Compiled c;
            synchronized (byShape) {
                c = byShape.computeIfAbsent(shapeKey(n, h, w, top, left), unused -> compile(n, h, w, oh, ow, top, left));
            }
            try (memory src = new memory(c.src(), cpu, new FloatPointer(x));
                 memory dst = new memory(c.dst(), cpu, new FloatPointer(y))) {
                synchronized (OneDnn.class) {
                    c.primitive().execute(queue, new IntMemoryMap().put(DNNL_ARG_SRC, src).put(DNNL_ARG_WEIGHTS, c.weights())
                            .put(DNNL_ARG_BIAS, c.bias()).put(DNNL_ARG_DST, dst));
                    queue._wait();
                }
            }
        }

        private Compiled compile(int n, int h, int w, int oh, int ow, int top, int left) {
            memory.desc src = new memory.desc(new long[]{n, cin, h, w}, memory.data_type.f32, memory.format_tag.nhwc);
            memory.desc dst = new memory.desc(new long[]{n, cout, oh, ow}, memory.data_type.f32, memory.format_tag.nhwc);
            long[] weightDims = groups == 1 ? new long[]{cout, cin, k, k} : new long[]{groups, cout / groups, cin / groups, k, k};
            memory.desc anyWeights = new memory.desc(weightDims, memory.data_type.f32, memory.format_tag.any);
            memory.desc biasDesc = new memory.desc(new long[]{cout}, memory.data_type.f32, memory.format_tag.x);
            convolution_forward.desc desc = new convolution_forward.desc(org.bytedeco.dnnl.global.dnnl.prop_kind.forward_inference,
                    org.bytedeco.dnnl.global.dnnl.algorithm.convolution_direct, src, anyWeights, biasDesc, dst,
                    new long[]{stride, stride}, new long[]{top, left}, paddingAfter(k, stride, h, w, oh, ow, top, left));
            primitive_attr attr = activation(act);
            convolution_forward.primitive_desc pd = new convolution_forward.primitive_desc(desc, attr, cpu);
            memory userWeights = new memory(new memory.desc(weightDims, memory.data_type.f32, groups == 1 ? memory.format_tag.hwio : memory.format_tag.hwigo),
                    cpu, new FloatPointer(weightsHwio));
            memory weights = new memory(pd.weights_desc(), cpu);
            synchronized (OneDnn.class) {
                new reorder(userWeights, weights).execute(queue, userWeights, weights);
                queue._wait();
            }
            FloatPointer biasData = new FloatPointer(bias);
            memory biasMemory = new memory(biasDesc, cpu, biasData);
            return new Compiled(new convolution_forward(pd), weights, biasMemory, biasData, src, dst);
        }
    }

    /**
     * A depthwise convolution that trains (fast training's): forward with bias and activation fused, backward data,
     * and backward weights with the bias gradient. Its weights change every step, so each call takes them in
     * Keras' {@code [(ky, kx), c]} order and reorders them (a few thousand floats) into oneDNN's layout.
     */
    static final class DepthwiseTraining {
        private final int k, stride, c;
        private final Activation act;
        private final Map<Long, Compiled> byShape = new HashMap<>();

        private record Compiled(convolution_forward forward, convolution_backward_data data, convolution_backward_weights weights,
                                memory.desc src, memory.desc dst, memory userWeights, FloatPointer userWeightsData,
                                memory forwardWeights, memory dataWeights, memory diffWeights, memory userDiffWeights,
                                FloatPointer userDiffWeightsData, memory bias, FloatPointer biasData, memory diffBias,
                                FloatPointer diffBiasData) { }

        DepthwiseTraining(int k, int stride, int c, Activation act) {
            this.k = k;
            this.stride = stride;
            this.c = c;
            this.act = act;
        }

        /** y (n, oh, ow, c) = act(depthwise(x (n, h, w, c), weights) + bias), padding {top, left} before. */
        void forward(FloatBuffer x, int n, int h, int w, FloatBuffer y, int oh, int ow, int top, int left, float[] weights, float[] bias) {
            Compiled p = compiled(n, h, w, oh, ow, top, left);
            p.biasData().put(bias);
            try (memory src = new memory(p.src(), cpu, new FloatPointer(x));
                 memory dst = new memory(p.dst(), cpu, new FloatPointer(y))) {
                synchronized (OneDnn.class) {
                    setWeights(p, weights, p.forwardWeights());
                    p.forward().execute(queue, new IntMemoryMap().put(DNNL_ARG_SRC, src).put(DNNL_ARG_WEIGHTS, p.forwardWeights())
                            .put(DNNL_ARG_BIAS, p.bias()).put(DNNL_ARG_DST, dst));
                    queue._wait();
                }
            }
        }

        /**
         * From the gradient {@code dy} after the activation's mask: {@code dx} (when not null) through {@code weights},
         * {@code weightGrad[(ky, kx) * c + ch]} = sum of dy times the input each weight meets, {@code biasGrad[ch]} = sum of dy.
         */
        void backward(FloatBuffer x, int n, int h, int w, FloatBuffer dy, int oh, int ow, int top, int left, float[] weights,
                      FloatBuffer dx, float[] weightGrad, float[] biasGrad) {
            Compiled p = compiled(n, h, w, oh, ow, top, left);
            try (memory src = new memory(p.src(), cpu, new FloatPointer(x));
                 memory diffDst = new memory(p.dst(), cpu, new FloatPointer(dy))) {
                synchronized (OneDnn.class) {
                    p.weights().execute(queue, new IntMemoryMap().put(DNNL_ARG_SRC, src).put(DNNL_ARG_DIFF_DST, diffDst)
                            .put(DNNL_ARG_DIFF_WEIGHTS, p.diffWeights()).put(DNNL_ARG_DIFF_BIAS, p.diffBias()));
                    new reorder(p.diffWeights(), p.userDiffWeights()).execute(queue, p.diffWeights(), p.userDiffWeights());
                    if (dx != null) {
                        setWeights(p, weights, p.dataWeights());
                        try (memory diffSrc = new memory(p.src(), cpu, new FloatPointer(dx))) {
                            p.data().execute(queue, new IntMemoryMap().put(DNNL_ARG_DIFF_DST, diffDst).put(DNNL_ARG_WEIGHTS, p.dataWeights())
                                    .put(DNNL_ARG_DIFF_SRC, diffSrc));
                        }
                    }
                    queue._wait();
                }
            }
            p.userDiffWeightsData().get(weightGrad);
            p.diffBiasData().get(biasGrad);
        }

        private void setWeights(Compiled p, float[] weights, memory target) {
            p.userWeightsData().put(weights);
            new reorder(p.userWeights(), target).execute(queue, p.userWeights(), target);
        }

        private Compiled compiled(int n, int h, int w, int oh, int ow, int top, int left) {
            synchronized (byShape) {
                return byShape.computeIfAbsent(shapeKey(n, h, w, top, left), unused -> compile(n, h, w, oh, ow, top, left));
            }
        }

        private Compiled compile(int n, int h, int w, int oh, int ow, int top, int left) {
            long[] strides = {stride, stride}, before = {top, left}, after = paddingAfter(k, stride, h, w, oh, ow, top, left);
            memory.desc src = new memory.desc(new long[]{n, c, h, w}, memory.data_type.f32, memory.format_tag.nhwc);
            memory.desc dst = new memory.desc(new long[]{n, c, oh, ow}, memory.data_type.f32, memory.format_tag.nhwc);
            long[] weightDims = {c, 1, 1, k, k};
            memory.desc anyWeights = new memory.desc(weightDims, memory.data_type.f32, memory.format_tag.any);
            memory.desc plainWeights = new memory.desc(weightDims, memory.data_type.f32, memory.format_tag.hwigo);
            memory.desc biasDesc = new memory.desc(new long[]{c}, memory.data_type.f32, memory.format_tag.x);
            var direct = org.bytedeco.dnnl.global.dnnl.algorithm.convolution_direct;
            convolution_forward.desc fd = new convolution_forward.desc(org.bytedeco.dnnl.global.dnnl.prop_kind.forward_training,
                    direct, src, anyWeights, biasDesc, dst, strides, before, after);
            primitive_attr attr = activation(act);
            convolution_forward.primitive_desc fpd = new convolution_forward.primitive_desc(fd, attr, cpu);
            convolution_backward_data.primitive_desc dpd = new convolution_backward_data.primitive_desc(
                    new convolution_backward_data.desc(direct, src, anyWeights, dst, strides, before, after), cpu, fpd);
            convolution_backward_weights.primitive_desc wpd = new convolution_backward_weights.primitive_desc(
                    new convolution_backward_weights.desc(direct, src, anyWeights, biasDesc, dst, strides, before, after), cpu, fpd);
            FloatPointer userWeightsData = new FloatPointer((long) k * k * c);
            FloatPointer userDiffData = new FloatPointer((long) k * k * c);
            FloatPointer biasData = new FloatPointer(c);
            FloatPointer diffBiasData = new FloatPointer(c);
            return new Compiled(new convolution_forward(fpd), new convolution_backward_data(dpd), new convolution_backward_weights(wpd),
                    src, dst, new memory(plainWeights, cpu, userWeightsData), userWeightsData,
                    new memory(fpd.weights_desc(), cpu), new memory(dpd.weights_desc(), cpu), new memory(wpd.diff_weights_desc(), cpu),
                    new memory(plainWeights, cpu, userDiffData), userDiffData, new memory(biasDesc, cpu, biasData), biasData,
                    new memory(wpd.diff_bias_desc(), cpu, diffBiasData), diffBiasData);
        }
    }
}
