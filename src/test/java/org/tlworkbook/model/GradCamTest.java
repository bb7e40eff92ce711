package org.tlworkbook.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.engine.FastForward;
import org.tlworkbook.engine.KerasLayer;
import org.tlworkbook.engine.LayerGradient;
import org.tlworkbook.testing.TrainedModels;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Grad-CAM's gradient against finite differences of the layers after the target, whose forward pass is checked against
 * the engine's own ({@link FastForward}, with the output layer's activation removed); its map against a hand computation.
 */
@org.junit.jupiter.api.Tag("slow") // the trained fixtures it shares with ExportTest
class GradCamTest {

    @Test
    void theGradientIsTheFiniteDifferenceOfTheClassLogitForEveryBaseAndHead() throws Exception {
        check(TrainedModels.get("mobilenet_v2", 48, 0.5, "pooled_dense", 3));
        check(TrainedModels.get("mobilenet_v2", 64, 0.35, "binary", 2));
        check(TrainedModels.get("mobilenet_v2", 64, 0.35, "keras", 3));
        check(TrainedModels.get("vgg16", 32, 1.0, "flatten_dense", 3));
    }

    private static void check(TrainedModels.Trained t) throws Exception {
        Classifier model = t.model();
        List<KerasLayer> layers = model.network().layers();
        String target = model.base().architecture().gradCamLayer();
        java.util.Map<String, INDArray> params = model.graph().paramTable();
        LayerGradient gradient = LayerGradient.compile(layers, params, target);
        INDArray images = t.images().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all());
        int outputs = (int) model.predict(images).size(1);
        int[] unit = {0, outputs - 1, outputs / 2};
        double[] sign = {1, -1, 1};
        List<LayerGradient.Result> results = gradient.run(images, unit, sign);
        INDArray predicted = model.predict(images);

        // the engine's forward pass over the same layers, with logits out: the reference the gradient's forward pass must match
        int at = model.network().indexOf(target);
        List<KerasLayer> suffix = new ArrayList<>();
        suffix.add(KerasLayer.input(target));
        suffix.addAll(layers.subList(at + 1, layers.size()));
        KerasLayer out = suffix.remove(suffix.size() - 1);
        suffix.add(KerasLayer.dense(out.name(), out.input(), ((KerasLayer.Dense) out).units(), "linear"));
        FastForward logitsPass = FastForward.compile(suffix, params);
        String what = model.base().architecture().id() + " " + model.head().description(model.classes().size());

        Random random = new Random(5);
        int nonZero = 0;
        for (int i = 0; i < 3; i++) {
            LayerGradient.Result r = results.get(i);
            for (int j = 0; j < outputs; j++) {
                assertEquals(predicted.getDouble(i, j), r.probabilities()[j], 1e-4, what + ": the gradient's forward pass predicts as the model does");
            }
            INDArray a = org.nd4j.linalg.factory.Nd4j.create(r.activation(), new long[]{1, r.channels(), r.height(), r.width()}, 'c');
            INDArray z = logitsPass.output(a);
            double[] x = new double[r.activation().length];
            for (int q = 0; q < x.length; q++) x[q] = r.activation()[q];
            double[] mine = gradient.logits(x, r.channels(), r.height(), r.width());
            for (int j = 0; j < outputs; j++) {
                assertEquals(z.getDouble(0, j), mine[j], 1e-4 * Math.max(1, Math.abs(mine[j])), what + ": logits as the engine computes them");
            }
            double largest = 0;
            for (double g : r.gradient()) largest = Math.max(largest, Math.abs(g));
            nonZero += largest > 0 ? 1 : 0; // a head whose ReLUs are all off for an image has none: the differences must agree
            // central differences in doubles at the largest entries and at random ones
            List<Integer> positions = new ArrayList<>();
            for (int q = 0; q < x.length; q++) if (Math.abs(r.gradient()[q]) > 0.5 * largest && positions.size() < 8) positions.add(q);
            // zeros (ReLU's off state) tie inside a max-pooling window, where the function has a kink: one-sided there
            for (int tries = 0; positions.size() < 32 && tries < 10_000; tries++) {
                int q = random.nextInt(x.length);
                if (x[q] != 0) positions.add(q);
            }
            for (int q : positions) {
                double h = 1e-4 * Math.max(1, Math.abs(x[q]));
                double[] up = x.clone(), down = x.clone();
                up[q] += h;
                down[q] -= h;
                double numeric = sign[i] * (gradient.logits(up, r.channels(), r.height(), r.width())[unit[i]]
                        - gradient.logits(down, r.channels(), r.height(), r.width())[unit[i]]) / (2 * h);
                assertEquals(numeric, r.gradient()[q], 1e-6 * largest + 1e-6 * Math.abs(numeric), what + ": d score / d activation at " + q);
            }
        }
        assertTrue(nonZero > 0, what + ": the score depends on the layer for some image");
    }

    /** TensorFlow's GradientTape on the Keras export of the same model, where Python has TensorFlow (the dev machine's wheel index has it). */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} {1}px alpha {2}, {3} head, {4} classes")
    @org.junit.jupiter.params.provider.CsvSource({
            "mobilenet_v2, 64, 0.35, binary, 2",
            "mobilenet_v2, 48, 0.5, pooled_dense, 3",
            "vgg16, 32, 1.0, flatten_dense, 3",
    })
    void theMapEqualsTensorFlowsGradCam(String base, int size, double alpha, String head, int classes, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.tlworkbook.testing.Processes.python("import tensorflow, keras"),
                "python3 has no tensorflow (pip install tensorflow-cpu): Grad-CAM against GradientTape is checked by ./workbook bench gradcam");
        TrainedModels.Trained t = TrainedModels.get(base, size, alpha, head, classes);
        List<Path> paths = t.folder().trainingSamples().subList(0, 6).stream().map(ImageFolder.Sample::path).toList();
        org.tlworkbook.bench.GradCamBench.write(t.model(), paths, dir);
        double diff = org.tlworkbook.bench.GradCamBench.tensorflow(dir, Path.of("bench/gradcam_tf.py"));
        System.out.printf(java.util.Locale.ROOT, "%s %dpx %s: Grad-CAM vs TensorFlow GradientTape, max abs difference %.2e%n", base, size, head, diff);
        assertTrue(diff <= 1e-3, "max abs difference " + diff);
    }

    @Test
    void theMapWeighsEachChannelByItsMeanGradientAndKeepsThePositivePart() {
        // 2 channels of 1 x 3: channel 0 = (1, 2, 0), channel 1 = (0, 1, 4); gradients average to 3 and -1
        float[] a = {1, 2, 0, 0, 1, 4};
        double[] g = {3, 3, 3, -2, 0, -1};
        double[][] map = GradCam.heatmap(new LayerGradient.Result(2, 1, 3, a, g, new double[1], new double[1]));
        // 3*1 - 0 = 3, 3*2 - 1 = 5, 0 - 4 = -4 -> (3, 5, 0) / 5
        assertArrayEquals(new double[]{0.6, 1.0, 0.0}, map[0], 1e-12);
        double[][] none = GradCam.heatmap(new LayerGradient.Result(1, 1, 2, new float[]{1, 2}, new double[]{-1, -1}, new double[1], new double[1]));
        assertArrayEquals(new double[]{0, 0}, none[0], 0, "no positive evidence: an empty map, not NaN");
    }

    @Test
    void aModelExplainsItsPredictionOrAChosenClassAndDrawsTheOverlay() throws Exception {
        TrainedModels.Trained t = TrainedModels.get("mobilenet_v2", 64, 0.35, "binary", 2);
        Classifier model = t.model();
        List<Path> paths = t.folder().trainingSamples().subList(0, 4).stream().map(ImageFolder.Sample::path).toList();
        List<GradCam> maps = GradCam.of(model, paths);
        Predictions p = model.predict(paths.toArray(Path[]::new));
        for (int i = 0; i < paths.size(); i++) {
            GradCam cam = maps.get(i);
            assertEquals(p.get(i).label(), cam.predicted());
            assertEquals(cam.predicted(), cam.className());
            assertEquals(p.get(i).probability(), cam.probability(), 1e-4);
            assertEquals("out_relu", cam.layer());
            double[][] m = cam.heatmap();
            assertEquals(2, m.length, "64 px MobileNetV2 ends at 2 x 2");
            double max = 0;
            for (double[] row : m) for (double v : row) {
                assertTrue(v >= 0 && v <= 1);
                max = Math.max(max, v);
            }
            assertTrue(max == 0 || max == 1, "normalised to its largest value");
            BufferedImage overlay = cam.overlay();
            assertEquals(64, overlay.getWidth());
            assertEquals(64, overlay.getHeight());
        }
        // one sigmoid unit: the other class's score is the negative logit, so its map is built from the opposite gradient
        String other = model.classes().get(model.classes().indexOf(maps.get(0).predicted()) == 0 ? 1 : 0);
        GradCam against = model.gradCam(paths.get(0), other);
        assertEquals(other, against.className());
        assertEquals(1 - maps.get(0).probability(), against.probability(), 1e-6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.gradCam(paths.get(0), "horses"));
        assertTrue(e.getMessage().contains("[cats, dogs]"), e.getMessage());
    }

    @Test
    void aLayerBeforeTheBasesLastBlockIsRefusedWithTheReason() throws Exception {
        Classifier model = TrainedModels.get("mobilenet_v2", 64, 0.35, "binary", 2).model();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerGradient.compile(model.network().layers(), model.graph().paramTable(), "block_16_project"));
        assertTrue(e.getMessage().contains("BatchNormalization") && e.getMessage().contains("choose a later layer"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LayerGradient.compile(model.network().layers(), model.graph().paramTable(), "nope"));
    }
}
