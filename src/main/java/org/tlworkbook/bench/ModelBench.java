package org.tlworkbook.bench;

import org.tlworkbook.model.internal.ModelInternals;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.engine.FastForward;
import org.tlworkbook.engine.FastTraining;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.MobileNetV2;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.engine.SplitGraph;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Prints MobileNetV2 throughput in images per second with peak RSS:
 * <ul>
 *   <li>features: the frozen base on {@link FastForward} (what featurization and prediction use);</li>
 *   <li>fine-tune step from layer 100: fast frozen prefix up to the cut, then forward, backward and update of
 *   the trainable suffix and head on {@link FastTraining} (what an augmented fine-tuning epoch does per batch);</li>
 *   <li>the same step on cached activations (what a non-augmented fine-tuning epoch does), validation on
 *   cached activations, and the cached step on the DL4J suffix graph for comparison;</li>
 *   <li>with {@code --reference}: the same on the whole DL4J graph (workbook layers, no fast pass), for comparison.</li>
 * </ul>
 * {@code ./workbook bench model [--size 160] [--batch 32] [--iterations 5] [--weights FILE] [--reference]}.
 */
public final class ModelBench {
    private ModelBench() { }

    public static void run(int size, int batch, int iterations, Path weights, boolean reference) throws Exception {
        BaseModel base = weights != null ? MobileNetV2.fromWeights(size, 1.0, weights) : MobileNetV2.create(size, 1.0, 1);
        Nd4j.getRandom().setSeed(42);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, size, size).muli(2).subi(1);
        String what = String.format(Locale.ROOT, "mobilenet_v2 %dpx batch %d", size, batch);

        FastForward fast = FastForward.compile(ModelInternals.layers(base), base.paramTable());
        report(what + " features (fast inference)", batch, iterations, () -> fast.output(x));
        System.out.println("  time by step kind (ms, all runs): " + fast.millisByStep());
        fast.release();

        base.unfreezeFrom(100);
        Classifier model = Classifier.of(base, Head.binary(), List.of("a", "b")).compile(Optimizer.rmsprop(2e-5));
        SplitGraph split = SplitGraph.of(ModelInternals.network(model));
        FastTraining engine = split.fastTraining();
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 1);
        report(what + " fine-tune step from layer 100 (fast prefix + fast training)", batch, iterations, () -> engine.step(split.prefixOutput(x), y));
        INDArray cut = split.prefixOutput(x);
        report(what + " fine-tune step from layer 100 on cached activations (fast training)", batch, iterations, () -> engine.step(cut, y));
        System.out.println("  time by step kind (ms, all fast-training runs): " + engine.millisByStep());
        report(what + " validation on cached activations (fast training, inference)", batch, iterations, () -> engine.predict(cut));
        DataSet cached = new DataSet(cut, y);
        report(what + " fine-tune step from layer 100 on cached activations (DL4J suffix, for comparison)", batch,
                Math.min(iterations, 3), () -> {
            split.suffix().fit(cached);
            return null;
        });

        if (reference) {
            base.freeze();
            report(what + " features (whole DL4J graph, workbook layers)", batch, Math.min(iterations, 2), () -> ModelInternals.graph(base).outputSingle(false, x));
            base.unfreezeFrom(100);
            model.compile(Optimizer.rmsprop(2e-5));
            report(what + " fine-tune step from layer 100 (whole DL4J graph, workbook layers)", batch, Math.min(iterations, 2), () -> {
                ModelInternals.graph(model).fit(new DataSet(x, y));
                return null;
            });
        }
    }

    private static void report(String what, int batch, int iterations, Supplier<Object> step) {
        step.get(); // warm-up
        long t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) step.get();
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "%s: %.1f img/s (%.0f ms/batch, peak RSS %d MiB)%n",
                what, iterations * batch / seconds, 1000 * seconds / iterations, Measure.peakRssMiB());
    }
}
