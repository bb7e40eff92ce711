package org.tlworkbook.engine.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Batch normalization that always normalises with its moving statistics, also while its gamma and beta
 * train: what the TensorFlow transfer-learning tutorial gets by calling the base with
 * {@code training=False}, so that fine-tuning does not wreck the statistics learned on ImageNet with
 * small, unrepresentative batches. It is also an order of magnitude faster than DL4J's training-mode
 * batch norm. Parameters and JSON are DL4J's {@link BatchNormalization}'s.
 */
public class InferenceBatchNormalization extends BatchNormalization {

    public InferenceBatchNormalization() {
        super();
        setEps(org.tlworkbook.engine.KerasLayer.BATCH_NORM_EPSILON);
        setDecay(0.999);
        setGamma(1.0);
        setBeta(0.0);
        setMinibatch(true);
        setLockGammaBeta(false);
        setUseLogStd(false);
        setCnn2DFormat(CNN2DFormat.NCHW);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return JavaLayers.wire(new InferenceBatchNormLayer(conf, networkDataType), initializer(), conf, listeners, layerIndex,
                layerParamsView, initializeParams);
    }
}
