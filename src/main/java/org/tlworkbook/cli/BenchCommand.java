package org.tlworkbook.cli;

import org.tlworkbook.bench.GeneratorBench;
import org.tlworkbook.bench.ModelBench;

import java.nio.file.Path;

/** {@code ./workbook bench model|generator}: prints throughput figures (never a pass/fail test). */
final class BenchCommand {
    private BenchCommand() { }

    static int run(Args args) throws Exception {
        String what = args.positional().isEmpty() ? "model" : args.positional().get(0);
        String weights = args.get("weights");
        int size = args.getInt("size", 160);
        int batch = args.getInt("batch", 32);
        int iterations = args.getInt("iterations", 3);
        String data = args.get("data");
        boolean reference = args.flag("reference");
        args.done();
        switch (what) {
            case "model" -> ModelBench.run(size, batch, iterations, weights == null ? null : Path.of(weights), reference);
            case "generator" -> GeneratorBench.run(data == null ? null : Path.of(data), size, batch);
            default -> throw new IllegalArgumentException("bench model|generator");
        }
        return 0;
    }
}
