package org.tlworkbook.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.testing.TinyTraining;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Batch norm while fine-tuning: inference mode (the default) keeps every moving statistic; training mode moves the trainable layers' only. */
class BatchNormModeTest {
    @TempDir
    Path tmp;

    private static Map<String, INDArray> statistics(Classifier model) {
        Map<String, INDArray> m = new HashMap<>();
        model.graph().paramTable().forEach((k, v) -> {
            if (k.endsWith("_mean") || k.endsWith("_var")) m.put(k, v.dup());
        });
        return m;
    }

    @Test
    void trainingModeMovesTheTrainableLayersMovingStatisticsAndInferenceModeNone() throws Exception {
        TinyTraining tiny = new TinyTraining(tmp.resolve("images"));
        TinyTraining.Trained t = tiny.trained(Optimizer.adam(3e-2), 1);
        BaseModel base = t.base();
        Path saved = tmp.resolve("head.zip");
        t.model().save(saved);
        int from = base.layerCount() - 12;
        List<String> trainableBn = base.kerasLayers().subList(from, base.layerCount()).stream()
                .filter(l -> l.kind() == org.tlworkbook.engine.KerasLayer.Kind.BATCH_NORM).map(l -> l.name()).toList();
        assertFalse(trainableBn.isEmpty(), "the top of the base has batch norm layers");

        for (boolean training : new boolean[]{false, true}) {
            Classifier model = Classifier.load(saved).progress(org.tlworkbook.data.Progress.silent()).verbose(false).batchNormTraining(training);
            model.base().unfreezeFrom(from);
            model.compile(Optimizer.rmsprop(1e-3));
            Map<String, INDArray> before = statistics(model);
            model.fit(tiny.train(model.base()), tiny.val(model.base()), 1);
            Map<String, INDArray> after = statistics(model);
            int moved = 0;
            for (Map.Entry<String, INDArray> e : before.entrySet()) {
                boolean changed = !e.getValue().equalsWithEps(after.get(e.getKey()), 0);
                boolean isTrainable = trainableBn.stream().anyMatch(n -> e.getKey().startsWith(n + "_"));
                if (changed) moved++;
                if (!training || !isTrainable) assertFalse(changed, (training ? "training" : "inference") + " mode moved " + e.getKey());
            }
            if (training) assertEquals(2 * trainableBn.size(), moved, "every trainable batch norm's mean and variance moved");
            assertEquals(2, model.history().size());
            assertTrue(Double.isFinite(model.history().last().valLoss()));
        }
    }
}
