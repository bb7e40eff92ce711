package org.tlworkbook.engine.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's {@link DepthwiseConvolution2D} configuration (same parameters, same JSON apart from the class
 * name) whose layer computes forward and backward passes in Java ({@link FastDepthwiseLayer}): libnd4j's
 * CPU depthwise convolution and its gradient took ~85% of a fine-tuning step of MobileNetV2.
 */
public class FastDepthwiseConvolution2D extends DepthwiseConvolution2D {

    public FastDepthwiseConvolution2D() {
        super();
    }

    public FastDepthwiseConvolution2D(DepthwiseConvolution2D.Builder builder) {
        super(builder);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return JavaLayers.wire(new FastDepthwiseLayer(conf, networkDataType), initializer(), conf, listeners, layerIndex,
                layerParamsView, initializeParams);
    }
}
