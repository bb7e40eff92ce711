package org.tlworkbook.model;

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
 * float activations, forward and backward, one channel plane per task. Each plane is copied once into a
 * zero-padded buffer so the inner loops have no bounds tests.
 */
final class FastDepthwiseLayer extends DepthwiseConvolution2DLayer {

    FastDepthwiseLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Geometry of one call: sizes, padding and the padded plane. */
    private record Shape(int n, int c, int h, int w, int k, int s, int top, int left, int oh, int ow, int ph, int pw) {
        static Shape of(long[] in, int k, int s, boolean same) {
            int n = (int) in[0], c = (int) in[1], h = (int) in[2], w = (int) in[3];
            int oh, ow, top = 0, left = 0;
            if (same) {
                oh = (h + s - 1) / s;
                ow = (w + s - 1) / s;
                top = Math.max((oh - 1) * s + k - h, 0) / 2;
                left = Math.max((ow - 1) * s + k - w, 0) / 2;
            } else {
                oh = (h - k) / s + 1;
                ow = (w - k) / s + 1;
            }
            int ph = Math.max((oh - 1) * s + k, top + h), pw = Math.max((ow - 1) * s + k, left + w);
            return new Shape(n, c, h, w, k, s, top, left, oh, ow, ph, pw);
        }

        /** Copies plane (image i, channel ch) of {@code x} into the zero-padded {@code p}. */
        void pad(float[] x, int i, int ch, float[] p) {
            java.util.Arrays.fill(p, 0, ph * pw, 0f);
            int base = (i * c + ch) * h * w;
            for (int y = 0; y < h; y++) System.arraycopy(x, base + y * w, p, (y + top) * pw + left, w);
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
        float[] wt = Arrays32.floats(getParam(DepthwiseConvolutionParamInitializer.WEIGHT_KEY)); // [k, k, c]
        float[] out = new float[g.n * g.c * g.oh * g.ow];
        IntStream.range(0, g.n * g.c).parallel().forEach(plane -> {
            int i = plane / g.c, ch = plane % g.c;
            float[] p = new float[g.ph * g.pw];
            g.pad(x, i, ch, p);
            float[] kw = new float[g.k * g.k];
            for (int t = 0; t < kw.length; t++) kw[t] = wt[t * g.c + ch];
            int o = plane * g.oh * g.ow;
            for (int oy = 0; oy < g.oh; oy++) {
                for (int ox = 0; ox < g.ow; ox++) {
                    float sum = 0;
                    for (int ky = 0; ky < g.k; ky++) {
                        int row = (oy * g.s + ky) * g.pw + ox * g.s;
                        for (int kx = 0; kx < g.k; kx++) sum += p[row + kx] * kw[ky * g.k + kx];
                    }
                    out[o + oy * g.ow + ox] = sum;
                }
            }
        });
        return new Pair<>(Arrays32.array(mgr, ArrayType.ACTIVATIONS, out, g.n, g.c, g.oh, g.ow), null);
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
        float[] wt = Arrays32.floats(getParam(DepthwiseConvolutionParamInitializer.WEIGHT_KEY));
        float[] dx = new float[g.n * g.c * g.h * g.w];
        float[] dw = new float[wt.length];
        IntStream.range(0, g.c).parallel().forEach(ch -> {
            float[] p = new float[g.ph * g.pw];
            float[] dp = new float[g.ph * g.pw];
            float[] kw = new float[g.k * g.k];
            float[] gw = new float[g.k * g.k];
            for (int t = 0; t < kw.length; t++) kw[t] = wt[t * g.c + ch];
            for (int i = 0; i < g.n; i++) {
                g.pad(x, i, ch, p);
                java.util.Arrays.fill(dp, 0f);
                int o = (i * g.c + ch) * g.oh * g.ow;
                for (int oy = 0; oy < g.oh; oy++) {
                    for (int ox = 0; ox < g.ow; ox++) {
                        float d = e[o + oy * g.ow + ox];
                        if (d == 0f) continue;
                        for (int ky = 0; ky < g.k; ky++) {
                            int row = (oy * g.s + ky) * g.pw + ox * g.s;
                            for (int kx = 0; kx < g.k; kx++) {
                                gw[ky * g.k + kx] += d * p[row + kx];
                                dp[row + kx] += d * kw[ky * g.k + kx];
                            }
                        }
                    }
                }
                int base = (i * g.c + ch) * g.h * g.w;
                for (int y = 0; y < g.h; y++) System.arraycopy(dp, (y + g.top) * g.pw + g.left, dx, base + y * g.w, g.w);
            }
            for (int t = 0; t < gw.length; t++) dw[t * g.c + ch] = gw[t];
        });
        INDArray wGrad = gradientViews.get(DepthwiseConvolutionParamInitializer.WEIGHT_KEY);
        wGrad.assign(org.nd4j.linalg.factory.Nd4j.create(dw, wGrad.shape(), 'c'));
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(DepthwiseConvolutionParamInitializer.WEIGHT_KEY, wGrad);
        return new Pair<>(gradient, Arrays32.array(mgr, ArrayType.ACTIVATION_GRAD, dx, g.n, g.c, g.h, g.w));
    }
}
