package org.tlworkbook.notebook;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.ImageInput;
import org.tlworkbook.data.Preprocessing;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Predictions;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An exported ONNX file checked in onnxruntime, a runtime that shares no code with the workbook: the same images go
 * through both, and a table says what each predicted and how far their probabilities differ. Notebook 6's round trip
 * in one call; the plumbing (NHWC layout, a sigmoid file's single output, a graph that scales pixels itself) stays here.
 */
public final class Onnx {
    private Onnx() { }

    /**
     * One row per image: the workbook's class, onnxruntime's class, and the largest difference between their
     * probabilities. The caption gives the largest difference over all images.
     */
    public static Table compare(Classifier model, Path onnxFile, List<Path> images) throws IOException {
        if (images.isEmpty()) throw new IllegalArgumentException("compare needs at least one image");
        if (!Files.isRegularFile(onnxFile)) throw new IllegalArgumentException("No ONNX file at " + onnxFile + " (model.exportOnnx(file) writes one).");
        Predictions ours = model.predict(images.toArray(Path[]::new));
        float[][] theirs = run(model, onnxFile, images);
        List<String> classes = model.classes();
        StringColumn name = StringColumn.create("image"), workbook = StringColumn.create("workbook says"), runtime = StringColumn.create("onnxruntime says");
        DoubleColumn difference = DoubleColumn.create("largest difference");
        double largest = 0;
        for (int i = 0; i < images.size(); i++) {
            double[] p = probabilities(theirs[i], classes.size());
            int best = 0;
            double max = 0;
            for (int c = 0; c < p.length; c++) {
                if (p[c] > p[best]) best = c;
                max = Math.max(max, Math.abs(p[c] - ours.get(i).probabilities().get(classes.get(c))));
            }
            name.append(images.get(i).getFileName().toString());
            workbook.append(ours.get(i).label());
            runtime.append(classes.get(best));
            difference.append(max);
            largest = Math.max(largest, max);
        }
        difference.setPrintFormatter(new tech.tablesaw.columns.numbers.NumberColumnFormatter(new java.text.DecimalFormat("0.0E0", java.text.DecimalFormatSymbols.getInstance(Locale.ROOT))));
        return Table.create(String.format(Locale.ROOT, "workbook vs onnxruntime (largest difference %.1e)", largest), name, workbook, runtime, difference);
    }

    /** A sigmoid file answers p(class 1) only; a softmax or sigmoid-per-class file answers every class. */
    private static double[] probabilities(float[] out, int classes) {
        double[] p = new double[classes];
        if (out.length == 1 && classes == 2) {
            p[1] = out[0];
            p[0] = 1 - out[0];
        } else {
            if (out.length != classes) throw new IllegalArgumentException("The ONNX file gives " + out.length + " outputs for " + classes + " classes: another model's file?");
            for (int c = 0; c < classes; c++) p[c] = out[c];
        }
        return p;
    }

    private static float[][] run(Classifier model, Path onnxFile, List<Path> images) throws IOException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnxFile.toString(), new OrtSession.SessionOptions())) {
            Map<String, String> meta = session.getMetadata().getCustomMetadata();
            String size = meta.get("image_size");
            if (size != null && !size.equals(Integer.toString(model.base().size()))) {
                throw new IllegalArgumentException(onnxFile + " takes " + size + " px images and this model " + model.base().size() + " px: another model's file?");
            }
            boolean pixelsIn = meta.getOrDefault("pixel_scaling", "").startsWith("none");
            ImageInput input = pixelsIn ? new ImageInput() {
                public int size() { return model.base().size(); }
                public Preprocessing preprocessing() { return Preprocessing.none(); }
            } : model.base();
            INDArray nhwc = ImageGenerator.load(images, input).permute(0, 2, 3, 1).dup('c');
            String inputName = session.getInputNames().iterator().next();
            try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(nhwc.data().asFloat()), nhwc.shape());
                 OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
                return (float[][]) result.get(0).getValue();
            }
        } catch (OrtException e) {
            throw new IOException("onnxruntime could not run " + onnxFile + ": " + e.getMessage(), e);
        }
    }
}
