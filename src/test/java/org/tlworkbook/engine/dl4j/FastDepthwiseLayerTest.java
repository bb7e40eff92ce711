package org.tlworkbook.engine.dl4j;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
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

/** The Java depthwise layer gives libnd4j's outputs and gradients, for 'same' and 'valid' padding and strides 1 and 2. */
class FastDepthwiseLayerTest {

    private static ComputationGraph graph(boolean fast, int size, int stride, boolean same) {
        DepthwiseConvolution2D.Builder b = new DepthwiseConvolution2D.Builder(3, 3).stride(stride, stride).depthMultiplier(1)
                .hasBias(false).activation(Activation.IDENTITY)
                .convolutionMode(same ? ConvolutionMode.Same : ConvolutionMode.Truncate);
        var conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("pre", new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(1, 1).nOut(4)
                        .activation(Activation.TANH).build(), "in")
                .addLayer("dw", fast ? new FastDepthwiseConvolution2D(b) : b.build(), "pre")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).build(), "dw")
                .setOutputs("out").setInputTypes(InputType.convolutional(size, size, 4)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void outputsAndGradientsMatchLibnd4j() {
        for (int size : new int[]{6, 7}) {
            for (int stride : new int[]{1, 2}) {
                for (boolean same : new boolean[]{true, false}) {
                    ComputationGraph stock = graph(false, size, stride, same);
                    ComputationGraph fast = graph(true, size, stride, same);
                    fast.setParams(stock.params());
                    Nd4j.getRandom().setSeed(size * 7L + stride);
                    INDArray x = Nd4j.rand(DataType.FLOAT, 3, 4, size, size).subi(0.5);
                    INDArray y = Nd4j.rand(DataType.FLOAT, 3, 2);
                    String where = "size " + size + " stride " + stride + (same ? " same" : " valid");
                    INDArray a = stock.feedForward(x, false).get("dw"), b = fast.feedForward(x, false).get("dw");
                    assertArrayEquals(a.shape(), b.shape(), where);
                    assertTrue(a.equalsWithEps(b, 1e-5), where + ": forward differs");
                    stock.setInputs(x);
                    stock.setLabels(y);
                    fast.setInputs(x);
                    fast.setLabels(y);
                    stock.computeGradientAndScore();
                    fast.computeGradientAndScore();
                    INDArray ga = stock.gradient().getGradientFor("dw_W"), gb = fast.gradient().getGradientFor("dw_W");
                    assertTrue(ga.equalsWithEps(gb, 1e-5), where + ": weight gradient differs\n" + ga + "\n" + gb);
                    INDArray pa = stock.gradient().getGradientFor("pre_W"), pb = fast.gradient().getGradientFor("pre_W");
                    assertTrue(pa.equalsWithEps(pb, 1e-5), where + ": gradient into the layer before differs");
                    stock.fit(new DataSet(x, y));
                    fast.fit(new DataSet(x, y));
                    assertTrue(stock.params().equalsWithEps(fast.params(), 1e-5), where + ": parameters after a step differ");
                }
            }
        }
    }
}
