package org.tlworkbook.engine.dl4j;

import org.tlworkbook.engine.Arrays32;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.stream.IntStream;

/**
 * Keras' {@code ReLU(6.)} as a DL4J activation layer computed in Java ({@code min(max(x, 0), 6)}, gradient
 * passed where {@code 0 < x < 6}); libnd4j's version was a tenth of a MobileNetV2 fine-tuning step.
 */
public class Relu6 extends ActivationLayer {

    public Relu6() {
        super(Activation.RELU6);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return JavaLayers.wire(new Impl(conf, networkDataType), initializer(), conf, listeners, layerIndex,
                layerParamsView, initializeParams);
    }

    static final class Impl extends org.deeplearning4j.nn.layers.ActivationLayer {
        private static final int CHUNK = 1 << 14;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
            assertInputSet(false);
            float[] x = Arrays32.floats(input);
            IntStream.range(0, (x.length + CHUNK - 1) / CHUNK).parallel().forEach(c -> {
                for (int i = c * CHUNK, end = Math.min(x.length, i + CHUNK); i < end; i++) x[i] = Math.min(Math.max(x[i], 0f), 6f);
            });
            return Arrays32.array(mgr, ArrayType.ACTIVATIONS, x, input.shape());
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
            assertInputSet(true);
            float[] x = Arrays32.floats(input), e = Arrays32.floats(epsilon);
            IntStream.range(0, (x.length + CHUNK - 1) / CHUNK).parallel().forEach(c -> {
                for (int i = c * CHUNK, end = Math.min(x.length, i + CHUNK); i < end; i++) {
                    e[i] = x[i] > 0f && x[i] < 6f ? e[i] : 0f;
                }
            });
            return new Pair<>(new DefaultGradient(), Arrays32.array(mgr, ArrayType.ACTIVATION_GRAD, e, input.shape()));
        }
    }
}
