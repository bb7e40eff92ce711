package org.tlworkbook.model;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layer of {@link PointwiseConvolution}. With the batch laid out as {@code X[cin, n*h*w]}, the
 * forward pass is {@code Y = W X}, and the backward pass {@code dW = dY X^T}, {@code dX = W^T dY}.
 */
final class PointwiseConvolutionLayer extends org.deeplearning4j.nn.layers.convolution.ConvolutionLayer {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    PointwiseConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private void check() {
        var c = layerConf();
        if (c.getKernelSize()[0] != 1 || c.getKernelSize()[1] != 1 || c.getStride()[0] != 1 || c.getStride()[1] != 1
                || c.hasBias() || !(c.getActivationFn() instanceof ActivationIdentity)) {
            throw new IllegalStateException("PointwiseConvolutionLayer needs a 1x1 kernel, stride 1, no bias, identity activation");
        }
    }

    /** {@code [n, c, hw]} to {@code [c, n*hw]} (or back with {@code back}): one block copy per (image, channel). */
    static float[] regroup(float[] a, int n, int c, int hw, boolean back) {
        float[] out = new float[a.length];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                int batched = (i * c + ch) * hw, grouped = ch * n * hw + i * hw;
                if (back) System.arraycopy(a, grouped, out, batched, hw);
                else System.arraycopy(a, batched, out, grouped, hw);
            }
        }
        return out;
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        check();
        long[] s = input.shape();
        int n = (int) s[0], cin = (int) s[1], hw = (int) (s[2] * s[3]);
        float[] w = Arrays32.floats(getParam(ConvolutionParamInitializer.WEIGHT_KEY)); // [cout, cin]
        int cout = w.length / cin;
        float[] x = regroup(Arrays32.floats(input), n, cin, hw, false);
        float[] y = new float[cout * n * hw];
        openblas_nolapack.cblas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, cout, n * hw, cin, 1f, w, cin, x, n * hw, 0f, y, n * hw);
        return new Pair<>(Arrays32.array(mgr, ArrayType.ACTIVATIONS, regroup(y, n, cout, hw, true), n, cout, s[2], s[3]), null);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        return preOutput(training, false, mgr).getFirst();
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        check();
        long[] s = input.shape();
        int n = (int) s[0], cin = (int) s[1], hw = (int) (s[2] * s[3]);
        float[] w = Arrays32.floats(getParam(ConvolutionParamInitializer.WEIGHT_KEY));
        int cout = w.length / cin, cols = n * hw;
        float[] x = regroup(Arrays32.floats(input), n, cin, hw, false);
        float[] e = regroup(Arrays32.floats(epsilon), n, cout, hw, false);
        float[] dw = new float[w.length];
        openblas_nolapack.cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, cout, cin, cols, 1f, e, cols, x, cols, 0f, dw, cin);
        float[] dx = new float[cin * cols];
        openblas_nolapack.cblas_sgemm(ROW_MAJOR, TRANS, NO_TRANS, cin, cols, cout, 1f, w, cin, e, cols, 0f, dx, cols);
        INDArray wGrad = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        wGrad.assign(Nd4j.create(dw, wGrad.shape(), 'c'));
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, wGrad);
        return new Pair<>(gradient, Arrays32.array(mgr, ArrayType.ACTIVATION_GRAD, regroup(dx, n, cin, hw, true), s));
    }
}
