package org.tlworkbook.cli;

import org.tlworkbook.bench.GeneratorBench;
import org.tlworkbook.bench.GradeBench;
import org.tlworkbook.bench.ModelBench;
import org.tlworkbook.bench.Vgg16RecipeBench;

import java.nio.file.Path;

/** {@code ./workbook bench model|generator|vgg16|grade}: prints throughput figures (never a pass/fail test). */
final class BenchCommand {
    private BenchCommand() { }

    static int run(Args args) throws Exception {
        String what = args.positional().isEmpty() ? "model" : args.positional().get(0);
        String weights = args.get("weights");
        int size = args.getInt("size", what.equals("vgg16") ? 150 : 160);
        int batch = args.getInt("batch-size", 32);
        int iterations = args.getInt("iterations", 3);
        String data = args.get("data");
        boolean reference = args.flag("reference");
        int epochs = args.getInt("epochs", 3);
        String out = args.get("out");
        int parallel = args.getInt("parallel", 1);
        args.done();
        switch (what) {
            case "model" -> ModelBench.run(size, batch, iterations, weights == null ? null : Path.of(weights), reference);
            case "generator" -> GeneratorBench.run(data == null ? null : Path.of(data), size, batch);
            case "vgg16" -> Vgg16RecipeBench.run(data == null ? null : Path.of(data), weights == null ? null : Path.of(weights), size, batch,
                    epochs, out == null ? null : Path.of(out));
            case "grade" -> GradeBench.run(Home.resolve("src/exercises"), Path.of(out == null ? "build/grade-bench" : out).toAbsolutePath(), parallel);
            default -> throw new IllegalArgumentException("bench model|generator|vgg16|grade");
        }
        return 0;
    }
}
