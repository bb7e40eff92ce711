package org.tlworkbook.engine.dl4j;

import org.tlworkbook.engine.Arrays32;
import org.tlworkbook.engine.FastForward;
import org.tlworkbook.engine.NhwcKernels;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.DepthwiseConvolution2DLayer;
import org.deeplearning4j.nn.params.DepthwiseConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.stream.IntStream;

/**
 * Depthwise convolution (depth multiplier 1, no bias, identity activation: the MobileNetV2 layer) on NCHW
 * float activations, forward and backward, one image per task. Each image is copied once into a
 * zero-padded NHWC buffer; every tap then gathers its inputs for a whole output row so that the
 * multiply-adds run over channels with the same index in every array (a loop HotSpot vectorises).
 */
final class FastDepthwiseLayer extends DepthwiseConvolution2DLayer {

    FastDepthwiseLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Geometry of one call: sizes, padding and the zero-padded NHWC image. */
    private record Shape(int n, int c, int h, int w, int k, int s, int top, int left, int oh, int ow, int ph, int pw) {
        static Shape of(long[] in, int k, int s, boolean same) {
            int n = (int) in[0], c = (int) in[1], h = (int) in[2], w = (int) in[3];
            FastForward.Window wy = FastForward.Window.of(h, k, s, same, 0, 0), wx = FastForward.Window.of(w, k, s, same, 0, 0);
            int top = wy.before(), left = wx.before(), oh = wy.out(), ow = wx.out();
            return new Shape(n, c, h, w, k, s, top, left, oh, ow, wy.padded(), wx.padded());
        }

        /** Image {@code i} of NCHW {@code x} as a zero-padded NHWC image {@code [ph][pw][c]}. */
        float[] padNhwc(float[] x, int i) {
            return toPaddedNhwc(x, i * c * h * w, c, h, w, top, left, ph, pw);
        }

        /** Image {@code i} of the NCHW epsilon, padded so that the input gradient is a plain correlation (stride 1). */
        float[] padEpsilonNhwc(float[] e, int i) {
            return toPaddedNhwc(e, i * c * oh * ow, c, oh, ow, k - 1 - top, k - 1 - left,
                    Math.max(h + k - 1, k - 1 - top + oh), Math.max(w + k - 1, k - 1 - left + ow));
        }

        /** The {@code c x rows x cols} NCHW block at {@code base} as a zero-padded NHWC image {@code [ph][pw][c]}. */
        static float[] toPaddedNhwc(float[] x, int base, int c, int rows, int cols, int top, int left, int ph, int pw) {
            float[] p = new float[ph * pw * c];
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < rows; y++) {
                    int src = base + (ch * rows + y) * cols, dst = ((y + top) * pw + left) * c + ch;
                    for (int xx = 0; xx < cols; xx++) p[dst + xx * c] = x[src + xx];
                }
            }
            return p;
        }

        /** Output row {@code oy}, tap (ky, kx) of padded image {@code p}: {@code g[ox * c + ch]}. */
        void gather(float[] p, int oy, int ky, int kx, float[] g) {
            int rowStart = ((oy * s + ky) * pw + kx) * c;
            for (int ox = 0; ox < ow; ox++) System.arraycopy(p, rowStart + ox * s * c, g, ox * c, c);
        }

        /** Weights {@code [k, k, c]} repeated along an output row: one {@code [ow * c]} row per tap. */
        float[][] tiled(float[] wt) {
            return NhwcKernels.tiledTaps(wt, k * k, c, ow);
        }
    }

    private Shape shape() {
        var conf = layerConf();
        if (conf.getKernelSize()[0] != conf.getKernelSize()[1] || conf.getStride()[0] != conf.getStride()[1]
                || conf.getDilation()[0] != 1 || conf.getDilation()[1] != 1 || conf.hasBias()
                || !(conf.getActivationFn() instanceof ActivationIdentity)) {
            throw new IllegalStateException("FastDepthwiseLayer supports square kernels and strides, no dilation, bias or activation");
        }
        return Shape.of(input.shape(), conf.getKernelSize()[0], conf.getStride()[0], conf.getConvolutionMode() == ConvolutionMode.Same);
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        Shape g = shape();
        float[] x = Arrays32.floats(input);
        float[][] wt = g.tiled(Arrays32.floats(getParam(DepthwiseConvolutionParamInitializer.WEIGHT_KEY)));
        int rowLen = g.ow * g.c;
        float[] out = new float[g.n * g.c * g.oh * g.ow];
        IntStream.range(0, g.n).parallel().forEach(i -> {
            float[] p = g.padNhwc(x, i);
            float[] acc = new float[rowLen], tap = new float[rowLen];
            int base = i * g.c * g.oh * g.ow;
            for (int oy = 0; oy < g.oh; oy++) {
                java.util.Arrays.fill(acc, 0f);
                for (int ky = 0; ky < g.k; ky++) {
                    for (int kx = 0; kx < g.k; kx++) {
                        g.gather(p, oy, ky, kx, tap);
                        NhwcKernels.multiplyAdd(acc, tap, wt[ky * g.k + kx], rowLen);
                    }
                }
                for (int ox = 0; ox < g.ow; ox++) { // back to NCHW
                    for (int ch = 0; ch < g.c; ch++) out[base + (ch * g.oh + oy) * g.ow + ox] = acc[ox * g.c + ch];
                }
            }
        });
        return new Pair<>(Arrays32.array(mgr, ArrayType.ACTIVATIONS, out, g.n, g.c, g.oh, g.ow), null);
    }

    /**
     * Stride 1: {@code dX[y][x] = sum over (a, b) of E[y + a][x + b] * w[k-1-a][k-1-b]} on the padded epsilon
     * {@code E}, one input row at a time with whole-row gathers, written to NCHW {@code dx} at {@code base}.
     */
    private static void correlateEpsilon(Shape g, float[] ep, float[] w, float[] dx, int base) {
        int epw = Math.max(g.w + g.k - 1, g.k - 1 - g.left + g.ow), len = g.w * g.c;
        float[][] flipped = new float[g.k * g.k][len];
        for (int a = 0; a < g.k; a++) {
            for (int b = 0; b < g.k; b++) {
                int t = (g.k - 1 - a) * g.k + (g.k - 1 - b);
                for (int xx = 0; xx < g.w; xx++) System.arraycopy(w, t * g.c, flipped[a * g.k + b], xx * g.c, g.c);
            }
        }
        float[] acc = new float[len], row = new float[len];
        for (int y = 0; y < g.h; y++) {
            java.util.Arrays.fill(acc, 0f);
            for (int a = 0; a < g.k; a++) {
                for (int b = 0; b < g.k; b++) {
                    System.arraycopy(ep, ((y + a) * epw + b) * g.c, row, 0, len);
                    NhwcKernels.multiplyAdd(acc, row, flipped[a * g.k + b], len);
                }
            }
            for (int xx = 0; xx < g.w; xx++) {
                for (int ch = 0; ch < g.c; ch++) dx[base + (ch * g.h + y) * g.w + xx] = acc[xx * g.c + ch];
            }
        }
    }


    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        return preOutput(training, false, mgr).getFirst();
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        Shape g = shape();
        float[] x = Arrays32.floats(input);
        float[] e = Arrays32.floats(epsilon);
        float[] w = Arrays32.floats(getParam(DepthwiseConvolutionParamInitializer.WEIGHT_KEY));
        float[][] wt = g.tiled(w);
        int rowLen = g.ow * g.c, taps = g.k * g.k;
        float[] dx = new float[g.n * g.c * g.h * g.w];
        float[][] perImage = new float[g.n][]; // weight gradients summed in image order afterwards: reproducible runs
        IntStream.range(0, g.n).parallel().forEach(i -> {
            float[] p = g.padNhwc(x, i);
            float[] dp = g.s == 1 ? null : new float[p.length]; // strided layers scatter their input gradient
            float[][] dwt = new float[taps][rowLen]; // weight gradient, still tiled along the row
            float[] er = new float[rowLen], tap = new float[rowLen];
            int base = i * g.c * g.oh * g.ow;
            for (int oy = 0; oy < g.oh; oy++) {
                for (int ox = 0; ox < g.ow; ox++) { // epsilon row to NHWC
                    for (int ch = 0; ch < g.c; ch++) er[ox * g.c + ch] = e[base + (ch * g.oh + oy) * g.ow + ox];
                }
                for (int ky = 0; ky < g.k; ky++) {
                    for (int kx = 0; kx < g.k; kx++) {
                        int t = ky * g.k + kx;
                        g.gather(p, oy, ky, kx, tap);
                        NhwcKernels.multiplyAdd(dwt[t], er, tap, rowLen);
                        if (g.s == 1) continue; // the input gradient is computed below, as a correlation
                        java.util.Arrays.fill(tap, 0f);
                        NhwcKernels.multiplyAdd(tap, er, wt[t], rowLen);
                        int rowStart = ((oy * g.s + ky) * g.pw + kx) * g.c;
                        for (int ox = 0; ox < g.ow; ox++) {
                            int d = rowStart + ox * g.s * g.c, o = ox * g.c;
                            for (int ch = 0; ch < g.c; ch++) dp[d + ch] += tap[o + ch];
                        }
                    }
                }
            }
            int xBase = i * g.c * g.h * g.w;
            if (g.s == 1) {
                correlateEpsilon(g, g.padEpsilonNhwc(e, i), w, dx, xBase);
            } else {
                for (int ch = 0; ch < g.c; ch++) { // crop the padding, back to NCHW
                    for (int y = 0; y < g.h; y++) {
                        int src = ((y + g.top) * g.pw + g.left) * g.c + ch, dst = xBase + (ch * g.h + y) * g.w;
                        for (int xx = 0; xx < g.w; xx++) dx[dst + xx] = dp[src + xx * g.c];
                    }
                }
            }
            float[] mine = new float[w.length];
            for (int t = 0; t < taps; t++) {
                for (int o = 0; o < rowLen; o++) mine[t * g.c + o % g.c] += dwt[t][o];
            }
            perImage[i] = mine;
        });
        float[] dw = new float[w.length];
        for (float[] part : perImage) for (int j = 0; j < dw.length; j++) dw[j] += part[j];
        Gradient gradient = new DefaultGradient();
        JavaLayers.setGradient(gradientViews, gradient, DepthwiseConvolutionParamInitializer.WEIGHT_KEY, dw);
        return new Pair<>(gradient, Arrays32.array(mgr, ArrayType.ACTIVATION_GRAD, dx, g.n, g.c, g.h, g.w));
    }
}
