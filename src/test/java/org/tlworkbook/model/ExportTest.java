package org.tlworkbook.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import onnx.Onnx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.ClassMode;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.Progress;
import org.tlworkbook.testing.TestImages;
import org.tlworkbook.testing.TrainedModels;
import org.tlworkbook.testing.TrainedModels.Trained;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Exported models give the workbook's probabilities in another runtime: ONNX files run in onnxruntime (its Java
 * package), for every base and head the workbook trains, with weights the test makes (random bases, a head trained for
 * one epoch).
 */
@org.junit.jupiter.api.Tag("slow") // sandboxes, kernels, processes or round trips: minutes; -DexcludedGroups=slow leaves them out
class ExportTest {
    @TempDir
    static Path tmp;

    /** A model of this base and head, trained once per JVM ({@link TrainedModels}). */
    static Trained trained(String base, int size, double alpha, String head, int classes) throws IOException {
        return TrainedModels.get(base, size, alpha, head, classes);
    }

    /** Every base and head the workbook trains: MobileNetV2 at three alphas and two sizes with its heads, VGG16 with Flatten, ResNet50, an imported Keras head. */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> pairs() {
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("mobilenet_v2", 64, 0.35, "binary", 2),
                org.junit.jupiter.params.provider.Arguments.of("mobilenet_v2", 48, 0.5, "pooled_dense", 3),
                org.junit.jupiter.params.provider.Arguments.of("mobilenet_v2", 64, 1.0, "pooled_dense", 2),
                org.junit.jupiter.params.provider.Arguments.of("vgg16", 32, 1.0, "flatten_dense", 3),
                org.junit.jupiter.params.provider.Arguments.of("resnet50", 40, 1.0, "pooled_dense", 3),
                org.junit.jupiter.params.provider.Arguments.of("mobilenet_v2", 64, 0.35, "keras", 3));
    }

    static float[][] onnxruntime(Path file, INDArray nchw) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
            INDArray nhwc = nchw.permute(0, 2, 3, 1).dup('c');
            try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(nhwc.reshape(nhwc.length()).toFloatVector()), nhwc.shape());
                 OrtSession.Result result = session.run(Map.of("image", input))) {
                return (float[][]) result.get(0).getValue();
            }
        }
    }

    static double maxDiff(float[][] a, INDArray b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) max = Math.max(max, Math.abs(a[i][j] - b.getDouble(i, j)));
        }
        return max;
    }

    @ParameterizedTest(name = "{0} {1}px alpha {2}, {3} head, {4} classes")
    @MethodSource("pairs")
    void onnxRuntimeGivesTheWorkbooksProbabilities(String base, int size, double alpha, String head, int classes) throws Exception {
        Trained t = trained(base, size, alpha, head, classes);
        Path file = tmp.resolve(base + "-" + head + "-" + classes + ".onnx");
        t.model().exportOnnx(file);
        INDArray ours = t.model().predict(t.images());
        float[][] theirs = onnxruntime(file, t.images());
        assertEquals(16, theirs.length);
        assertEquals(ours.size(1), theirs[0].length);
        double spread = 0;
        for (int i = 0; i < 16; i++) spread = Math.max(spread, Math.abs(ours.getDouble(i, 0) - ours.getDouble(0, 0)));
        assertTrue(spread > 1e-3, "the predictions differ between images, so agreeing means something: " + spread);
        double diff = maxDiff(theirs, ours);
        System.out.printf("%s %dpx alpha %s %s: onnxruntime vs workbook max abs diff %.2e%n", base, size, alpha, head, diff);
        assertTrue(diff <= 1e-4, "max abs difference " + diff);

        Onnx.ModelProto proto = Onnx.ModelProto.parseFrom(Files.readAllBytes(file));
        assertEquals(OnnxExport.OPSET, proto.getOpsetImport(0).getVersion());
        assertEquals("", proto.getOpsetImport(0).getDomain());
        Map<String, String> meta = new java.util.HashMap<>();
        proto.getMetadataPropsList().forEach(p -> meta.put(p.getKey(), p.getValue()));
        assertEquals(Integer.toString(size), meta.get("image_size"));
        assertTrue(meta.get("class_names").startsWith("[\"cats\", \"dogs\""), meta.toString());
        assertTrue(meta.get("pixel_scaling").contains(t.model().base().preprocessing().name()), meta.toString());
        String output = head.equals("binary") ? "sigmoid probability of class_names[1]" : head.equals("keras") ? "sigmoid probabilities" : "softmax probabilities";
        assertTrue(meta.get("output").startsWith(output), "the output says its last activation: " + meta.get("output"));
        assertTrue(proto.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("Dropout")), "Dropout is identity");
    }

    /** Keras 3's own {@code load_model}, where Python has Keras and a backend (the dev machine's wheel index has them; CI may not). */
    @ParameterizedTest(name = "{0} {1}px alpha {2}, {3} head, {4} classes")
    @CsvSource({
            "mobilenet_v2, 64, 0.35, binary, 2",
            "mobilenet_v2, 48, 0.5, pooled_dense, 3",
            "vgg16, 32, 1.0, flatten_dense, 3",
            "resnet50, 40, 1.0, pooled_dense, 3",
    })
    void kerasLoadModelReadsTheKerasExport(String base, int size, double alpha, String head, int classes) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.tlworkbook.testing.Processes.python("import keras, h5py, numpy"),
                "python3 has no keras (pip install tensorflow-cpu): Keras' own reading of the .h5 export is checked by bench/interop.py");
        Trained t = trained(base, size, alpha, head, classes);
        Path file = tmp.resolve(base + "-" + head + "-" + classes + ".h5");
        t.model().exportKeras(file);
        INDArray nhwc = t.images().permute(0, 2, 3, 1).dup('c');
        Path input = tmp.resolve("input.f32");
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate((int) nhwc.length() * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : nhwc.reshape(nhwc.length()).toFloatVector()) bytes.putFloat(v);
        Files.write(input, bytes.array());
        String script = String.join("\n",
                "import os, sys; os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')",
                "import numpy as np, keras",
                "m = keras.models.load_model(sys.argv[1], compile=False)",
                "x = np.fromfile(sys.argv[2], dtype='<f4').reshape(16, " + size + ", " + size + ", 3)",
                "np.savetxt(sys.stdout, m.predict(x, verbose=0), fmt='%.8f')");
        String out = org.tlworkbook.testing.KerasWorker.run(script, file.toString(), input.toString());
        float[][] keras = varyingRows(out.lines().toList());
        double diff = maxDiff(keras, t.model().predict(t.images()));
        System.out.printf("%s %dpx alpha %s %s: keras.models.load_model vs workbook max abs diff %.2e%n", base, size, alpha, head, diff);
        assertTrue(diff <= 1e-4, "max abs difference " + diff);
    }


    @ParameterizedTest(name = "{0} {1}px alpha {2}, {3} head, {4} classes")
    @MethodSource("pairs")
    void theKerasExportReadsBackToTheSamePredictionsAndFineTunesFurther(String base, int size, double alpha, String head, int classes) throws Exception {
        Trained t = trained(base, size, alpha, head, classes);
        Path file = tmp.resolve("roundtrip-" + base + "-" + head + "-" + classes + ".h5");
        t.model().exportKeras(file);
        Classifier back = Classifier.importKeras(file, t.model().classes(), null);
        assertEquals(t.model().base().name(), back.base().name());
        assertEquals(t.model().base().alpha(), back.base().alpha());
        assertEquals(t.model().head().description(classes), back.head().description(classes));
        double diff = maxDiff(toArray(back.predict(t.images())), t.model().predict(t.images()));
        System.out.printf("%s %dpx alpha %s %s: .h5 export read back, max abs diff %.2e%n", base, size, alpha, head, diff);
        assertTrue(diff <= 1e-5, "max abs difference " + diff);
        assertEquals(file.toAbsolutePath().normalize(), back.loadedFrom());

        int layers = back.base().layerCount();
        back.base().unfreezeFrom(layers - 3);
        back.compile(Optimizer.rmsprop(1e-5)).progress(Progress.silent());
        ClassMode mode = back.head().isBinary() ? ClassMode.BINARY : ClassMode.CATEGORICAL;
        History h = back.fit(t.folder().training(back.base()).batchSize(8).classMode(mode).build(),
                t.folder().validation(back.base()).batchSize(8).classMode(mode).build(), 1);
        assertEquals(Phase.FINE_TUNE, h.epochs().get(h.size() - 1).phase());
        assertTrue(Double.isFinite(h.epochs().get(h.size() - 1).loss()));
    }

    /** Keras' predictions as numpy's savetxt wrote them; they must differ between images, so agreeing with them means something. */
    static float[][] varyingRows(List<String> lines) {
        float[][] rows = lines.stream().map(l -> {
            String[] f = l.trim().split("\\s+");
            float[] r = new float[f.length];
            for (int i = 0; i < f.length; i++) r[i] = Float.parseFloat(f[i]);
            return r;
        }).toArray(float[][]::new);
        double spread = 0;
        for (float[] row : rows) spread = Math.max(spread, Math.abs(row[0] - rows[0][0]));
        assertTrue(spread > 1e-3, "Keras' predictions differ between images: " + spread);
        return rows;
    }

    static float[][] toArray(INDArray a) {
        float[][] out = new float[(int) a.size(0)][];
        for (int i = 0; i < out.length; i++) out[i] = a.getRow(i).dup().toFloatVector();
        return out;
    }

    @Test
    void importRefusesWhatItCannotTakeAndSaysWhatTheFileIs() throws Exception {
        Path text = Files.writeString(tmp.resolve("notes.h5"), "not hdf5");
        IOException notHdf5 = assertThrows(IOException.class, () -> Classifier.importKeras(text));
        assertTrue(notHdf5.getMessage().contains("not an HDF5 file"), notHdf5.getMessage());

        Path weightsOnly = org.tlworkbook.testing.KerasH5.write(tmp.resolve("mobilenet_v2_weights.h5"), MobileNetV2.create(32, 0.35, 1), n -> false);
        IOException noConfig = assertThrows(IOException.class, () -> Classifier.importKeras(weightsOnly));
        assertTrue(noConfig.getMessage().contains("weights-only") && noConfig.getMessage().contains("--weights"), noConfig.getMessage());

        Path otherHdf5 = tmp.resolve("measurements.h5");
        try (io.jhdf.WritableHdfFile h5 = io.jhdf.HdfFile.write(otherHdf5)) {
            h5.putDataset("temperatures", new float[]{20.5f, 21f});
        }
        IOException notKeras = assertThrows(IOException.class, () -> Classifier.importKeras(otherHdf5));
        assertTrue(notKeras.getMessage().contains("an HDF5 file but not a Keras model"), notKeras.getMessage());

        IOException missing = assertThrows(IOException.class, () -> Classifier.importKeras(tmp.resolve("absent.h5")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());

        Trained t = trained("mobilenet_v2", 48, 0.5, "pooled_dense", 3);
        String config = KerasExport.config(t.model(), t.model().network().layers());
        String withBatchNorm = config.replace("{\"class_name\":\"Dense\",\"config\":{\"name\":\"dense\"",
                "{\"class_name\":\"BatchNormalization\",\"config\":{\"name\":\"head_bn\"},\"name\":\"head_bn\",\"inbound_nodes\":[]},"
                        + "{\"class_name\":\"Dense\",\"config\":{\"name\":\"dense\"");
        assertNotEquals(config, withBatchNorm);
        IllegalArgumentException head = assertThrows(IllegalArgumentException.class, () -> Classifier.importKeras(modelFile("bn-head.h5", withBatchNorm)));
        assertTrue(head.getMessage().contains("cannot take layer 'head_bn' (BatchNormalization)"), head.getMessage());

        String otherBase = config.replace("\"Conv1\"", "\"conv1_conv\"");
        IllegalArgumentException base = assertThrows(IllegalArgumentException.class, () -> Classifier.importKeras(modelFile("resnet.h5", otherBase)));
        assertTrue(base.getMessage().contains("'conv1_conv'") && base.getMessage().contains("keras.applications mobilenet_v2, vgg16, resnet50 (include_top=False)"), base.getMessage());

        String logits = config.replace("\"activation\":\"softmax\"", "\"activation\":\"linear\"");
        IllegalArgumentException last = assertThrows(IllegalArgumentException.class, () -> Classifier.importKeras(modelFile("logits.h5", logits)));
        assertTrue(last.getMessage().contains("sigmoid' or 'softmax"), last.getMessage());
    }

    /** Files Keras itself saved (Keras 3, {@code model.save("x.h5")}), where Python has Keras: nested and flat bases, the seeds' heads. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "seed000_nested, 96, 'keras.Sequential([keras.applications.MobileNetV2(input_shape=(96,96,3), alpha=0.35, include_top=False, weights=None), keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(64, activation=\"relu\"), keras.layers.Dense(3, activation=\"sigmoid\")])'",
            "flat_binary, 96, 'flat()'",
            "vgg16_nested, 32, 'keras.Sequential([keras.applications.VGG16(input_shape=(32,32,3), include_top=False, weights=None), keras.layers.Flatten(), keras.layers.Dense(16, activation=\"relu\"), keras.layers.Dropout(0.5), keras.layers.Dense(3, activation=\"softmax\")])'",
            "resnet50_nested, 64, 'keras.Sequential([keras.applications.ResNet50(input_shape=(64,64,3), include_top=False, weights=None), keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3, activation=\"softmax\")])'",
    })
    void importsClassifiersKerasItselfSaved(String name, int size, String build) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.tlworkbook.testing.Processes.python("import keras, h5py, numpy"),
                "python3 has no keras (pip install tensorflow-cpu): importing Keras-saved files is checked by bench/interop.py");
        Path dir = Files.createDirectories(tmp.resolve("keras-" + name));
        String script = String.join("\n",
                "import os, sys; os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')",
                "import numpy as np, keras",
                "keras.utils.set_random_seed(3)",
                "def flat():",
                "    inp = keras.Input((96, 96, 3))",
                "    b = keras.applications.MobileNetV2(input_tensor=inp, alpha=0.35, include_top=False, weights=None)",
                "    x = keras.layers.GlobalAveragePooling2D()(b.output)",
                "    x = keras.layers.Dropout(0.2)(x)",
                "    return keras.Model(inp, keras.layers.Dense(1, activation='sigmoid')(x))",
                // random bases give every image the same output: batch-norm statistics and relu convolutions are scaled
                // on the test images first (as SyntheticWeights.calibrate does), so the outputs differ between images.
                // One pass, layer by layer in the graph's order, each layer's input taken from what its producers gave
                // (a sub-model per calibrated layer gave the same weights ten times slower: ResNet50 10.5 -> 0.7 s)
                "def calibrate(model, x):",
                "    base = model.layers[0] if isinstance(model.layers[0], keras.Model) else model",
                "    values = {id(base.inputs[0]): x}",
                "    for layer in base.layers:",
                "        if isinstance(layer, keras.layers.InputLayer):",
                "            continue",
                "        ins = layer.input",
                "        a = [values[id(t)] for t in ins] if isinstance(ins, (list, tuple)) else values[id(ins)]",
                "        if isinstance(layer, keras.layers.BatchNormalization):",
                "            a = np.asarray(a)",
                "            layer.moving_mean.assign(a.mean(axis=(0, 1, 2)))",
                "            layer.moving_variance.assign(a.var(axis=(0, 1, 2)) + 1e-3)",
                "        out = layer(a, training=False)",
                "        if type(layer) is keras.layers.Conv2D and layer.activation.__name__ == 'relu':",
                "            layer.kernel.assign(layer.kernel / (np.asarray(out).std() + 1e-6))",
                "            out = layer(a, training=False)",
                "        values[id(layer.output)] = out",
                "r = np.random.RandomState(0)",
                "s = " + size,
                "colors = r.uniform(-1, 1, (16, 1, 1, 3))",
                "ramp = np.linspace(-1, 1, s)[None, :, None, None] * r.uniform(-1, 1, (16, 1, 1, 3))",
                "x = np.clip(colors + ramp + r.normal(0, 0.1, (16, s, s, 3)), -1, 1).astype('<f4')",
                "m = " + build,
                "m.build((None, s, s, 3))",
                "calibrate(m, x)",
                "d = sys.argv[1]",
                "m.save(os.path.join(d, 'model.h5'))",
                "x.tofile(os.path.join(d, 'input.f32'))",
                "np.savetxt(os.path.join(d, 'expected.txt'), m.predict(x, verbose=0), fmt='%.8f')");
        org.tlworkbook.testing.KerasWorker.run(script, dir.toString());

        Classifier model = Classifier.importKeras(dir.resolve("model.h5"));
        byte[] raw = Files.readAllBytes(dir.resolve("input.f32"));
        java.nio.FloatBuffer fb = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] values = new float[fb.remaining()];
        fb.get(values);
        INDArray nchw = org.nd4j.linalg.factory.Nd4j.create(values, new long[]{16, size, size, 3}, 'c').permute(0, 3, 1, 2).dup('c');
        float[][] expected = varyingRows(Files.readAllLines(dir.resolve("expected.txt")));
        double diff = maxDiff(expected, model.predict(nchw));
        System.out.printf("%s: imported Keras model vs keras predict max abs diff %.2e (%s)%n", name, diff, model);
        assertTrue(diff <= 1e-4, "max abs difference " + diff);
    }

    /** A Keras-format file with this model_config and no weights (import reads the config first). */
    static Path modelFile(String name, String config) {
        Path file = tmp.resolve(name);
        try (io.jhdf.WritableHdfFile h5 = io.jhdf.HdfFile.write(file)) {
            h5.putAttribute("model_config", config);
            h5.putAttribute("keras_version", "2.15.0");
            h5.putGroup("model_weights").putAttribute("layer_names", new String[]{"x"});
        }
        return file;
    }

    @Test
    void withPixelsInTheGraphScalesTheImageItselfAndStillAgrees() throws Exception {
        Trained t = trained("mobilenet_v2", 64, 0.35, "binary", 2);
        Path file = tmp.resolve("pixels.onnx");
        t.model().exportOnnx(file, true);
        double diff = maxDiff(onnxruntime(file, pixels(t.images(), t.model().base().preprocessing(), false)), t.model().predict(t.images()));
        assertTrue(diff <= 1e-4, "max abs difference " + diff);
    }

    /** ResNet50's caffe scaling in the graph: RGB pixels in, swapped to BGR and each channel less its ImageNet mean. */
    @Test
    void withPixelsInTheGraphResNet50GetsBgrMinusTheMeans() throws Exception {
        Trained t = trained("resnet50", 40, 1.0, "pooled_dense", 3);
        Path file = tmp.resolve("pixels-resnet50.onnx");
        t.model().exportOnnx(file, true);
        var pre = t.model().base().preprocessing();
        assertTrue(pre.bgr());
        double diff = maxDiff(onnxruntime(file, pixels(t.images(), pre, false)), t.model().predict(t.images()));
        assertTrue(diff <= 1e-4, "max abs difference " + diff);
        double swapped = maxDiff(onnxruntime(file, pixels(t.images(), pre, true)), t.model().predict(t.images()));
        assertTrue(swapped > 1e-3, "the swap matters: pixels given in the model's channel order give other probabilities (" + swapped + ")");
    }

    /**
     * The 0-255 RGB pixels that preprocessed NCHW {@code images} came from; with {@code modelOrder} the channels stay in the
     * model's order (BGR for ResNet50: the wrong input, to show the graph's swap matters).
     */
    static INDArray pixels(INDArray images, org.tlworkbook.data.Preprocessing pre, boolean modelOrder) {
        INDArray out = images.dup();
        for (int c = 0; c < 3; c++) {
            out.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(modelOrder ? c : pre.sourceChannel(c)))
                    .assign(images.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(c))
                            .sub(pre.offset(c)).div(pre.scale()));
        }
        return out;
    }

    @Test
    void anUntrainedModelOrAnUnwritablePlaceIsRefusedSayingWhatToDo() throws Exception {
        Trained t = trained("mobilenet_v2", 64, 0.35, "binary", 2);
        Classifier fresh = Classifier.of(MobileNetV2.create(32, 0.35, 1), Head.binary(), List.of("a", "b")).compile(Optimizer.rmsprop(1e-3));
        IllegalArgumentException untrained = assertThrows(IllegalArgumentException.class, () -> fresh.exportOnnx(tmp.resolve("fresh.onnx")));
        assertTrue(untrained.getMessage().contains("has not been trained") && untrained.getMessage().contains("fit"), untrained.getMessage());
        Path savedFresh = tmp.resolve("saved-before-fit.zip");
        fresh.save(savedFresh);
        untrained = assertThrows(IllegalArgumentException.class, () -> Classifier.load(savedFresh).exportKeras(tmp.resolve("fresh.h5")));
        assertTrue(untrained.getMessage().contains("was saved before any training"), untrained.getMessage());
        assertFalse(Files.exists(tmp.resolve("fresh.h5")));
        Path savedTrained = tmp.resolve("saved-after-fit.zip");
        t.model().save(savedTrained);
        Classifier.load(savedTrained).exportOnnx(tmp.resolve("loaded.onnx"));
        assertTrue(Files.size(tmp.resolve("loaded.onnx")) > 0, "a trained model, saved and loaded, still exports");

        IOException noFolder = assertThrows(IOException.class, () -> t.model().exportOnnx(tmp.resolve("no/such/model.onnx")));
        assertTrue(noFolder.getMessage().contains("does not exist"), noFolder.getMessage());
        IOException folder = assertThrows(IOException.class, () -> t.model().exportOnnx(tmp));
        assertTrue(folder.getMessage().contains("is a folder"), folder.getMessage());
        Path locked = Files.createDirectories(tmp.resolve("locked"));
        assertTrue(locked.toFile().setWritable(false));
        try {
            if (!Files.isWritable(locked)) { // root may write anywhere
                IOException readOnly = assertThrows(IOException.class, () -> t.model().exportOnnx(locked.resolve("m.onnx")));
                assertTrue(readOnly.getMessage().contains("not writable"), readOnly.getMessage());
            }
        } finally {
            locked.toFile().setWritable(true);
        }
        assertFalse(Files.exists(tmp.resolve("fresh.onnx")));
    }
}
