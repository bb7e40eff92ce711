package org.tlworkbook.engine;

import org.tlworkbook.model.internal.ModelInternals;

import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.MobileNetV2;
import org.tlworkbook.model.Optimizer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fast training engine must compute what the DL4J suffix graph computes: the same gradients, the same
 * optimizer updates and state, for fine-tuning cuts inside MobileNetV2 and for both heads.
 */
class FastTrainingTest {
    private static final int SIZE = 64;
    private static final int STEPS = 3;

    private record Setup(Classifier model, SplitGraph split, INDArray x, INDArray labels) { }

    private static Setup setup(int fineTuneAt, boolean binary, Optimizer optimizer, long seed) {
        INDArray images = FastForwardTest.images(6, SIZE, seed);
        BaseModel base = FastForwardTest.randomised(MobileNetV2.create(SIZE, 0.35, 7), images, seed + 1);
        base.unfreezeFrom(fineTuneAt);
        Head head = binary ? Head.binary() : Head.pooledDense(8);
        Classifier model = Classifier.of(base, head, binary ? List.of("a", "b") : List.of("a", "b", "c")).compile(optimizer);
        SplitGraph split = SplitGraph.of(ModelInternals.network(model));
        assertNotNull(split.fastTraining(), "MobileNetV2 fine-tuning is supported");
        INDArray x = split.prefixOutput(images);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 6, binary ? 1 : 3);
        for (int i = 0; i < 6; i++) labels.putScalar(i, binary ? 0 : i % 3, binary ? i % 2 : 1);
        return new Setup(model, split, x, labels);
    }

    private static void assertClose(String what, float[] expected, float[] actual, double relTol) {
        assertEquals(expected.length, actual.length, what);
        double max = 1e-12, diff = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        int over = 0;
        for (int i = 0; i < expected.length; i++) if (Math.abs(expected[i] - actual[i]) > relTol * max) over++;
        assertTrue(diff <= relTol * max, what + ": max abs diff " + diff + " vs max " + max + "; " + over + " of " + expected.length + " over");
    }

    /**
     * Weights of two engines after {@link #STEPS} updates agree within 1e-4 of the array's largest weight. Adam
     * divides each gradient by its own running magnitude: its first step moves every weight by the learning rate
     * whatever the gradient's size, so where a gradient is rounding noise (a sum that cancels) the summation order
     * picks the direction. With Adam, 1% of the weights may therefore differ by up to two learning rates a step
     * (its moments, compared separately, must still agree tightly).
     */
    private static void assertUpdatedClose(Optimizer opt, String what, float[] expected, float[] actual) {
        if (!opt.name().equals("adam")) {
            assertClose(opt.name() + " " + what, expected, actual, 1e-4);
            return;
        }
        double max = 1e-12;
        for (float v : expected) max = Math.max(max, Math.abs(v));
        int over = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (d > 1e-4 * max) over++;
            assertTrue(d <= 2 * STEPS * opt.learningRate(), what + "[" + i + "]: " + expected[i] + " vs " + actual[i]);
        }
        assertTrue(over <= expected.length / 100, what + ": " + over + " of " + expected.length + " weights differ");
    }

    /**
     * The engine on OpenBLAS and Java loops, compared with DL4J; {@link #oneDnnProductsGiveWhatTheOpenBlasPathGives}
     * compares the oneDNN path with this one.
     */
    private static FastTraining javaPath(Setup s) {
        Network net = ModelInternals.network(s.model());
        return FastTraining.compile(s.split().suffixLayers(), ModelInternals.graph(s.model()), net.frozen(), net.updater(), false);
    }

    private static void assertGradientsMatch(Setup s) {
        ComputationGraph dl4j = s.split().suffix();
        dl4j.setInputs(s.x());
        dl4j.setLabels(s.labels());
        dl4j.computeGradientAndScore();
        Map<String, INDArray> expected = dl4j.gradient().gradientForVariable();
        FastTraining fast = javaPath(s);
        fast.step(s.x(), s.labels());
        Map<String, float[]> actual = fast.gradients();
        assertFalse(actual.isEmpty());
        for (Map.Entry<String, float[]> e : actual.entrySet()) {
            INDArray g = expected.get(e.getKey());
            assertNotNull(g, "DL4J has a gradient for " + e.getKey());
            float[] flat = Nd4j.toFlattened(g.ordering(), g).toFloatVector();
            // DL4J divides by the batch size in its updater, after this point
            for (int i = 0; i < flat.length; i++) flat[i] /= s.x().size(0);
            assertClose(e.getKey(), flat, e.getValue(), 2e-3);
        }
        assertEquals(expected.keySet().stream().filter(k -> !k.endsWith("_mean") && !k.endsWith("_var")).count(),
                actual.size(), "the same parameters train: " + expected.keySet() + " vs " + actual.keySet());
    }

    @Test
    void gradientsMatchDl4jFromLayer100WithBinaryHead() {
        assertGradientsMatch(setup(100, true, Optimizer.rmsprop(1e-3), 3));
    }

    /** Optional: the ImageNet weights (dead channels, tiny weights) at the tutorial's size, where ../shared/data has them. */
    @Test
    void gradientsMatchDl4jWithRealImageNetWeightsAt160Pixels() throws Exception {
        java.nio.file.Path weights = java.nio.file.Path.of("..", "shared", "data",
                "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5").toAbsolutePath().normalize();
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(weights), "no ../shared/data here");
        BaseModel base = MobileNetV2.fromWeights(160, 1.0, weights);
        base.unfreezeFrom(100);
        Classifier model = Classifier.of(base, Head.binary(), List.of("cats", "dogs")).compile(Optimizer.rmsprop(2e-5));
        SplitGraph split = SplitGraph.of(ModelInternals.network(model));
        assertEquals("block_10_project_BN", split.cut());
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 4, 1);
        labels.putScalar(1, 0, 1);
        labels.putScalar(3, 0, 1);
        assertGradientsMatch(new Setup(model, split, split.prefixOutput(FastForwardTest.images(4, 160, 21)), labels));
    }

    @Test
    void gradientsMatchDl4jWhenTheCutFreezesAConvolutionButTrainsItsBatchNorm() {
        INDArray images = FastForwardTest.images(2, SIZE, 1);
        BaseModel probe = MobileNetV2.create(SIZE, 0.35, 7);
        int bn = probe.indexOf("block_14_expand_BN");
        assertTrue(bn > 0);
        assertGradientsMatch(setup(bn, false, Optimizer.adam(1e-3), 5));
    }

    @Test
    void stepsMatchDl4jUpdatesForEachOptimizer() {
        for (Optimizer opt : List.of(Optimizer.rmsprop(1e-4), Optimizer.adam(1e-4), Optimizer.sgd(1e-3))) {
            Setup s = setup(100, true, opt, 9);
            ComputationGraph dl4j = s.split().suffix();
            FastTraining fast = javaPath(s);
            for (int i = 0; i < STEPS; i++) {
                INDArray p = fast.step(s.x(), s.labels());
                INDArray q = dl4j.outputSingle(false, s.x());
                assertClose(opt.name() + " predictions before step " + i, q.toFloatVector(), p.toFloatVector(), 1e-4);
                dl4j.fit(new DataSet(s.x(), s.labels()));
            }
            fast.copyTo(ModelInternals.graph(s.model()));
            Map<String, INDArray> trained = ModelInternals.graph(s.model()).paramTable();
            for (Map.Entry<String, INDArray> e : dl4j.paramTable().entrySet()) {
                assertClose(opt.name() + " " + e.getKey(), Arrays32.floats(e.getValue()), Arrays32.floats(trained.get(e.getKey())), 1e-4);
            }
            Map<String, float[][]> ours = OptimizerState.read(ModelInternals.graph(s.model())), theirs = OptimizerState.read(dl4j);
            assertEquals(theirs.keySet(), ours.keySet(), opt.name() + " state");
            for (String k : theirs.keySet()) {
                for (int a = 0; a < theirs.get(k).length; a++) assertClose(opt.name() + " state " + k, theirs.get(k)[a], ours.get(k)[a], 1e-3);
            }
            assertEquals(STEPS, ModelInternals.graph(s.model()).getConfiguration().getIterationCount());
            assertClose(opt.name() + " predictions after training", dl4j.outputSingle(false, s.x()).toFloatVector(),
                    fast.predict(s.x()).toFloatVector(), 1e-4);
        }
    }

    @Test
    void oneDnnProductsGiveWhatTheOpenBlasPathGives() {
        org.junit.jupiter.api.Assumptions.assumeTrue(OneDnn.enabled(), "oneDNN is off here: " + OneDnn.problem());
        for (Optimizer opt : List.of(Optimizer.rmsprop(1e-4), Optimizer.adam(1e-4), Optimizer.sgd(1e-3))) {
            Setup s = setup(100, false, opt, 17);
            Network net = ModelInternals.network(s.model());
            FastTraining dnn = FastTraining.compile(s.split().suffixLayers(), ModelInternals.graph(s.model()), net.frozen(), net.updater(), true);
            FastTraining java = FastTraining.compile(s.split().suffixLayers(), ModelInternals.graph(s.model()), net.frozen(), net.updater(), false);
            for (int i = 0; i < STEPS; i++) {
                assertClose(opt.name() + " predictions before step " + i, Arrays32.floats(java.step(s.x(), s.labels())),
                        Arrays32.floats(dnn.step(s.x(), s.labels())), 1e-4);
                Map<String, float[]> gj = java.gradients(), gd = dnn.gradients();
                assertEquals(gj.keySet(), gd.keySet());
                for (String k : gj.keySet()) assertClose(opt.name() + " gradient " + k + " at step " + i, gj.get(k), gd.get(k), 2e-4);
            }
            ComputationGraph a = ModelInternals.graph(s.model()).clone(), b = ModelInternals.graph(s.model()).clone();
            java.copyTo(a);
            dnn.copyTo(b);
            Map<String, float[][]> sa = OptimizerState.read(a), sb = OptimizerState.read(b);
            for (Map.Entry<String, INDArray> e : a.paramTable().entrySet()) {
                assertUpdatedClose(opt, e.getKey(), Arrays32.floats(e.getValue()), Arrays32.floats(b.paramTable().get(e.getKey())));
            }
            assertEquals(sa.keySet(), sb.keySet());
            for (String k : sa.keySet()) {
                for (int j = 0; j < sa.get(k).length; j++) assertClose(opt.name() + " state " + k, sa.get(k)[j], sb.get(k)[j], 1e-3);
            }
        }
    }

    @Test
    void aResumedEngineContinuesExactlyWhereTheFirstStopped() {
        Setup s = setup(100, true, Optimizer.adam(1e-3), 13);
        FastTraining first = s.split().fastTraining();
        first.step(s.x(), s.labels());
        first.step(s.x(), s.labels());
        first.copyTo(ModelInternals.graph(s.model()));
        FastTraining resumed = SplitGraph.of(ModelInternals.network(s.model())).fastTraining();
        INDArray a = first.step(s.x(), s.labels());
        INDArray b = resumed.step(s.x(), s.labels());
        assertArrayEquals(a.toFloatVector(), b.toFloatVector(), 1e-6f);
        Map<String, float[]> ga = first.gradients(), gb = resumed.gradients();
        for (String k : ga.keySet()) assertArrayEquals(ga.get(k), gb.get(k), 1e-6f, k);
        assertArrayEquals(first.predict(s.x()).toFloatVector(), resumed.predict(s.x()).toFloatVector(), 1e-6f);
        INDArray before = first.predict(s.x());
        first.release(); // frees the pooled buffers; the next call allocates new ones
        assertArrayEquals(before.toFloatVector(), first.predict(s.x()).toFloatVector(), 0f);
    }

    @Test
    void layersWithoutAFastTrainingPathAreDeclined() {
        BaseModel base = MobileNetV2.create(SIZE, 0.35, 7);
        List<KerasLayer> withDropout = List.of(KerasLayer.input("in"), KerasLayer.dropout("d", "in", 0.2),
                KerasLayer.dense("dense", "d", 1, "sigmoid"));
        assertFalse(FastTraining.supports(withDropout));
        List<KerasLayer> reluOutput = List.of(KerasLayer.input("in"), KerasLayer.dense("dense", "in", 1, "relu"));
        assertFalse(FastTraining.supports(reluOutput));
        assertTrue(FastTraining.supports(List.of(KerasLayer.input(base.outputName()), KerasLayer.dense("dense", base.outputName(), 1, "sigmoid"))));
    }
}
