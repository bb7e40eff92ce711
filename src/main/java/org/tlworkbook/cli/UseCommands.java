package org.tlworkbook.cli;

import org.tlworkbook.data.AtomicFiles;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Evaluation;
import org.tlworkbook.model.Predictions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** {@code predict} and {@code evaluate}: a trained {@code model.zip}, used with the image size and preprocessing stored in it. */
final class UseCommands {
    private UseCommands() { }

    /** CSV on stdout (or {@code --out FILE}): path, predicted class, its probability, then one probability per class. */
    static int predict(Args args) throws Exception {
        Path modelFile = args.path("model", null);
        Path out = args.path("out", null);
        args.done();
        if (modelFile == null) throw new IllegalArgumentException("predict needs --model model.zip");
        if (args.positional().isEmpty()) throw new IllegalArgumentException("predict needs image files");
        Classifier model = Classifier.load(modelFile);
        Path[] images = args.positional().stream().map(Path::of).toArray(Path[]::new);
        Predictions p = model.predict(images);
        StringBuilder csv = new StringBuilder("path,predicted,probability");
        for (String c : model.classes()) csv.append(",p_").append(c);
        csv.append('\n');
        for (int i = 0; i < p.size(); i++) {
            Predictions.Prediction one = p.get(i);
            csv.append(args.positional().get(i)).append(',').append(one.label()).append(',').append(fmt(one.probability()));
            for (String c : model.classes()) csv.append(',').append(fmt(one.probabilities().get(c)));
            csv.append('\n');
        }
        if (out == null) System.out.print(csv);
        else AtomicFiles.writeString(out, csv.toString());
        return 0;
    }

    /** Accuracy, confusion matrix and per-class precision/recall on a folder of class sub-folders; {@code --out DIR/metrics.json}. */
    static int evaluate(Args args) throws Exception {
        Path modelFile = args.path("model", null);
        Path data = args.path("data", null);
        Path out = args.path("out", "build/evaluate");
        int batch = args.getInt("batch-size", 32);
        args.done();
        if (modelFile == null || data == null) throw new IllegalArgumentException("evaluate needs --model model.zip and --data DIR");
        Classifier model = Classifier.load(modelFile);
        Path folder = Files.isDirectory(data.resolve("validation")) && Files.isDirectory(data.resolve("train")) ? data.resolve("validation") : data;
        ImageFolder images = ImageFolder.from(folder);
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

    private static String fmt(double p) {
        return String.format(Locale.ROOT, "%.6f", p);
    }
}
