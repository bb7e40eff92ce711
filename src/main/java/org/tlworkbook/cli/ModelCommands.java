package org.tlworkbook.cli;

import org.tlworkbook.model.internal.ModelInternals;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.Dataset;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.Architecture;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.engine.FastForward;
import org.tlworkbook.model.Head;
import org.tlworkbook.engine.KerasLayer;
import org.tlworkbook.model.Optimizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code summary}, {@code embed} and {@code train}. */
final class ModelCommands {
    private ModelCommands() { }

    /**
     * Refuses a {@code --weights} file that is not a base's Keras weights for {@code arch}, saying what it is (a
     * whole model, another base's weights, text, a truncated file), before any work.
     */
    static void checkWeights(Path weights, Architecture arch) {
        org.tlworkbook.model.ModelFile.Identified id = org.tlworkbook.model.ModelFile.identify(weights, "give a base's Keras weights (.h5)");
        if (id.kind() == org.tlworkbook.model.ModelFile.Kind.MISSING) throw new IllegalArgumentException("--weights " + weights + ": no such file");
        if (id.kind() == org.tlworkbook.model.ModelFile.Kind.KERAS_MODEL || id.kind() == org.tlworkbook.model.ModelFile.Kind.WORKBOOK_MODEL) {
            throw new IllegalArgumentException("--weights " + weights + " is a whole " + (id.kind() == org.tlworkbook.model.ModelFile.Kind.KERAS_MODEL ? "Keras" : "workbook")
                    + " model, not a base's weights: give it as --model to predict, evaluate or export");
        }
        if (id.kind() != org.tlworkbook.model.ModelFile.Kind.KERAS_WEIGHTS) {
            throw new IllegalArgumentException("--weights: " + id.description());
        }
        if (id.base() != null && !id.base().equals(arch.id())) {
            throw new IllegalArgumentException("--weights " + weights + " holds the weights of a " + id.base().replace("other:", "")
                    + " base, not of " + arch.id() + (id.base().startsWith("other:") ? ", and the workbook builds no such base" : ": give --base " + id.base()));
        }
    }

    /** Refuses an input size the CLI will not build (its arrays would overflow long before memory runs out). */
    static void checkSize(int size) {
        if (size > 1024) throw new IllegalArgumentException("--size " + size + " is more than 1024 px: the bases were trained at 224 px or less, and "
                + "larger inputs only cost memory; 160 is the tutorial's");
    }

    static BaseModel base(Args args, boolean needWeights) throws Exception {
        Architecture arch = Architecture.named(args.get("base", Architecture.MOBILENET_V2.id()));
        int size = args.getInt("size", arch.defaultSize());
        double alpha = args.getDouble("alpha", 1.0);
        String weights = args.get("weights");
        checkSize(size);
        if (weights != null) checkWeights(Path.of(weights), arch);
        return weights != null ? arch.fromWeights(size, alpha, Path.of(weights))
                : needWeights ? arch.imagenet(size, alpha) : arch.create(size, alpha, 0);
    }

    /** Prints the layer table of base + binary head and a final {@code total_params=N trainable_params=N} line. */
    static int summary(Args args) throws Exception {
        BaseModel base = base(args, false);
        String fineTuneAt = args.get("fine-tune-at");
        int from = args.getInt("fine-tune-at", 0);
        args.done();
        args.noPositional("summary");
        if (fineTuneAt != null && (from < 0 || from > base.layerCount())) {
            throw new IllegalArgumentException("--fine-tune-at must be between 0 and " + base.layerCount() + " for " + base.name() + " ("
                    + base.layerCount() + " layers; " + base.layerCount() + " trains none of them), got " + from);
        }
        if (fineTuneAt != null) base.unfreezeFrom(from);
        else base.freeze();
        Classifier model = Classifier.of(base, Head.binary(), List.of("0", "1")).compile(Optimizer.rmsprop(1e-4));
        System.out.println(model.summary().printAll());
        System.out.printf(Locale.ROOT, "base layers=%d base_params=%d trainable_arrays=%d%n",
                base.layerCount(), base.countParams(), model.countTrainableArrays());
        System.out.printf(Locale.ROOT, "total_params=%d trainable_params=%d%n", model.countParams(), model.countTrainableParams());
        return 0;
    }

    /** CSV with a header: path, then the pooled base features of each image (feature_0, ...), quoted where a path needs it. */
    static int embed(Args args) throws Exception {
        if (args.positional().isEmpty()) throw new IllegalArgumentException("embed needs image files");
        for (String file : args.positional()) {
            Path p = Path.of(file);
            if (file.isBlank() || !Files.isRegularFile(p)) {
                throw new IllegalArgumentException("embed: " + (file.isBlank() ? "an empty argument is not a file name"
                        : Files.isDirectory(p) ? "'" + file + "' is a folder: give its image files" : "no such file: '" + file + "'"));
            }
        }
        BaseModel base = base(args, true);
        args.done();
        List<KerasLayer> pooled = new java.util.ArrayList<>(ModelInternals.layers(base));
        pooled.add(KerasLayer.globalAvgPool("pooled", base.outputName()));
        FastForward features = FastForward.compile(pooled, base.paramTable());
        org.apache.commons.csv.CSVPrinter csv = null;
        for (String file : args.positional()) {
            float[] f = features.output(ImageGenerator.load(List.of(Path.of(file)), base)).toFloatVector();
            if (csv == null) {
                List<String> header = new java.util.ArrayList<>(List.of("path"));
                for (int i = 0; i < f.length; i++) header.add("feature_" + i);
                csv = new org.apache.commons.csv.CSVPrinter(System.out, org.apache.commons.csv.CSVFormat.DEFAULT.builder()
                        .setRecordSeparator('\n').setHeader(header.toArray(String[]::new)).build());
            }
            List<Object> row = new java.util.ArrayList<>(f.length + 1);
            row.add(file);
            for (float v : f) row.add(v);
            csv.printRecord(row);
            csv.flush();
        }
        return 0;
    }

    static int train(Args args) throws Exception {
        String dataset = args.get("dataset");
        String data = args.get("data");
        if ((dataset == null) == (data == null)) throw new IllegalArgumentException("give exactly one of --data DIR or --dataset NAME");
        int limit = args.getInt("limit-per-class", 0);
        if (args.get("limit-per-class") != null && limit < 1) {
            throw new IllegalArgumentException("--limit-per-class takes a number of images per class, at least 1; leave it out to use every image");
        }
        double split = args.getDouble("validation-split", 0.2);
        if (data != null && !(Files.isDirectory(Path.of(data, "train")) && Files.isDirectory(Path.of(data, "validation"))) && !(split > 0 && split < 1)) {
            throw new IllegalArgumentException("--validation-split must be above 0 and below 1 for " + data + ", which has no train/ and validation/ "
                    + "folders: it is the share of each class held out for validation, e.g. --validation-split 0.2");
        }
        Architecture arch = Architecture.named(args.get("base", Architecture.MOBILENET_V2.id()));
        Recipe r = new Recipe(data == null ? null : Path.of(data), arch.id(), args.getInt("size", arch.defaultSize()), args.getDouble("alpha", 1.0),
                args.get("weights") == null ? null : Path.of(args.get("weights")), args.getInt("batch-size", 32),
                args.getInt("epochs", 10), args.getInt("fine-tune-at", arch.defaultFineTuneAt()), args.getInt("fine-epochs", 10),
                args.getDouble("lr", 1e-4), args.getDouble("fine-lr", 2e-5), split,
                args.flag("augment"), limit, args.getInt("seed", 37),
                args.path("out", "build/train"), args.flag("restart"));
        args.done();
        r.checkSettings();
        Outputs.folder("out", r.out());
        if (dataset != null) r = r.withData(Dataset.named(dataset).load(Progress.console()));
        r.run();
        return 0;
    }
}
