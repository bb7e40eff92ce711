package org.tlworkbook.engine.dl4j;

import org.tlworkbook.engine.Arrays32;
import org.tlworkbook.engine.Blas;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;

/**
 * The layer of {@link PointwiseConvolution}. With the batch laid out as {@code X[cin, n*h*w]}, the
 * forward pass is {@code Y = W X}, and the backward pass {@code dW = dY X^T}, {@code dX = W^T dY}.
 * Its products stay on OpenBLAS: this DL4J path is the reference the fast engines are tested against.
 */
final class PointwiseConvolutionLayer extends org.deeplearning4j.nn.layers.convolution.ConvolutionLayer {

    PointwiseConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private void check() {
        PointwiseConvolution.requirePointwise(layerConf()); // a configuration read back from JSON
    }

    /** {@code [n, c, hw]} to {@code [c, n*hw]} (or back with {@code back}): one block copy per (image, channel). */
    static void regroup(FloatBuffer from, FloatBuffer to, int n, int c, int hw, boolean back) {
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                int batched = (i * c + ch) * hw, grouped = ch * n * hw + i * hw;
                if (back) to.put(batched, from, grouped, hw);
                else to.put(grouped, from, batched, hw);
            }
        }
    }

    /** A new workspace array of {@code shape} filled from {@code grouped} ({@code [c, n*hw]}). */
    private static INDArray ungroup(LayerWorkspaceMgr mgr, ArrayType type, FloatBuffer grouped, long[] shape) {
        int n = (int) shape[0], c = (int) shape[1], hw = (int) (shape[2] * shape[3]);
        INDArray out = mgr.createUninitialized(type, DataType.FLOAT, shape, 'c');
        if (out.data().offset() == 0 && !out.isView()) {
            regroup(grouped, out.data().asNioFloat(), n, c, hw, true);
            return out;
        }
        FloatBuffer tmp = FloatBuffer.allocate(n * c * hw);
        regroup(grouped, tmp, n, c, hw, true);
        float[] values = new float[n * c * hw];
        tmp.get(0, values);
        out.assign(Nd4j.create(values, shape, 'c'));
        return out;
    }


    /** Sizes, the weights {@code [cout, cin]} and the regrouped input {@code [cin, n*hw]} in scratch buffers. */
    private record Operands(int n, int cin, int cout, int hw, int cols, FloatBuffer w, FloatBuffer x) { }

    private Operands operands() {
        check();
        long[] s = input.shape();
        int n = (int) s[0], cin = (int) s[1], hw = (int) (s[2] * s[3]), cols = n * hw;
        INDArray wArr = getParam(ConvolutionParamInitializer.WEIGHT_KEY); // [cout, cin, 1, 1]
        int cout = (int) wArr.size(0);
        FloatBuffer w = Arrays32.scratch(0, cout * cin);
        w.put(0, Arrays32.view(wArr), 0, cout * cin);
        FloatBuffer x = Arrays32.scratch(1, cin * cols);
        regroup(Arrays32.view(input), x, n, cin, hw, false);
        return new Operands(n, cin, cout, hw, cols, w, x);
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        Operands o = operands();
        FloatBuffer y = Arrays32.scratch(2, o.cout * o.cols);
        Blas.gemm(false, false, false, o.cout, o.cols, o.cin, o.w, o.cin, o.x, o.cols, 0f, y, o.cols);
        long[] s = input.shape();
        return new Pair<>(ungroup(mgr, ArrayType.ACTIVATIONS, y, new long[]{s[0], o.cout, s[2], s[3]}), null);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        return preOutput(training, false, mgr).getFirst();
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        Operands o = operands();
        int n = o.n, cin = o.cin, cout = o.cout, hw = o.hw, cols = o.cols;
        FloatBuffer w = o.w, x = o.x;
        FloatBuffer e = Arrays32.scratch(2, cout * cols);
        regroup(Arrays32.view(epsilon), e, n, cout, hw, false);
        FloatBuffer dw = Arrays32.scratch(3, cout * cin);
        Blas.gemm(false, false, true, cout, cin, cols, e, cols, x, cols, 0f, dw, cin);
        float[] dwValues = new float[cout * cin];
        dw.get(0, dwValues);
        Blas.gemm(false, true, false, cin, cols, cout, w, cin, e, cols, 0f, x, cols); // dX overwrites the regrouped input
        Gradient gradient = new DefaultGradient();
        JavaLayers.setGradient(gradientViews, gradient, ConvolutionParamInitializer.WEIGHT_KEY, dwValues);
        return new Pair<>(gradient, ungroup(mgr, ArrayType.ACTIVATION_GRAD, x, input.shape()));
    }
}
