package org.tlworkbook.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.testing.TinyTraining;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.*;

/** A saved classifier is the archive DL4J's own ModelSerializer reads: weights, optimizer state and text entries. */
class ModelArchiveTest {
    @TempDir
    Path tmp;

    @Test
    void dl4jReadsTheWeightsOptimizerStateAndEntriesOfASavedModel() throws Exception {
        TinyTraining t = new TinyTraining(tmp.resolve("d"));
        BaseModel base = t.base().freeze();
        Classifier m = t.model(base, Optimizer.adam(1e-3));
        m.fit(t.train(base), t.val(base), 1);
        Path file = tmp.resolve("model.zip");
        m.save(file, Map.of("run.properties", "seed=7\nnote=ünïcode"));

        ComputationGraph read = ModelSerializer.restoreComputationGraph(file.toFile(), true);
        assertEquals(m.graph().params(), read.params());
        assertNotNull(m.graph().getUpdater().getStateViewArray());
        assertEquals(m.graph().getUpdater().getStateViewArray(), read.getUpdater().getStateViewArray(), "Adam's moments travel");
        assertEquals(m.graph().getConfiguration().toJson(), read.getConfiguration().toJson());
        assertEquals("seed=7\nnote=ünïcode", Classifier.savedEntry(file, "run.properties"));
        assertEquals(m.history().toCsv(), ModelSerializer.getObjectFromFile(file.toFile(), "history.csv"));
        assertNull(Classifier.savedEntry(file, "absent"));
        try (ZipFile zip = new ZipFile(file.toFile())) {
            assertEquals(List.of("configuration.json", "coefficients.bin", "updaterState.bin", "objects/workbook.properties",
                    "objects/history.csv", "objects/run.properties"), zip.stream().map(java.util.zip.ZipEntry::getName).toList());
            for (String array : List.of("coefficients.bin", "updaterState.bin")) { // stored as is: deflating weights costs seconds and saves a tenth
                var e = zip.getEntry(array);
                assertTrue(e.getCompressedSize() >= e.getSize(), array + " is not deflated: " + e.getCompressedSize() + " of " + e.getSize());
            }
            var json = zip.getEntry("configuration.json");
            assertTrue(json.getCompressedSize() < json.getSize() / 2, "text is deflated: " + json.getCompressedSize() + " of " + json.getSize());
        }
        Classifier loaded = Classifier.load(file);
        assertEquals(m.classes(), loaded.classes());
        assertTrue(loaded.predict(t.train(base).next().getFeatures()).equalsWithEps(m.predict(t.train(base).next().getFeatures()), 1e-6));
    }
}
