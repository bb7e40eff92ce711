package org.tlworkbook.engine.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's 1x1 {@link ConvolutionLayer} configuration (no bias, identity activation: MobileNetV2's expand
 * and project layers) whose layer runs forward and backward as one OpenBLAS sgemm each over the whole
 * batch ({@link PointwiseConvolutionLayer}); libnd4j's conv2d was the slowest part of a fine-tuning step
 * once depthwise convolutions were fast.
 */
public class PointwiseConvolution extends ConvolutionLayer {

    public PointwiseConvolution() {
        super();
    }

    /** Refuses a configuration its layer cannot compute, when the graph is built rather than at the first batch. */
    public PointwiseConvolution(ConvolutionLayer.Builder builder) {
        super(builder);
        requirePointwise(this);
    }

    static void requirePointwise(ConvolutionLayer c) {
        if (c.getKernelSize()[0] != 1 || c.getKernelSize()[1] != 1 || c.getStride()[0] != 1 || c.getStride()[1] != 1
                || c.hasBias() || !(c.getActivationFn() instanceof ActivationIdentity)) {
            throw new IllegalStateException("a pointwise convolution needs a 1x1 kernel, stride 1, no bias and the identity activation; got kernel "
                    + java.util.Arrays.toString(c.getKernelSize()) + ", stride " + java.util.Arrays.toString(c.getStride()) + ", bias " + c.hasBias()
                    + ", activation " + c.getActivationFn());
        }
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return JavaLayers.wire(new PointwiseConvolutionLayer(conf, networkDataType), initializer(), conf, listeners, layerIndex,
                layerParamsView, initializeParams);
    }
}
