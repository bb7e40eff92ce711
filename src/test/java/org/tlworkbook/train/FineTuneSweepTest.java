package org.tlworkbook.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.plot.FineTuneSweepPlot;
import org.tlworkbook.testing.TinyTraining;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A sweep of start layers: each from the same saved model, which stays as it was; earlier starts train more. */
class FineTuneSweepTest {
    @TempDir
    Path tmp;

    @Test
    void eachStartFineTunesTheSavedModelAfreshAndEarlierStartsTrainMore() throws Exception {
        TinyTraining.Trained t = new TinyTraining(tmp.resolve("images")).trained(Optimizer.adam(3e-2), 2);
        BaseModel base = t.base();
        ImageGenerator train = t.train(), val = t.val();
        Path saved = tmp.resolve("frozen.zip");
        t.model().save(saved);
        byte[] before = Files.readAllBytes(saved);
        int n = base.layerCount();
        List<Integer> starts = List.of(n - 20, n - 8, n - 3);
        List<FineTuneSweep.Row> rows = FineTuneSweep.run(saved, train, val, starts, 2, Optimizer.rmsprop(1e-3));
        assertEquals(starts, rows.stream().map(FineTuneSweep.Row::fineTuneAt).toList());
        assertTrue(rows.get(0).trainableParams() > rows.get(1).trainableParams() && rows.get(1).trainableParams() > rows.get(2).trainableParams(),
                "an earlier start trains more: " + rows);
        for (FineTuneSweep.Row r : rows) {
            Classifier fresh = Classifier.load(saved);
            fresh.base().unfreezeFrom(r.fineTuneAt());
            fresh.compile(Optimizer.rmsprop(1e-3));
            assertEquals(fresh.countTrainableParams(), r.trainableParams(), "the trainable count is the model's own");
            assertEquals(base.layer(r.fineTuneAt()).name(), r.layer());
            assertTrue(r.valAccuracy() >= 0 && r.valAccuracy() <= 1 && r.secondsPerEpoch() > 0, r.toString());
        }
        assertArrayEquals(before, Files.readAllBytes(saved), "the saved model is not changed");
        assertEquals(3, FineTuneSweep.table(rows).rowCount());
        assertEquals(900, FineTuneSweepPlot.plot(rows).getHeight());
        assertThrows(IllegalArgumentException.class, () -> FineTuneSweep.run(saved, train, val, List.of(n + 5), 1, Optimizer.rmsprop(1e-3)));
    }
}
