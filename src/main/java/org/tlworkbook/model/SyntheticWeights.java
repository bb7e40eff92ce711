package org.tlworkbook.model;

import org.tlworkbook.engine.KerasLayer;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Makes a randomly initialised base usable without downloads (smoke runs, tests): each batch-norm
 * layer's moving mean and variance are set, in layer order, to the statistics of its input on sample
 * images, and each ReLU convolution without batch norm (VGG16's) is scaled so its output has unit spread,
 * so signals neither vanish nor explode through the depth of the network.
 */
public final class SyntheticWeights {
    private SyntheticWeights() { }

    /** Sets batch-norm statistics (and scales VGG16's convolutions) from {@code images}, so random weights give activations of sensible size (tests, benches). */
    public static BaseModel calibrate(BaseModel base, INDArray images) {
        for (KerasLayer k : base.kerasLayers()) {
            if (k instanceof KerasLayer.Conv conv && "relu".equals(conv.activation())) {
                double std = base.graph().feedForward(images, false).get(k.name()).stdNumber().doubleValue();
                if (std > 0) {
                    org.deeplearning4j.nn.api.Layer layer = base.graph().getLayer(k.name());
                    layer.getParam("W").divi(std);
                    if (conv.bias()) layer.getParam("b").divi(std);
                }
                continue;
            }
            if (!(k instanceof KerasLayer.BatchNorm bn)) continue;
            Map<String, INDArray> acts = base.graph().feedForward(images, false);
            INDArray in = acts.get(k.input());
            INDArray mean = in.mean(0, 2, 3);
            INDArray var = in.var(false, 0, 2, 3).addi(bn.epsilon());
            org.deeplearning4j.nn.api.Layer layer = base.graph().getLayer(k.name());
            layer.getParam("mean").assign(mean.reshape(layer.getParam("mean").shape()));
            layer.getParam("var").assign(var.reshape(layer.getParam("var").shape()));
        }
        return base;
    }
}
