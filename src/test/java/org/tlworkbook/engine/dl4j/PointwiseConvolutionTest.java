package org.tlworkbook.engine.dl4j;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.*;

/** The sgemm 1x1 convolution gives libnd4j's outputs, weight gradients and input gradients. */
class PointwiseConvolutionTest {

    private static ComputationGraph graph(boolean fast) {
        ConvolutionLayer.Builder b = new ConvolutionLayer.Builder(1, 1).nOut(6).hasBias(false)
                .activation(Activation.IDENTITY).convolutionMode(ConvolutionMode.Same);
        var conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.TANH).build(), "in")
                .addLayer("pw", fast ? new PointwiseConvolution(b) : b.build(), "pre")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).build(), "pw")
                .setOutputs("out").setInputTypes(InputType.convolutional(5, 3, 3)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void matchesLibnd4jForwardAndBackward() {
        ComputationGraph stock = graph(false), fast = graph(true);
        fast.setParams(stock.params());
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 5, 3).subi(0.5);
        INDArray y = Nd4j.rand(DataType.FLOAT, 4, 2);
        assertTrue(stock.feedForward(x, false).get("pw").equalsWithEps(fast.feedForward(x, false).get("pw"), 1e-5));
        for (ComputationGraph g : new ComputationGraph[]{stock, fast}) {
            g.setInputs(x);
            g.setLabels(y);
            g.computeGradientAndScore();
        }
        for (String key : new String[]{"pw_W", "pre_W", "pre_b"}) {
            assertTrue(stock.gradient().getGradientFor(key).equalsWithEps(fast.gradient().getGradientFor(key), 1e-5), key);
        }
        stock.fit(new DataSet(x, y));
        fast.fit(new DataSet(x, y));
        assertTrue(stock.params().equalsWithEps(fast.params(), 1e-5));
    }

    @Test
    void aConfigurationItCannotComputeIsRefusedWhenBuilt() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new PointwiseConvolution(
                new ConvolutionLayer.Builder(3, 3).nOut(6).hasBias(false).activation(Activation.IDENTITY)));
        assertTrue(e.getMessage().contains("needs a 1x1 kernel") && e.getMessage().contains("got kernel [3, 3]"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> new PointwiseConvolution(
                new ConvolutionLayer.Builder(1, 1).nOut(6).hasBias(true).activation(Activation.IDENTITY)));
    }
}
