package org.tlworkbook.cli;

import org.tlworkbook.bench.GeneratorBench;
import org.tlworkbook.bench.GradeBench;
import org.tlworkbook.bench.ModelBench;
import org.tlworkbook.bench.Vgg16RecipeBench;

import java.nio.file.Path;

/** {@code ./workbook bench model|generator|vgg16|grade|web|gradcam}: prints throughput figures (never a pass/fail test). */
final class BenchCommand {
    private BenchCommand() { }

    static int run(Args args) throws Exception {
        String what = args.positional().isEmpty() ? "model" : args.positional().get(0);
        String weights = args.get("weights");
        int size = args.getInt("size", what.equals("vgg16") ? 150 : what.equals("web") ? 224 : 160);
        int batch = args.getInt("batch-size", 32);
        int iterations = args.getInt("iterations", what.equals("web") ? 20 : what.equals("gradcam") ? 8 : 3);
        String data = args.get("data");
        boolean reference = args.flag("reference");
        int epochs = args.getInt("epochs", 3);
        String out = args.get("out");
        String modelFile = what.equals("gradcam") ? args.get("model") : null;
        int parallel = args.getInt("parallel", 1);
        args.done();
        java.util.List<String> kinds = java.util.List.of("model", "generator", "vgg16", "grade", "web", "gradcam");
        if (!kinds.contains(what)) {
            throw new IllegalArgumentException("unknown bench '" + what + "': choose one of " + String.join(", ", kinds) + " (did you mean '"
                    + org.tlworkbook.data.Suggest.nearest(what, kinds) + "'?)");
        }
        if (args.positional().size() > 1) throw new IllegalArgumentException("bench takes one kind; got " + args.positional());
        if (batch < 1) throw new IllegalArgumentException("--batch-size must be 1 or more; got " + batch);
        if (iterations < 1) throw new IllegalArgumentException("--iterations must be 1 or more; got " + iterations);
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be 1 or more; got " + epochs);
        if (weights != null) ModelCommands.checkWeights(Path.of(weights), what.equals("vgg16") ? org.tlworkbook.model.Architecture.VGG16
                : org.tlworkbook.model.Architecture.MOBILENET_V2);
        switch (what) {
            case "model" -> ModelBench.run(size, batch, iterations, weights == null ? null : Path.of(weights), reference);
            case "generator" -> GeneratorBench.run(data == null ? null : Path.of(data), size, batch);
            case "vgg16" -> Vgg16RecipeBench.run(data == null ? null : Path.of(data), weights == null ? null : Path.of(weights), size, batch,
                    epochs, out == null ? null : Path.of(out));
            case "web" -> org.tlworkbook.bench.WebBench.run(size, iterations, weights == null ? null : Path.of(weights),
                    Path.of(out == null ? "build/web-bench" : out).toAbsolutePath());
            case "gradcam" -> {
                String model = modelFile;
                if (model == null || data == null) throw new IllegalArgumentException("bench gradcam needs --model FILE (a saved classifier) and --data DIR (images)");
                org.tlworkbook.bench.GradCamBench.run(Path.of(model), Path.of(data), iterations,
                        Path.of(out == null ? "build/gradcam-bench" : out).toAbsolutePath(), Home.resolve("bench/gradcam_tf.py"));
            }
            case "grade" -> GradeBench.run(Home.resolve("src/exercises"), Path.of(out == null ? "build/grade-bench" : out).toAbsolutePath(), parallel);
            default -> throw new IllegalStateException(what);
        }
        return 0;
    }
}
