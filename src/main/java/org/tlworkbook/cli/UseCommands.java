package org.tlworkbook.cli;

import org.tlworkbook.data.AtomicFiles;
import org.tlworkbook.data.Preprocessing;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Evaluation;
import org.tlworkbook.model.Predictions;
import org.tlworkbook.data.ImageDecoder;
import org.tlworkbook.data.UnreadableImageException;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** {@code predict} and {@code evaluate}: a trained {@code model.zip}, used with the image size and preprocessing stored in it. */
final class UseCommands {
    private UseCommands() { }

    /**
     * CSV on stdout (or {@code --out FILE}): path, predicted class, its probability, then one probability per class,
     * written by Tablesaw's CSV writer (paths with commas or quotes are quoted). Unreadable files are skipped and
     * named with their reason on stderr; the exit code is 1 only when nothing could be predicted, or with
     * {@code --strict} when anything was skipped.
     */
    static int predict(Args args) throws Exception {
        Path modelFile = args.path("model", null);
        Path out = args.path("out", null);
        boolean strict = args.flag("strict");
        String classes = args.get("classes");
        String preprocessing = args.get("preprocessing");
        args.done();
        if (modelFile == null) throw new IllegalArgumentException("predict needs --model model.zip (or a Keras model.h5)");
        if (args.positional().isEmpty()) throw new IllegalArgumentException("predict needs image files");
        if (out != null) writable(out);
        Classifier model = model(modelFile, classes, preprocessing, null);
        java.util.List<String> readable = new java.util.ArrayList<>(), skipped = new java.util.ArrayList<>();
        for (String file : args.positional()) {
            try {
                if (file.isBlank()) throw new UnreadableImageException(Path.of("."), "an empty argument is not a file name");
                if (!Files.isRegularFile(Path.of(file))) throw new UnreadableImageException(Path.of(file), "no such file");
                ImageDecoder.probe(Path.of(file));
                readable.add(file);
            } catch (UnreadableImageException e) {
                skipped.add(file);
                System.err.println("skipped " + (file.isBlank() ? "''" : file) + ": " + e.reason());
            }
        }
        if (readable.isEmpty()) throw new java.io.IOException("nothing to predict: every image was skipped (see above)");
        Predictions p = model.predict(readable.stream().map(Path::of).toArray(Path[]::new));
        StringColumn path = StringColumn.create("path"), predicted = StringColumn.create("predicted");
        DoubleColumn probability = DoubleColumn.create("probability");
        java.util.Map<String, DoubleColumn> perClass = new java.util.LinkedHashMap<>();
        for (String c : model.classes()) perClass.put(c, DoubleColumn.create("p_" + c));
        for (int i = 0; i < p.size(); i++) {
            Predictions.Prediction one = p.get(i);
            path.append(readable.get(i));
            predicted.append(one.label());
            probability.append(round(one.probability()));
            for (String c : model.classes()) perClass.get(c).append(round(one.probabilities().get(c)));
        }
        Table table = Table.create("predictions", path, predicted, probability);
        perClass.values().forEach(table::addColumns);
        java.io.StringWriter csv = new java.io.StringWriter();
        table.write().csv(csv);
        if (out == null) System.out.print(csv);
        else AtomicFiles.writeString(out, csv.toString());
        return strict && !skipped.isEmpty() ? 1 : 0;
    }

    /**
     * A trained model in a format other tools read: {@code onnx} (onnxruntime and every ONNX tool) or {@code keras}
     * (a legacy-HDF5 full model that {@code keras.models.load_model} reads, and the TFLite converter after it).
     */
    static int export(Args args) throws Exception {
        Path modelFile = args.path("model", null);
        String format = args.get("format");
        Path out = args.path("out", null);
        boolean pixelsIn = args.flag("pixels-in");
        String classes = args.get("classes");
        String preprocessing = args.get("preprocessing");
        args.done();
        if (modelFile == null || format == null || out == null) {
            throw new IllegalArgumentException("export needs --model model.zip, --format onnx|keras and --out FILE");
        }
        if (!java.util.List.of("onnx", "keras").contains(format)) {
            throw new IllegalArgumentException("--format " + format + " is not a format the workbook writes: use onnx or keras");
        }
        if (pixelsIn && !format.equals("onnx")) throw new IllegalArgumentException("--pixels-in is for --format onnx only");
        writable(out);
        Classifier model = model(modelFile, classes, preprocessing, null); // a Keras .h5 too: Keras to ONNX
        if (format.equals("onnx")) model.exportOnnx(out, pixelsIn);
        else model.exportKeras(out);
        System.out.printf(Locale.ROOT, "wrote %s (%s, %,d bytes)%n", out, format, Files.size(out));
        return 0;
    }

    /**
     * A workbook model.zip, or a Keras .h5 classifier (told apart by the HDF5 signature): the latter takes its class names
     * from {@code --classes} or the evaluated folder, and {@code --preprocessing} when it was trained with other scaling.
     */
    static Classifier model(Path file, String classes, String preprocessing, java.util.List<String> folderClasses) throws java.io.IOException {
        if (!Classifier.isHdf5(file)) {
            if (classes != null || preprocessing != null) {
                throw new IllegalArgumentException("--classes and --preprocessing are for Keras .h5 models; " + file + " keeps its own");
            }
            return Classifier.load(file);
        }
        java.util.List<String> names = classes != null ? java.util.List.of(classes.split(",")) : folderClasses;
        return Classifier.importKeras(file, names, preprocessing == null ? null : Preprocessing.named(preprocessing));
    }

    /** Refuses an {@code --out} file that cannot be written, before any work. */
    private static void writable(Path file) {
        for (Path p = file.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) throw new IllegalArgumentException("--out: " + p + " is a file, not a folder: give a path in a folder");
        }
        try {
            Path dir = Files.createDirectories(file.toAbsolutePath().getParent());
            Files.deleteIfExists(Files.createTempFile(dir, ".write-check", ".tmp"));
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException("Cannot write --out " + file + " (" + e + "): choose a file in a folder you can write to.");
        }
        if (Files.isDirectory(file)) throw new IllegalArgumentException("--out " + file + " is a folder: give a file name, such as predictions.csv");
    }

    private static double round(double p) {
        return Math.round(p * 1e6) / 1e6;
    }

    /** Accuracy, confusion matrix and per-class precision/recall on a folder of class sub-folders; {@code --out DIR/metrics.json}. */
    static int evaluate(Args args) throws Exception {
        Path modelFile = args.path("model", null);
        Path data = args.path("data", null);
        Path out = args.path("out", "build/evaluate");
        int batch = args.getInt("batch-size", 32);
        String classes = args.get("classes");
        String preprocessing = args.get("preprocessing");
        args.done();
        if (modelFile == null || data == null) throw new IllegalArgumentException("evaluate needs --model model.zip (or a Keras model.h5) and --data DIR");
        writable(out.resolve("metrics.json"));
        Path folder = Files.isDirectory(data.resolve("validation")) && Files.isDirectory(data.resolve("train")) ? data.resolve("validation") : data;
        ImageFolder images = ImageFolder.from(folder);
        Classifier model = model(modelFile, classes, preprocessing, images.classes());
        if (!folder.equals(data)) System.out.println("Evaluating on " + folder + " (the dataset's validation images; --data " + folder.resolveSibling("train") + " for the training ones).");
        System.out.println(images.report());
        Evaluation e = model.evaluate(images.validation(model.base()).batchSize(batch)
                .classMode(model.classMode()).build());
        System.out.println(e);
        System.out.println(e.confusionTable().printAll());
        System.out.println(e.perClass().printAll());
        StringBuilder json = new StringBuilder("{\n");
        json.append(String.format(Locale.ROOT, "  \"images\": %d, \"accuracy\": %.4f, \"loss\": %.4f,%n", e.total(), e.accuracy(), e.loss()));
        json.append("  \"classes\": [");
        for (int c = 0; c < e.classes().size(); c++) {
            json.append(c == 0 ? "" : ", ").append(String.format(Locale.ROOT, "{\"class\": \"%s\", \"precision\": %.4f, \"recall\": %.4f}",
                    e.classes().get(c).replace("\"", "\\\""), e.precision(c), e.recall(c)));
        }
        json.append("],\n  \"confusion\": ").append(java.util.Arrays.deepToString(e.confusion())).append("\n}\n");
        Files.createDirectories(out);
        AtomicFiles.writeString(out.resolve("metrics.json"), json.toString());
        System.out.println("Wrote " + out.resolve("metrics.json"));
        return 0;
    }

}
