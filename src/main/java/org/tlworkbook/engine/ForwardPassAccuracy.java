package org.tlworkbook.engine;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Training accuracy as Keras reports it: from the forward pass of each training step, before the update,
 * without a second forward pass. DL4J hands listeners every activation of the step except the output
 * layer's, so the output layer's probabilities are computed here from its input (a small matrix product).
 */
public final class ForwardPassAccuracy extends BaseTrainingListener {
    private final String outputLayer;
    private final String outputInput;
    private INDArray labels;
    private int correct = -1;

    private ForwardPassAccuracy(String outputLayer, String outputInput) {
        this.outputLayer = outputLayer;
        this.outputInput = outputInput;
    }

    /** Attaches a counter to {@code graph} (single output layer). */
    public static ForwardPassAccuracy attach(ComputationGraph graph) {
        String out = graph.getConfiguration().getNetworkOutputs().get(0);
        String in = graph.getConfiguration().getVertexInputs().get(out).get(0);
        ForwardPassAccuracy counter = new ForwardPassAccuracy(out, in);
        graph.addListeners(counter);
        return counter;
    }

    /** Removes this counter from {@code graph}'s listeners. */
    public void detach(ComputationGraph graph) {
        var rest = new java.util.ArrayList<>(graph.getListeners() == null ? java.util.List.of() : graph.getListeners());
        rest.remove(this);
        graph.setListeners(rest);
    }

    /** Labels of the batch about to be fitted. */
    public void expect(INDArray labels) {
        this.labels = labels;
        this.correct = -1;
    }

    /** Correct predictions in the last fitted batch, or -1 when the forward pass was not seen. */
    public int correct() {
        return correct;
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        INDArray in = activations.get(outputInput);
        if (in == null || labels == null || !(model instanceof ComputationGraph g)) return;
        var layer = g.getLayer(outputLayer);
        if (!(layer.conf().getLayer() instanceof BaseOutputLayer conf)) return;
        INDArray x = in.rank() > 2 ? in.reshape('c', in.size(0), in.length() / in.size(0)) : in;
        INDArray z = x.castTo(layer.getParam("W").dataType()).mmul(layer.getParam("W")).addiRowVector(layer.getParam("b"));
        INDArray p = conf.getActivationFn().getActivation(z, false);
        correct = Metrics.correct(p, labels);
    }
}
