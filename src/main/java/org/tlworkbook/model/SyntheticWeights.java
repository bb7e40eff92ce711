package org.tlworkbook.model;

import org.tlworkbook.engine.KerasLayer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;

/**
 * Makes a randomly initialised base usable without downloads (smoke runs, tests): each batch-norm
 * layer's moving mean and variance are set, in layer order, to the statistics of its input on sample
 * images, and each ReLU convolution without batch norm (VGG16's) is scaled so its output has unit spread,
 * so signals neither vanish nor explode through the depth of the network.
 */
public final class SyntheticWeights {
    private SyntheticWeights() { }

    /**
     * Sets batch-norm statistics (and scales VGG16's convolutions) from {@code images}, so random weights give
     * activations of sensible size (tests, benches). One forward pass, layer by layer: each layer is calibrated when
     * the pass reaches it and then run, so the layers after it see its calibrated output, as they would in a full pass
     * from the input after each layer's calibration (which costs a pass per layer: 40 s for ResNet50 at 40 px).
     */
    public static BaseModel calibrate(BaseModel base, INDArray images) {
        ComputationGraph g = base.graph();
        Map<String, KerasLayer> layers = new HashMap<>();
        for (KerasLayer k : base.kerasLayers()) layers.put(k.name(), k);
        GraphVertex[] vertices = g.getVertices();
        int[] consumers = new int[vertices.length];
        for (GraphVertex v : vertices) {
            if (v.getInputVertices() != null) for (VertexIndices in : v.getInputVertices()) consumers[in.getVertexIndex()]++;
        }
        INDArray[] out = new INDArray[vertices.length];
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        for (int idx : g.topologicalSortOrder()) {
            GraphVertex v = vertices[idx];
            if (v.isInputVertex()) {
                out[idx] = images;
                continue;
            }
            VertexIndices[] from = v.getInputVertices();
            INDArray[] inputs = new INDArray[from.length];
            for (int i = 0; i < from.length; i++) inputs[i] = out[from[i].getVertexIndex()];
            KerasLayer k = layers.get(v.getVertexName());
            if (k instanceof KerasLayer.BatchNorm bn) {
                INDArray mean = inputs[0].mean(0, 2, 3);
                INDArray var = inputs[0].var(false, 0, 2, 3).addi(bn.epsilon());
                org.deeplearning4j.nn.api.Layer layer = g.getLayer(k.name());
                layer.getParam("mean").assign(mean.reshape(layer.getParam("mean").shape()));
                layer.getParam("var").assign(var.reshape(layer.getParam("var").shape()));
            }
            INDArray o = forward(v, inputs, noWorkspaces);
            if (k instanceof KerasLayer.Conv conv && "relu".equals(conv.activation())) {
                double std = o.stdNumber().doubleValue();
                if (std > 0) {
                    org.deeplearning4j.nn.api.Layer layer = g.getLayer(k.name());
                    layer.getParam("W").divi(std);
                    if (conv.bias()) layer.getParam("b").divi(std);
                    o = forward(v, inputs, noWorkspaces);
                }
            }
            out[idx] = o;
            for (VertexIndices in : from) if (--consumers[in.getVertexIndex()] == 0) out[in.getVertexIndex()] = null; // keeps a few layers' activations, not all
        }
        g.clearLayersStates();
        return base;
    }

    private static INDArray forward(GraphVertex v, INDArray[] inputs, LayerWorkspaceMgr workspaces) {
        v.setInputs(inputs.clone()); // clear() empties the array it was given
        if (v instanceof LayerVertex layer) layer.applyPreprocessorAndSetInput(workspaces); // as the graph's own pass does
        INDArray o = v.doForward(false, workspaces);
        v.clear();
        return o;
    }
}
