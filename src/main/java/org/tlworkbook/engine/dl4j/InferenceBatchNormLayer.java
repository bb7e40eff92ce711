package org.tlworkbook.engine.dl4j;

import org.tlworkbook.engine.Arrays32;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.stream.IntStream;

/** The layer of {@link InferenceBatchNormalization}: {@code y = gamma * (x - mean) / sqrt(var + eps) + beta} on NCHW floats. */
final class InferenceBatchNormLayer extends BatchNormalization {

    InferenceBatchNormLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private float[] param(String key) {
        return Arrays32.floats(getParam(key));
    }

    private float[] invStd() {
        float[] var = param(BatchNormalizationParamInitializer.GLOBAL_VAR);
        double eps = layerConf().getEps();
        float[] r = new float[var.length];
        for (int i = 0; i < r.length; i++) r[i] = (float) (1 / Math.sqrt(var[i] + eps));
        return r;
    }

    private static int plane(INDArray x) {
        return x.rank() == 4 ? (int) (x.size(2) * x.size(3)) : 1;
    }

    @Override
    public INDArray preOutput(INDArray x, TrainingMode training, LayerWorkspaceMgr mgr) {
        float[] in = Arrays32.floats(x);
        float[] gamma = param(BatchNormalizationParamInitializer.GAMMA), beta = param(BatchNormalizationParamInitializer.BETA);
        float[] mean = param(BatchNormalizationParamInitializer.GLOBAL_MEAN), inv = invStd();
        int c = gamma.length, hw = plane(x), n = (int) x.size(0);
        float[] out = new float[in.length];
        IntStream.range(0, n * c).parallel().forEach(p -> {
            int ch = p % c;
            float scale = gamma[ch] * inv[ch], shift = beta[ch] - mean[ch] * scale;
            for (int i = p * hw, end = i + hw; i < end; i++) out[i] = in[i] * scale + shift;
        });
        return Arrays32.array(mgr, ArrayType.ACTIVATIONS, out, x.shape());
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        return preOutput(input, training ? TrainingMode.TRAIN : TrainingMode.TEST, mgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        float[] e = Arrays32.floats(epsilon), in = Arrays32.floats(input);
        float[] gamma = param(BatchNormalizationParamInitializer.GAMMA);
        float[] mean = param(BatchNormalizationParamInitializer.GLOBAL_MEAN), inv = invStd();
        int c = gamma.length, hw = plane(input), n = (int) input.size(0);
        float[] dx = new float[e.length], dGamma = new float[c], dBeta = new float[c];
        IntStream.range(0, c).parallel().forEach(ch -> {
            float scale = gamma[ch] * inv[ch], mu = mean[ch];
            double g = 0, b = 0;
            for (int i = 0; i < n; i++) { // float sums per plane (vectorised), double across planes
                float gi = 0, bi = 0;
                for (int j = (i * c + ch) * hw, end = j + hw; j < end; j++) {
                    gi += e[j] * (in[j] - mu);
                    bi += e[j];
                    dx[j] = e[j] * scale;
                }
                g += gi;
                b += bi;
            }
            dGamma[ch] = (float) (g * inv[ch]);
            dBeta[ch] = (float) b;
        });
        Gradient gradient = new DefaultGradient();
        JavaLayers.setGradient(gradientViews, gradient, BatchNormalizationParamInitializer.GAMMA, dGamma);
        JavaLayers.setGradient(gradientViews, gradient, BatchNormalizationParamInitializer.BETA, dBeta);
        // the moving statistics stay as they are: a zero "gradient" under their no-op updater
        JavaLayers.setGradient(gradientViews, gradient, BatchNormalizationParamInitializer.GLOBAL_MEAN, new float[c]);
        JavaLayers.setGradient(gradientViews, gradient, BatchNormalizationParamInitializer.GLOBAL_VAR, new float[c]);
        return new Pair<>(gradient, Arrays32.array(mgr, ArrayType.ACTIVATION_GRAD, dx, input.shape()));
    }
}
