package org.tlworkbook.cli;

import org.tlworkbook.data.AtomicFiles;
import org.tlworkbook.data.Preprocessing;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Evaluation;
import org.tlworkbook.model.ModelFile;
import org.tlworkbook.model.Predictions;
import org.tlworkbook.data.UnreadableImageException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.tlworkbook.data.ImageGenerator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** {@code predict} and {@code evaluate}: a trained {@code model.zip}, used with the image size and preprocessing stored in it. */
final class UseCommands {
    private UseCommands() { }

    /**
     * CSV on stdout (or {@code --out FILE}): path, predicted class, its probability, then one probability per class,
     * paths exactly as given (quoted where a comma, quote or edge space needs it). Unreadable files are skipped and
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
        if (out != null) Outputs.file("out", out, "predictions.csv");
        Classifier model = model(modelFile, classes, preprocessing, null);
        java.util.List<String> readable = new java.util.ArrayList<>();
        java.util.List<INDArray> outputs = new java.util.ArrayList<>();
        int skipped = 0;
        java.util.List<String> files = args.positional();
        for (int start = 0; start < files.size(); start += 32) {
            java.util.List<INDArray> batch = new java.util.ArrayList<>();
            for (String file : files.subList(start, Math.min(files.size(), start + 32))) {
                try { // decoded once, here: a file that fails part-way (a truncated PNG or JPEG) is skipped like any other
                    batch.add(ImageGenerator.load(java.util.List.of(Path.of(file)), model.base()));
                    readable.add(file);
                } catch (UnreadableImageException e) {
                    skipped++;
                    System.err.println("skipped " + (file.isBlank() ? "''" : file) + ": " + e.reason());
                }
            }
            if (!batch.isEmpty()) outputs.add(model.predict(Nd4j.concat(0, batch.toArray(INDArray[]::new))));
        }
        if (readable.isEmpty()) throw new java.io.IOException("nothing to predict: every image was skipped (see above)");
        Predictions predictions = Predictions.of(model.classes(), readable.stream().map(Path::of).toList(), Nd4j.concat(0, outputs.toArray(INDArray[]::new)));
        java.io.StringWriter csv = new java.io.StringWriter();
        java.util.List<String> header = new java.util.ArrayList<>(java.util.List.of("path", "predicted", "probability"));
        for (String c : model.classes()) header.add("p_" + c);
        // commons-csv keeps a path's leading and trailing spaces (quoted), so every path still names its file
        try (CSVPrinter printer = new CSVPrinter(csv, CSVFormat.DEFAULT.builder().setRecordSeparator('\n').setHeader(header.toArray(String[]::new)).build())) {
            for (int i = 0; i < readable.size(); i++) {
                Predictions.Prediction one = predictions.get(i);
                java.util.List<Object> row = new java.util.ArrayList<>(java.util.List.of(readable.get(i), one.label(), round(one.probability())));
                for (String c : model.classes()) row.add(round(one.probabilities().get(c)));
                printer.printRecord(row);
            }
        }
        if (out == null) System.out.print(csv);
        else AtomicFiles.writeString(Files.createDirectories(out.getParent()).resolve(out.getFileName()), csv.toString());
        return strict && skipped > 0 ? 1 : 0;
    }

    /**
     * A trained model in a format other tools read: {@code onnx} (onnxruntime and every ONNX tool) or {@code keras}
     * (a legacy-HDF5 full model that {@code keras.models.load_model} reads, and the TFLite converter after it).
     */
    static int serve(Args args) throws Exception {
        int port = args.getInt("port", 8000);
        args.done();
        java.util.List<String> dirs = args.positional();
        if (dirs.size() != 1) {
            throw new IllegalArgumentException("serve takes one folder, the web site export --format web wrote: ./workbook serve build/site"
                    + (dirs.isEmpty() ? "" : "; got " + dirs.size() + ": " + String.join(" ", dirs)));
        }
        Path dir = Path.of(dirs.get(0)).toAbsolutePath().normalize();
        org.tlworkbook.notebook.WebServer server = org.tlworkbook.notebook.WebServer.serve(dir, port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("serving " + dir + " at " + server.url() + " (this machine only; Ctrl-C stops)");
        System.out.flush();
        new java.util.concurrent.CountDownLatch(1).await();
        return 0;
    }

    static int export(Args args) throws Exception {
        Path modelFile = args.path("model", null);
        String format = args.get("format");
        Path out = args.path("out", null);
        boolean pixelsIn = args.flag("pixels-in");
        String classes = args.get("classes");
        String preprocessing = args.get("preprocessing");
        args.done();
        if (modelFile == null || out == null) {
            throw new IllegalArgumentException("export needs --model model.zip and --out FILE (.onnx or .h5; --format onnx|keras for another name,"
                    + " --format web with a folder for a web page)");
        }
        if (!"web".equals(format)) Outputs.file("out", out, "model.onnx");
        String ending = out.getFileName().toString().toLowerCase(Locale.ROOT);
        if (ending.endsWith(".keras")) {
            throw new IllegalArgumentException("--out " + out.getFileName() + ": Keras 3's .keras format is a zip the workbook does not write; give --out "
                    + out.getFileName().toString().replaceAll("(?i)\\.keras$", ".h5") + " (Keras 3's load_model reads it)");
        }
        String named = ending.endsWith(".onnx") ? "onnx" : ending.endsWith(".h5") || ending.endsWith(".hdf5") ? "keras" : null;
        if (format == null && named == null) {
            throw new IllegalArgumentException("export needs --format onnx|keras|web, or an --out ending in .onnx or .h5 to tell it");
        }
        if (format == null) format = named;
        if (!java.util.List.of("onnx", "keras", "web").contains(format)) {
            throw new IllegalArgumentException("--format " + format + " is not a format the workbook writes: use onnx, keras or web");
        }
        if (format.equals("web") && named != null) {
            throw new IllegalArgumentException("--format web writes a folder (a web site), but --out " + out.getFileName() + " names "
                    + (named.equals("onnx") ? "an ONNX" : "a Keras") + " file: give a folder, such as --out " + out.resolveSibling("site"));
        }
        if (named != null && !named.equals(format)) {
            String stem = out.getFileName().toString().replaceAll("\\.[^.]*$", "");
            throw new IllegalArgumentException("--format " + format + " writes " + (format.equals("onnx") ? "ONNX" : "a Keras HDF5 model")
                    + ", but --out " + out.getFileName() + " names " + (named.equals("onnx") ? "an ONNX" : "a Keras") + " file: give --out "
                    + stem + (format.equals("onnx") ? ".onnx" : ".h5") + ", or --format " + named);
        }
        if (pixelsIn && !format.equals("onnx")) {
            throw new IllegalArgumentException("--pixels-in is for --format onnx only" + (format.equals("web") ? " (a web site's model always scales pixels itself)" : ""));
        }
        if (format.equals("web")) Outputs.folder("out", out);
        Classifier model = model(modelFile, classes, preprocessing, null); // a Keras .h5 too: Keras to ONNX
        Files.createDirectories(out.getParent());
        if (format.equals("web")) {
            model.exportWeb(out);
            long bytes;
            try (java.util.stream.Stream<Path> files = Files.walk(out)) {
                bytes = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
            }
            System.out.printf(Locale.ROOT, "wrote %s (a web site, %,d bytes): ./workbook serve %s opens it in a browser%n", out, bytes, out);
            return 0;
        }
        if (format.equals("onnx")) model.exportOnnx(out, pixelsIn);
        else model.exportKeras(out);
        System.out.printf(Locale.ROOT, "wrote %s (%s, %,d bytes)%n", out, format, Files.size(out));
        return 0;
    }

    /**
     * A workbook model.zip, or a Keras .h5 classifier ({@link ModelFile} tells them apart, and refuses anything else
     * saying what it is): the latter takes its class names from {@code --classes} or the evaluated folder, and
     * {@code --preprocessing} when it was trained with other scaling.
     */
    static Classifier model(Path file, String classes, String preprocessing, java.util.List<String> folderClasses) throws java.io.IOException {
        java.util.List<String> names = classes == null ? null : java.util.Arrays.stream(classes.split(",")).map(String::strip).toList();
        if (names != null && (names.stream().anyMatch(String::isEmpty) || new java.util.HashSet<>(names).size() != names.size())) {
            throw new IllegalArgumentException("--classes takes distinct names separated by commas, such as --classes cats,dogs; got '" + classes + "'");
        }
        ModelFile.Identified id = ModelFile.identify(file);
        Classifier model = ModelFile.read(id, names, preprocessing == null ? null : Preprocessing.named(preprocessing), folderClasses);
        if (names == null && folderClasses == null && id.kind() == ModelFile.Kind.KERAS_MODEL) {
            System.err.println("note: " + file.getFileName() + " holds no class names, so they are " + String.join(", ", model.classes())
                    + "; name them in output order with --classes " + String.join(",", java.util.Collections.nCopies(model.classes().size(), "NAME")));
        }
        return model;
    }

    private static String round(double p) {
        return String.format(Locale.ROOT, "%.6f", p);
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
        if (batch < 1) throw new IllegalArgumentException("--batch-size must be 1 or more (32 is Keras' default); got " + batch);
        Outputs.folder("out", out);
        Path folder = Files.isDirectory(data.resolve("validation")) && Files.isDirectory(data.resolve("train")) ? data.resolve("validation") : data;
        ImageFolder images = ImageFolder.from(folder);
        Classifier model;
        try {
            model = model(modelFile, classes, preprocessing, images.classes());
        } catch (IllegalArgumentException e) {
            if (classes != null || !e.getMessage().contains(" classes (its last Dense")) throw e;
            throw new IllegalArgumentException(e.getMessage().replaceAll(", not the .*", "") + ", but " + folder + " has " + images.classes().size()
                    + " class folders (" + String.join(", ", images.classes()) + "): evaluate it on a folder of the classes it was trained on");
        }
        if (!model.classes().equals(images.classes())) {
            throw new IllegalArgumentException(modelFile.getFileName() + " was trained on " + model.classes().size() + " classes (" + String.join(", ", model.classes())
                    + "), but " + folder + " has the class folders " + String.join(", ", images.classes())
                    + ": evaluate it on a folder of the classes it was trained on, named as they were");
        }
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
