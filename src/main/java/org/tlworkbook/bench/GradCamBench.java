package org.tlworkbook.bench;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.GradCam;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The workbook's Grad-CAM beside TensorFlow's {@code GradientTape} on the same weights: writes the model as Keras .h5,
 * the preprocessed images and the workbook's maps to a folder that {@code bench/gradcam_tf.py} reads, runs it where
 * Python has TensorFlow, and prints the largest difference. {@code ./workbook bench gradcam --model FILE --data DIR
 * [--iterations N images] [--out build/gradcam-bench]}.
 */
public final class GradCamBench {
    private GradCamBench() { }

    public static void run(Path modelFile, Path data, int count, Path out, Path script) throws Exception {
        Classifier model = Classifier.load(modelFile);
        List<Path> images;
        try (Stream<Path> files = Files.walk(data)) {
            images = files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(jpe?g|png)"))
                    .sorted().limit(count).toList();
        }
        if (images.isEmpty()) throw new IllegalArgumentException("no .jpg or .png images under " + data);
        long t0 = System.nanoTime();
        List<GradCam> cams = write(model, images, out);
        System.out.printf(Locale.ROOT, "%s: Grad-CAM of %d images at %s in %.2f s (%.0f ms each)%n", model.base().name(), images.size(),
                cams.get(0).layer(), (System.nanoTime() - t0) / 1e9, (System.nanoTime() - t0) / 1e6 / images.size());
        for (GradCam cam : cams) System.out.println("  " + cam);
        double diff = tensorflow(out, script);
        if (Double.isNaN(diff)) System.out.println("python3 has no tensorflow (pip install tensorflow-cpu): the comparison is skipped");
        else System.out.printf(Locale.ROOT, "TensorFlow GradientTape Grad-CAM vs workbook: max abs difference %.2e (target 1e-3)%n", diff);
    }

    /** Writes {@code model.h5}, {@code input.f32}, {@code heatmaps.f32} and {@code meta.json} to {@code dir}; returns the workbook's maps. */
    public static List<GradCam> write(Classifier model, List<Path> images, Path dir) throws IOException {
        Files.createDirectories(dir);
        model.exportKeras(dir.resolve("model.h5"));
        INDArray x = ImageGenerator.load(images, model.base()).permute(0, 2, 3, 1).dup('c');
        floats(dir.resolve("input.f32"), x.reshape(x.length()).toFloatVector());
        List<GradCam> cams = GradCam.of(model, images);
        List<Integer> units = new ArrayList<>();
        List<Integer> signs = new ArrayList<>();
        List<Float> maps = new ArrayList<>();
        for (GradCam cam : cams) {
            int cls = model.classes().indexOf(cam.className());
            units.add(model.head().isBinary() ? 0 : cls);
            signs.add(model.head().isBinary() && cls == 0 ? -1 : 1);
            for (double[] row : cam.heatmap()) for (double v : row) maps.add((float) v);
        }
        float[] m = new float[maps.size()];
        for (int i = 0; i < m.length; i++) m[i] = maps.get(i);
        floats(dir.resolve("heatmaps.f32"), m);
        double[][] first = cams.get(0).heatmap();
        Files.writeString(dir.resolve("meta.json"), String.format(Locale.ROOT,
                "{\"n\": %d, \"size\": %d, \"layer\": \"%s\", \"units\": %s, \"signs\": %s, \"height\": %d, \"width\": %d}%n",
                images.size(), model.base().size(), cams.get(0).layer(), units, signs, first.length, first[0].length));
        return cams;
    }

    /**
     * Runs {@code script} on {@code dir}; the largest difference it prints, or NaN when Python has no TensorFlow. The
     * check looks the packages up without importing them (an import takes seconds, and the script imports them anyway:
     * a broken install fails there, with its message).
     */
    public static double tensorflow(Path dir, Path script) throws IOException, InterruptedException {
        Process check = new ProcessBuilder("python3", "-c",
                "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('tensorflow') and importlib.util.find_spec('keras') else 1)")
                .redirectErrorStream(true).start();
        check.getInputStream().readAllBytes();
        if (check.waitFor() != 0) return Double.NaN;
        Process p = new ProcessBuilder("python3", script.toString(), dir.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException(script + " failed:\n" + output);
        String last = output.lines().filter(l -> l.startsWith("max abs difference ")).reduce((a, b) -> b)
                .orElseThrow(() -> new IOException(script + " printed no difference:\n" + output));
        return Double.parseDouble(last.substring("max abs difference ".length()).trim());
    }

    private static void floats(Path file, float[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) bytes.putFloat(v);
        Files.write(file, bytes.array());
    }
}
