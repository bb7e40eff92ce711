package org.tlworkbook.engine;

import org.tlworkbook.model.internal.ModelInternals;

import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.MobileNetV2;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.model.SyntheticWeights;
import org.tlworkbook.model.Vgg16;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The fast inference pass must give the DL4J graph's numbers, layer kinds, paddings and heads included. */
class FastForwardTest {

    /** Random batch-norm statistics and affine terms, so folding them into the convolutions is really tested. */
    static BaseModel randomised(BaseModel base, INDArray images, long seed) {
        SyntheticWeights.calibrate(base, images);
        Nd4j.getRandom().setSeed(seed);
        for (Map.Entry<String, INDArray> e : base.paramTable().entrySet()) {
            if (e.getKey().endsWith("_gamma")) e.getValue().assign(Nd4j.rand(DataType.FLOAT, e.getValue().shape()).addi(0.5));
            if (e.getKey().endsWith("_beta")) e.getValue().assign(Nd4j.rand(DataType.FLOAT, e.getValue().shape()).subi(0.5).muli(0.2));
        }
        return base;
    }

    private static void assertClose(INDArray expected, INDArray actual, double relTol) {
        assertArrayEquals(expected.shape(), actual.shape());
        double scale = Math.max(1e-6, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= relTol * scale, "max abs diff " + diff + " vs max " + scale);
    }

    static INDArray images(int n, int size, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, n, 3, size, size).muli(2).subi(1);
    }

    @Test
    void mobileNetV2EqualsTheDl4jGraphAtEvenAndOddSizes() {
        for (int size : new int[]{64, 67}) {
            INDArray x = images(3, size, size);
            BaseModel base = randomised(MobileNetV2.create(size, 0.35, 7), x, 11);
            INDArray expected = ModelInternals.graph(base).outputSingle(false, x);
            FastForward fast = FastForward.compile(ModelInternals.layers(base), base.paramTable());
            assertTrue(fast.stepCount() < base.layerCount() / 2, "batch norms and ReLU6 are fused: " + fast.stepCount());
            // 17 blocks of float rounding in another summation order: relative to the largest activation
            assertClose(expected, fast.output(x), 5e-4);
            assertClose(expected, fast.output(x), 5e-4); // buffers reused on the second call
            fast.release(); // buffers freed, then allocated again
            assertClose(expected, fast.output(x), 5e-4);
            // a different batch size reuses and grows buffers correctly
            INDArray one = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup();
            assertClose(ModelInternals.graph(base).outputSingle(false, one), fast.output(one), 5e-4);
        }
    }

    @Test
    void singleStridedAndPaddedLayersMatchToRounding() {
        for (int size : new int[]{7, 8}) {
            for (int stride : new int[]{1, 2}) {
                List<KerasLayer> layers = new ArrayList<>();
                layers.add(KerasLayer.input("in"));
                String into = "in";
                if (stride == 2) { // MobileNetV2's explicit correct_pad before a 'valid' strided depthwise
                    int adjust = 1 - size % 2;
                    layers.add(KerasLayer.zeroPad("pad", "in", 1 - adjust, 1, 1 - adjust, 1));
                    into = "pad";
                }
                layers.add(KerasLayer.depthwise("dw", into, stride, stride == 1));
                layers.add(KerasLayer.batchNorm("dw_BN", "dw"));
                layers.add(KerasLayer.relu6("dw_relu", "dw_BN"));
                layers.add(KerasLayer.conv("stem", "dw_relu", 5, 3, 2, true, false, null));
                layers.add(KerasLayer.batchNorm("stem_BN", "stem"));
                var conf = GraphFactory.build(layers, size, size, n -> false, null, null, 3);
                var graph = new org.deeplearning4j.nn.graph.ComputationGraph(conf);
                graph.init();
                INDArray x = images(2, size, size * 10L + stride);
                // channels: the input has 3
                for (Map.Entry<String, INDArray> e : graph.paramTable().entrySet()) {
                    if (e.getKey().endsWith("_var")) e.getValue().assign(Nd4j.rand(DataType.FLOAT, e.getValue().shape()).addi(0.1));
                    else e.getValue().assign(Nd4j.rand(DataType.FLOAT, e.getValue().shape()).subi(0.5));
                }
                INDArray expected = graph.outputSingle(false, x);
                INDArray actual = FastForward.compile(layers, graph.paramTable()).output(x);
                assertClose(expected, actual, 1e-5);
            }
        }
    }

    @Test
    void prefixUpToAnIntermediateBatchNormEqualsTheGraphActivation() {
        INDArray x = images(2, 64, 3);
        BaseModel base = randomised(MobileNetV2.create(64, 0.35, 3), x, 5);
        int cut = base.indexOf("block_10_project_BN");
        FastForward fast = FastForward.compile(ModelInternals.layers(base).subList(0, cut + 1), base.paramTable());
        INDArray expected = ModelInternals.graph(base).feedForward(x, false).get("block_10_project_BN");
        assertClose(expected, fast.output(x), 1e-4);
    }

    @Test
    void vgg16WithFlattenDenseHeadEqualsTheDl4jClassifier() {
        INDArray x = images(2, 32, 9);
        BaseModel vgg = Vgg16.create(32, 1).freeze();
        Classifier model = Classifier.of(vgg, Head.flattenDense(16, 0.5), List.of("a", "b", "c"))
                .compile(Optimizer.adam(1e-3));
        INDArray expected = ModelInternals.graph(model).outputSingle(false, x);
        List<KerasLayer> all = new ArrayList<>(ModelInternals.layers(vgg));
        all.addAll(ModelInternals.network(model).head());
        INDArray actual = FastForward.compile(all, ModelInternals.graph(model).paramTable()).output(x);
        assertClose(expected, actual, 1e-4);
        // at 32 px the base ends in a 1x1 map, which stays 4-D like DL4J's
        assertArrayEquals(new long[]{2, 512, 1, 1}, FastForward.compile(ModelInternals.layers(vgg), vgg.paramTable()).output(x).shape());
        assertEquals(2, actual.size(0));
        assertEquals(1.0, actual.sum(1).getDouble(0), 1e-5, "softmax rows sum to one");
    }

    @Test
    void binaryHeadOnMobileNetEqualsTheDl4jClassifier() {
        INDArray x = images(4, 48, 21);
        BaseModel base = randomised(MobileNetV2.create(48, 0.35, 2), x, 8).freeze();
        Classifier model = Classifier.of(base, Head.binary(), List.of("cats", "dogs"))
                .compile(Optimizer.rmsprop(1e-4));
        List<KerasLayer> all = new ArrayList<>(ModelInternals.layers(base));
        all.addAll(ModelInternals.network(model).head());
        assertClose(ModelInternals.graph(model).outputSingle(false, x), FastForward.compile(all, ModelInternals.graph(model).paramTable()).output(x), 1e-4);
    }

    @Test
    void oneDnnConvolutionsEqualTheJavaKernels() {
        assumeTrue(OneDnn.enabled(), "oneDNN is not used here: " + OneDnn.problem());
        for (int size : new int[]{32, 33}) {
            BaseModel base = MobileNetV2.create(size, 0.35, 3);
            INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 3, size, size).muli(2).subi(1);
            INDArray java = FastForward.compile(ModelInternals.layers(base), base.paramTable(), List.of(), false).output(x);
            INDArray dnn = FastForward.compile(ModelInternals.layers(base), base.paramTable(), List.of(), true).output(x);
            assertClose(java, dnn, 1e-4);
        }
        BaseModel vgg = Vgg16.create(32, 4);
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, 32, 32).muli(100);
        assertClose(FastForward.compile(ModelInternals.layers(vgg), vgg.paramTable(), List.of(), false).output(x),
                FastForward.compile(ModelInternals.layers(vgg), vgg.paramTable(), List.of(), true).output(x), 1e-4);
    }

    @Test
    void missingWeightsNameTheLayer() {
        BaseModel base = MobileNetV2.create(32, 0.35, 1);
        Map<String, INDArray> params = new java.util.HashMap<>(base.paramTable());
        params.remove("block_3_expand_W");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FastForward.compile(ModelInternals.layers(base), params));
        assertTrue(e.getMessage().contains("block_3_expand"), e.getMessage());
    }
}
