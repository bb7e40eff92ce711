package org.tlworkbook.model;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.engine.KerasLayer;
import org.tlworkbook.testing.TestImages;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The one-pass calibration gives exactly the weights of the plain recipe it replaced: for each layer in order, a full forward
 * pass from the input, then that layer's batch-norm statistics or ReLU convolution scale; and the calibrated base's
 * activations have the size it promises.
 */
class SyntheticWeightsTest {
    @TempDir
    static Path tmp;

    /** The plain recipe, a forward pass per calibrated layer. */
    static void calibrateLayerByLayer(BaseModel base, INDArray images) {
        for (KerasLayer k : base.kerasLayers()) {
            if (k instanceof KerasLayer.Conv conv && "relu".equals(conv.activation())) {
                double std = base.graph().feedForward(images, false).get(k.name()).stdNumber().doubleValue();
                if (std > 0) {
                    base.graph().getLayer(k.name()).getParam("W").divi(std);
                    if (conv.bias()) base.graph().getLayer(k.name()).getParam("b").divi(std);
                }
            } else if (k instanceof KerasLayer.BatchNorm bn) {
                INDArray in = base.graph().feedForward(images, false).get(k.input());
                var layer = base.graph().getLayer(k.name());
                layer.getParam("mean").assign(in.mean(0, 2, 3).reshape(layer.getParam("mean").shape()));
                layer.getParam("var").assign(in.var(false, 0, 2, 3).addi(bn.epsilon()).reshape(layer.getParam("var").shape()));
            }
        }
    }

    /** Batch norm after branches that join (MobileNetV2's residual adds) and ReLU convolutions without it (VGG16). */
    @ParameterizedTest(name = "{0} {1}px alpha {2}")
    @CsvSource({"mobilenet_v2, 32, 0.35", "vgg16, 32, 1.0"})
    void onePassGivesTheWeightsOfAPassPerLayer(String architecture, int size, double alpha) throws Exception {
        compare(architecture, size, alpha);
    }

    /** ResNet50's projection shortcuts too. */
    @org.junit.jupiter.api.Test
    void onePassGivesResNet50TheWeightsOfAPassPerLayer() throws Exception {
        compare("resnet50", 32, 1.0);
    }

    private static void compare(String architecture, int size, double alpha) throws Exception {
        ImageFolder folder = ImageFolder.from(TestImages.folder(tmp.resolve(architecture), 32, 2, "cats", "dogs"));
        Architecture a = Architecture.named(architecture);
        BaseModel fast = a.create(size, alpha, 7), plain = a.create(size, alpha, 7);
        INDArray images = folder.training(fast).batchSize(4).build().next().getFeatures(); // four images: the plain recipe runs a pass per layer
        assertEquals(plain.graph().params(), fast.graph().params(), "the same random start");
        long t0 = System.nanoTime();
        SyntheticWeights.calibrate(fast, images);
        long t1 = System.nanoTime();
        calibrateLayerByLayer(plain, images);
        long t2 = System.nanoTime();
        System.out.printf("%s %dpx: one pass %.1f s, a pass per layer %.1f s%n", architecture, size, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        INDArray p = plain.graph().params(), f = fast.graph().params();
        double scale = p.amaxNumber().doubleValue();
        double diff = p.sub(f).amaxNumber().doubleValue();
        System.out.printf("%s: largest weight difference %.1e (largest weight %.1e)%n", architecture, diff, scale);
        assertEquals(0.0, diff, "the same layers run on the same inputs: the same floats");
        assertNotEquals(0, p.sub(a.create(size, alpha, 7).graph().params()).amaxNumber().doubleValue(), "calibration changed the weights");
        Map<String, INDArray> acts = fast.graph().feedForward(images, false);
        String last = fast.kerasLayers().get(fast.kerasLayers().size() - 1).name();
        double std = acts.get(last).stdNumber().doubleValue();
        assertTrue(std > 0.05 && std < 20, "the last layer's activations neither vanish nor explode: std " + std);
    }
}
