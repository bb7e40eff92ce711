package org.tlworkbook.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.testing.TinyTraining;

import java.nio.file.Files;
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

        // the same file with its configuration swapped for 300 MB of one character (a third of a MB deflated): refused
        // before DL4J reads it whole into memory, as a handed-in model could be made to
        Path bomb = tmp.resolve("bomb.zip");
        try (ZipFile zip = new ZipFile(file.toFile()); var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(bomb))) {
            out.setLevel(9);
            for (var e : java.util.Collections.list(zip.entries())) {
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                if (e.getName().equals("configuration.json")) {
                    byte[] chunk = new byte[1 << 20];
                    java.util.Arrays.fill(chunk, (byte) '0');
                    for (int i = 0; i < 300; i++) out.write(chunk);
                } else {
                    zip.getInputStream(e).transferTo(out);
                }
                out.closeEntry();
            }
        }
        java.io.IOException refused = assertThrows(java.io.IOException.class, () -> Classifier.load(bomb));
        assertTrue(refused.getMessage().contains("is not a model saved by this workbook") && refused.getMessage().contains("'configuration.json' inflates more than 100 times"),
                refused.getMessage());
    }
}
