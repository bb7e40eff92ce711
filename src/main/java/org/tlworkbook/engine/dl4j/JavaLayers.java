package org.tlworkbook.engine.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collection;
import java.util.Map;

/** What the layers computed in Java share with DL4J's own: how a configuration wires its layer, how gradients are handed back. */
final class JavaLayers {
    private JavaLayers() { }

    /** DL4J's usual {@code instantiate}: listeners, index, parameter views and configuration. */
    static <L extends Layer> L wire(L layer, ParamInitializer initializer, NeuralNetConfiguration conf,
                                    Collection<TrainingListener> listeners, int index, INDArray paramsView, boolean initialize) {
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        Map<String, INDArray> params = initializer.init(conf, paramsView, initialize);
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }

    /** Writes {@code values} into the layer's gradient view for {@code key} and records it in {@code gradient}. */
    static void setGradient(Map<String, INDArray> gradientViews, Gradient gradient, String key, float[] values) {
        INDArray view = gradientViews.get(key);
        view.assign(Nd4j.create(values, view.shape(), 'c'));
        gradient.setGradientFor(key, view);
    }
}
