package org.tlworkbook.engine.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.*;

/** The Java ReLU6 clips and passes gradients exactly like DL4J's, on both sides of 0 and 6. */
class Relu6Test {

    private static ComputationGraph graph(boolean fast) {
        var conf = new NeuralNetConfiguration.Builder().seed(2).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.IDENTITY).build(), "in")
                .addLayer("relu", fast ? new Relu6() : new ActivationLayer(Activation.RELU6), "pre")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).build(), "relu")
                .setOutputs("out").setInputTypes(InputType.convolutional(3, 3, 2)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void matchesDl4j() {
        ComputationGraph stock = graph(false), fast = graph(true);
        fast.setParams(stock.params());
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 2, 3, 3).subi(0.5).muli(30); // well beyond 0 and 6
        INDArray y = Nd4j.rand(DataType.FLOAT, 6, 2);
        INDArray a = stock.feedForward(x, false).get("relu"), b = fast.feedForward(x, false).get("relu");
        assertTrue(a.equalsWithEps(b, 1e-6));
        assertEquals(0.0, b.minNumber().doubleValue(), 0.0);
        assertEquals(6.0, b.maxNumber().doubleValue(), 0.0);
        for (ComputationGraph g : new ComputationGraph[]{stock, fast}) {
            g.setInputs(x);
            g.setLabels(y);
            g.computeGradientAndScore();
        }
        assertTrue(stock.gradient().getGradientFor("pre_W").equalsWithEps(fast.gradient().getGradientFor("pre_W"), 1e-5));
    }
}
