package org.tlworkbook.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.ClassMode;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.Progress;
import org.tlworkbook.engine.FastForward;
import org.tlworkbook.testing.KerasH5;
import org.tlworkbook.testing.TestImages;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * ResNet50, the base added as one row of {@link Architecture}: Keras' layer table and counts, the fast forward pass
 * against the DL4J graph, its weights file, training and fine-tuning from its last stage. The export and import round
 * trips run it in {@code ExportTest}; its forward pass against Keras' own is {@code ExportTest}'s Keras-saved case and
 * {@code bench/resnet50_keras.py}.
 */
class ResNet50Test {
    @TempDir
    Path tmp;

    @Test
    void layerTableAndParameterCountsMatchKeras() {
        BaseModel base = Architecture.RESNET50.create(224, 1.0, 1);
        assertEquals(175, base.layerCount(), "len(ResNet50(include_top=False).layers)");
        assertEquals(23_587_712L, base.countParams(), "Keras' count_params()");
        assertEquals(new LayerInfo(6, "pool1_pool", "MaxPooling2D", "(56, 56, 64)", 0, false), base.layer(6));
        assertEquals("conv2_block1_0_conv", base.layer(13).name(), "Keras lists the shortcut between the second and third convolutions");
        assertEquals("conv2_block1_3_conv", base.layer(14).name());
        assertEquals("conv2_block1_0_bn", base.layer(15).name());
        assertEquals(new LayerInfo(18, "conv2_block1_out", "Activation", "(56, 56, 256)", 0, false), base.layer(18));
        assertEquals(Architecture.RESNET50.defaultFineTuneAt(), 143);
        assertEquals(new LayerInfo(143, "conv5_block1_1_conv", "Conv2D", "(7, 7, 512)", 1024 * 512 + 512, true), base.layer(143));
        assertEquals("conv5_block3_out", base.outputName());
        assertEquals(Architecture.RESNET50.gradCamLayer(), base.outputName());

        base.unfreezeFrom(143);
        assertEquals(14_976_000L, base.countTrainableParams(), "Keras' trainable weights with layers[:143] frozen");
        assertEquals(40, base.countTrainableArrays());
        assertThrows(IllegalArgumentException.class, () -> Architecture.RESNET50.create(224, 0.5, 1), "no width multiplier");
        assertThrows(IllegalArgumentException.class, () -> Architecture.RESNET50.create(31, 1.0, 1));
    }

    @Test
    void oneRowGivesItsWeightsHeadPreprocessingAndImportSignature() {
        Architecture a = Architecture.named("resnet50");
        assertSame(Architecture.RESNET50, a);
        assertEquals("https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
                a.weightsFile(160, 1.0).url().toString());
        assertEquals("caffe", a.preprocessing().name());
        assertEquals("GAP + Dense(64, relu) + Dense(3, softmax)", a.defaultHead(3).description(3));
        assertTrue(a.defaultHead(2).isBinary());
        Set<String> names = new java.util.HashSet<>();
        for (LayerInfo l : a.create(32, 1.0, 0).layers()) names.add(l.name());
        assertSame(Architecture.RESNET50, Architecture.ofKerasLayers(names));
        names.add("conv4_block7_1_conv");
        assertNull(Architecture.ofKerasLayers(names), "ResNet101's weights are not ResNet50's");
    }

    @Test
    void fastForwardPassEqualsTheDl4jGraph() throws Exception {
        Path folder = TestImages.folder(tmp.resolve("imgs"), 33, 2, "a", "b");
        BaseModel base = Architecture.RESNET50.create(33, 1.0, 3); // odd sizes: 17 after the stem, 9 after pooling, 5, 3, 2
        INDArray x = ImageFolder.from(folder).training(base).batchSize(4).shuffle(false).build().next().getFeatures();
        SyntheticWeights.calibrate(base, x);
        INDArray expected = base.graph().outputSingle(false, x);
        assertArrayEquals(new long[]{4, 2048, 2, 2}, expected.shape(), "Keras' shape at 33 px");
        INDArray fast = FastForward.compile(base.kerasLayers(), base.paramTable()).output(x);
        double scale = expected.norm2Number().doubleValue() / Math.sqrt(expected.length());
        double diff = expected.sub(fast).amaxNumber().doubleValue();
        assertTrue(scale > 0.1, "calibrated activations are not vanishing: " + scale);
        // float32 rounding grows over 53 convolutions in two orders of summation: 4e-6 after the stem, 1e-4 at conv4, 2e-3 at the end
        assertTrue(diff <= 5e-4 * expected.amaxNumber().doubleValue(), "max abs difference " + diff + " (largest " + expected.amaxNumber() + ")");
        INDArray images = x.slice(0).reshape(1, 3, 33, 33);
        double alone = base.graph().outputSingle(false, images).sub(fast.slice(0).reshape(1, 2048, 2, 2)).amaxNumber().doubleValue();
        assertTrue(alone <= 5e-4 * expected.amaxNumber().doubleValue(), "an image alone: " + alone);
    }

    @Test
    void keras_h5WeightsLoadIntoTheSameLayers() throws Exception {
        BaseModel written = Architecture.RESNET50.create(32, 1.0, 5);
        Path file = KerasH5.write(tmp.resolve("resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"), written, n -> false);
        assertEquals("resnet50", ModelFile.identify(file, "").base());
        BaseModel read = Architecture.RESNET50.fromWeights(32, 1.0, file);
        Map<String, INDArray> a = written.paramTable(), b = read.paramTable();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertEquals(a.get(k), b.get(k), k);
    }

    @Test
    @org.junit.jupiter.api.Tag("slow") // half a minute: DL4J trains the last stage, and model.zip holds 24 M parameters
    void trainsAHeadThenFineTunesTheLastStage() throws Exception {
        ImageFolder folder = ImageFolder.from(TestImages.folder(tmp.resolve("data"), 32, 12, "cats", "dogs")).validationSplit(0.25).seed(3);
        BaseModel base = Architecture.RESNET50.create(32, 1.0, 7);
        SyntheticWeights.calibrate(base, folder.training(base).batchSize(16).build().next().getFeatures());
        Classifier model = Classifier.of(base.freeze(), Architecture.RESNET50.defaultHead(2), folder.classes())
                .compile(Optimizer.rmsprop(1e-3)).progress(Progress.silent());
        History frozen = model.fit(folder.training(base).batchSize(6).classMode(ClassMode.BINARY).build(),
                folder.validation(base).batchSize(6).classMode(ClassMode.BINARY).build(), 1);
        assertTrue(Double.isFinite(frozen.epochs().get(0).loss()));

        Map<String, INDArray> before = copy(model);
        base.unfreezeFrom(Architecture.RESNET50.defaultFineTuneAt());
        model.compile(Optimizer.rmsprop(1e-5));
        History tuned = model.fit(folder.training(base).batchSize(6).classMode(ClassMode.BINARY).build(),
                folder.validation(base).batchSize(6).classMode(ClassMode.BINARY).build(), 1);
        assertEquals(Phase.FINE_TUNE, tuned.epochs().get(tuned.size() - 1).phase());
        assertEquals(2, tuned.epochs().get(tuned.size() - 1).epoch(), "fit continues the epoch numbers");
        Map<String, INDArray> after = copy(model);
        assertNotEquals(before.get("conv5_block3_2_conv_W"), after.get("conv5_block3_2_conv_W"), "the last stage trained");
        assertNotEquals(before.get("conv5_block1_1_conv_W"), after.get("conv5_block1_1_conv_W"), "from layer 143 on");
        assertEquals(before.get("conv4_block6_3_conv_W"), after.get("conv4_block6_3_conv_W"), "the layers before 143 stay frozen");
        assertEquals(before.get("conv5_block1_1_bn_mean"), after.get("conv5_block1_1_bn_mean"), "batch norm keeps its moving statistics (training=False)");

        Path saved = tmp.resolve("model.zip");
        model.save(saved);
        Classifier back = Classifier.load(saved);
        INDArray x = folder.validation(base).batchSize(6).shuffle(false).build().next().getFeatures();
        assertEquals(model.predict(x), back.predict(x));
        assertEquals("resnet50", back.base().name());
    }

    private static Map<String, INDArray> copy(Classifier model) {
        Map<String, INDArray> out = new java.util.HashMap<>();
        model.graph().paramTable().forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    @Test
    void everyBaseIsOneRow() {
        for (Architecture a : Architecture.values()) {
            assertSame(a, Architecture.named(a.id()));
            assertTrue(a.layerCount(a.defaultSize(), a.alphas()[a.alphas().length > 1 ? 3 : 0]) > a.defaultFineTuneAt(), a.id());
            List<String> names = a.create(Math.max(32, a.defaultSize() / 4), a.alphas().length > 1 ? 1.0 : a.alphas()[0], 0)
                    .layers().stream().map(LayerInfo::name).toList();
            assertTrue(names.contains(a.gradCamLayer()), a.id() + "'s Grad-CAM layer is one of its layers");
            assertNotNull(a.defaultHead(3), a.id());
            assertEquals(a.pretrained(), !a.equals(Architecture.SMALL_CNN));
        }
    }
}
