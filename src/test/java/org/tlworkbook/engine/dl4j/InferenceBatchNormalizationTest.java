package org.tlworkbook.engine.dl4j;

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

/** Keras {@code training=False} batch norm: moving statistics in both modes, gradients that match finite differences. */
class InferenceBatchNormalizationTest {

    private static ComputationGraph graph() {
        var conf = new NeuralNetConfiguration.Builder().seed(3).updater(new Sgd(0.5)).weightInit(WeightInit.XAVIER)
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(3).activation(Activation.TANH).build(), "in")
                .addLayer("bn", new InferenceBatchNormalization(), "pre")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).build(), "bn")
                .setOutputs("out").setInputTypes(InputType.convolutional(4, 4, 2)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        Nd4j.getRandom().setSeed(9);
        g.getLayer("bn").getParam("gamma").assign(Nd4j.rand(DataType.FLOAT, 1, 3).addi(0.5));
        g.getLayer("bn").getParam("beta").assign(Nd4j.rand(DataType.FLOAT, 1, 3).subi(0.5));
        g.getLayer("bn").getParam("mean").assign(Nd4j.rand(DataType.FLOAT, 1, 3).subi(0.5));
        g.getLayer("bn").getParam("var").assign(Nd4j.rand(DataType.FLOAT, 1, 3).addi(0.2));
        return g;
    }

    @Test
    void normalisesWithMovingStatisticsInBothModes() {
        ComputationGraph g = graph();
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 2, 4, 4);
        INDArray pre = g.feedForward(x, false).get("pre");
        INDArray mean = g.getLayer("bn").getParam("mean"), var = g.getLayer("bn").getParam("var");
        INDArray gamma = g.getLayer("bn").getParam("gamma"), beta = g.getLayer("bn").getParam("beta");
        INDArray expected = pre.dup();
        for (int c = 0; c < 3; c++) {
            double scale = gamma.getDouble(c) / Math.sqrt(var.getDouble(c) + 1e-3);
            INDArray ch = expected.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(c));
            ch.subi(mean.getDouble(c)).muli(scale).addi(beta.getDouble(c));
        }
        assertTrue(expected.equalsWithEps(g.feedForward(x, false).get("bn"), 1e-5));
        assertTrue(expected.equalsWithEps(g.feedForward(x, true).get("bn"), 1e-5), "training mode uses the moving statistics too");
    }

    @Test
    void gradientsMatchFiniteDifferencesAndStatisticsStayPut() {
        ComputationGraph g = graph();
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 2, 4, 4);
        INDArray y = Nd4j.rand(DataType.FLOAT, 5, 2);
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        var gradient = g.gradient();
        for (String key : new String[]{"bn_gamma", "bn_beta", "pre_W"}) {
            INDArray p = g.getParam(key);
            INDArray analytic = gradient.getGradientFor(key).dup();
            for (int i = 0; i < 3; i++) {
                double h = 1e-2, v = p.getDouble(i);
                p.putScalar(i, v + h);
                double up = g.score(new DataSet(x, y));
                p.putScalar(i, v - h);
                double down = g.score(new DataSet(x, y));
                p.putScalar(i, v);
                double numeric = (up - down) / (2 * h) * x.size(0); // DL4J scores are batch means, gradients batch sums
                double a = analytic.getDouble(i);
                assertEquals(numeric, a, 2e-2 * Math.max(1e-2, Math.abs(numeric)) + 2e-4, key + "[" + i + "]");
            }
        }
        INDArray mean = g.getLayer("bn").getParam("mean").dup(), var = g.getLayer("bn").getParam("var").dup();
        INDArray gamma = g.getLayer("bn").getParam("gamma").dup();
        g.fit(new DataSet(x, y));
        assertEquals(mean, g.getLayer("bn").getParam("mean"));
        assertEquals(var, g.getLayer("bn").getParam("var"));
        assertNotEquals(gamma, g.getLayer("bn").getParam("gamma"));
    }
}
