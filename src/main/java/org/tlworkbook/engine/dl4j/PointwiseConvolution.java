package org.tlworkbook.engine.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
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

    public PointwiseConvolution(ConvolutionLayer.Builder builder) {
        super(builder);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return JavaLayers.wire(new PointwiseConvolutionLayer(conf, networkDataType), initializer(), conf, listeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public PointwiseConvolution clone() {
        return (PointwiseConvolution) super.clone();
    }
}
