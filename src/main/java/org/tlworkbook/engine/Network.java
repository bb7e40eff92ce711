package org.tlworkbook.engine;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What the engine needs to know of a compiled classifier: its layers in Keras order (the base's, then the
 * head's), which base layers are frozen, the DL4J graph holding the weights and optimizer state, and how
 * it trains. The learner's types ({@code model.Classifier}) hand this to the engine; the engine never sees them.
 *
 * @param layers        base layers (index 0 the input layer), then head layers
 * @param baseLayers    how many of {@code layers} belong to the base
 * @param trainableFrom index of the first trainable base layer ({@code baseLayers} when the base is frozen)
 * @param batchNormTraining whether the trainable batch-norm layers normalise with each batch's statistics and update
 *                      their moving ones (Keras' {@code training=True}) instead of keeping ImageNet's
 */
public record Network(List<KerasLayer> layers, int baseLayers, int trainableFrom, ComputationGraph graph, IUpdater updater,
                      LossFunctions.LossFunction loss, int size, boolean batchNormTraining) {

    public Network {
        layers = List.copyOf(layers);
    }

    /** Index of a layer by name, or -1. */
    public int indexOf(String name) {
        return index().getOrDefault(name, -1);
    }

    private Map<String, Integer> index() {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < layers.size(); i++) m.put(layers.get(i).name(), i);
        return m;
    }

    /** Accepts the names of the base layers that keep their weights. */
    public Predicate<String> frozen() {
        Map<String, Integer> index = index();
        return n -> {
            Integer i = index.get(n);
            return i != null && i < baseLayers && i < trainableFrom;
        };
    }

    /** The head's layers. */
    public List<KerasLayer> head() {
        return layers.subList(baseLayers, layers.size());
    }
}
