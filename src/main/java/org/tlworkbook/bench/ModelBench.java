package org.tlworkbook.bench;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.MobileNetV2;
import org.tlworkbook.model.Optimizer;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Prints MobileNetV2 throughput: frozen-base feature extraction and fine-tune steps (from layer 100),
 * in images per second, with peak RSS. {@code ./workbook bench model [--size 160] [--batch 32] [--weights FILE]}.
 */
public final class ModelBench {
    private ModelBench() { }

    public static void run(int size, int batch, int iterations, Path weights) throws Exception {
        BaseModel base = weights != null ? MobileNetV2.fromWeights(size, 1.0, weights) : MobileNetV2.create(size, 1.0, 1);
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, batch, 3, size, size).muli(2).subi(1);
        ComputationGraph g = base.graph();
        g.outputSingle(false, x);
        long t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) g.outputSingle(false, x);
        double features = iterations * batch / ((System.nanoTime() - t0) / 1e9);
        System.out.printf(Locale.ROOT, "mobilenet_v2 %dpx batch %d features: %.2f img/s (peak RSS %d MiB)%n",
                size, batch, features, Measure.peakRssMiB());

        base.unfreezeFrom(100);
        Classifier model = Classifier.of(base, Head.binary(base.outputName()), List.of("a", "b")).compile(Optimizer.rmsprop(2e-5));
        INDArray y = Nd4j.zeros(batch, 1);
        DataSet ds = new DataSet(x, y);
        model.graph().fit(ds);
        t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) model.graph().fit(ds);
        double fine = iterations * batch / ((System.nanoTime() - t0) / 1e9);
        System.out.printf(Locale.ROOT, "mobilenet_v2 %dpx batch %d fine-tune step (from layer 100, full forward): %.2f img/s (peak RSS %d MiB)%n",
                size, batch, fine, Measure.peakRssMiB());
    }
}
