package org.tlworkbook.engine;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The layers that train, whatever runs them: {@link FastTraining} where it covers every layer, else a DL4J
 * graph. The training loop only sees this interface and never asks which engine it has.
 */
public interface Suffix {

    /** Loss summed over a batch and its correct predictions, from the step's forward pass (before the update, as Keras reports). */
    record StepResult(double lossSum, int correct, int examples) { }

    /** One optimizer step on a batch of this suffix's inputs. */
    StepResult step(DataSet batch);

    /** Sets the learning rate of the following steps (a learning-rate sweep), whatever the optimizer's is. */
    void learningRate(double rate);

    /** Inference with the current weights, for validation; take a new one after {@link #copyBack()}. */
    UnaryOperator<INDArray> inference();

    /** Writes what was learned (parameters, optimizer state, iteration count) into the network's DL4J graph. */
    void copyBack();

    /** Frees working memory (buffers are allocated again on the next use). */
    void release();

    /** Whether the engine may still read a batch's arrays after its step (DL4J keeps its inputs), so they must not be freed. */
    default boolean retainsInputs() {
        return false;
    }

    /** The fast engine; its state lives here until {@link #copyBack()}. */
    static Suffix fast(FastTraining fast, ComputationGraph target) {
        return new Suffix() {
            @Override
            public StepResult step(DataSet ds) {
                INDArray p = fast.step(ds.getFeatures(), ds.getLabels());
                return new StepResult(Metrics.lossSum(p, ds.getLabels()), Metrics.correct(p, ds.getLabels()), ds.numExamples());
            }

            @Override
            public void learningRate(double rate) {
                fast.learningRate(rate);
            }

            @Override
            public UnaryOperator<INDArray> inference() {
                return fast::predict;
            }

            @Override
            public void copyBack() {
                fast.copyTo(target);
            }

            @Override
            public void release() {
                fast.release();
            }
        };
    }

    /**
     * A DL4J graph that trains; {@code copyBack} moves its state into the network (a no-op when {@code graph} is
     * the network's own graph), {@code inference} runs on {@code inferenceLayers} over the graph's weights.
     */
    static Suffix dl4j(ComputationGraph graph, List<KerasLayer> inferenceLayers, Runnable copyBack) {
        ForwardPassAccuracy accuracy = ForwardPassAccuracy.attach(graph);
        return new Suffix() {
            @Override
            public StepResult step(DataSet ds) {
                accuracy.expect(ds.getLabels());
                graph.fit(ds);
                int correct = accuracy.correct();
                if (correct < 0) correct = Metrics.correct(graph.outputSingle(false, ds.getFeatures()), ds.getLabels());
                return new StepResult(graph.score() * ds.numExamples(), correct, ds.numExamples());
            }

            @Override
            public void learningRate(double rate) {
                graph.setLearningRate(rate);
            }

            @Override
            public UnaryOperator<INDArray> inference() {
                return FastForward.inference(inferenceLayers, graph);
            }

            @Override
            public void copyBack() {
                copyBack.run();
            }

            @Override
            public void release() {
                accuracy.detach(graph);
            }

            @Override
            public boolean retainsInputs() {
                return true;
            }
        };
    }
}
