package org.tlworkbook.notebook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.testing.TinyTraining;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Notebook 6's round trip in one call: the same images through the workbook and onnxruntime, compared per image. */
class OnnxTest {
    @TempDir
    Path tmp;

    @Test
    void aSigmoidAndASoftmaxFileAgreeWithTheWorkbookAndAnotherModelsFileIsRefused() throws Exception {
        TinyTraining tiny = new TinyTraining(tmp.resolve("images"));
        TinyTraining.Trained t = tiny.trained(Optimizer.adam(1e-3), 2); // a gentle rate: 3e-2 saturated the head, and its one unsaturated probability sat at the tolerance on another JDK
        BaseModel base = t.base();
        Classifier binary = t.model();
        List<Path> images = tiny.folder.validationSamples().stream().limit(6).map(ImageFolder.Sample::path).toList();

        Path file = tmp.resolve("binary.onnx");
        binary.exportOnnx(file);
        Table table = Onnx.compare(binary, file, images);
        assertEquals(6, table.rowCount());
        assertEquals(List.of("image", "workbook says", "onnxruntime says", "largest difference"), table.columnNames());
        for (int i = 0; i < 6; i++) {
            assertEquals(table.stringColumn("workbook says").get(i), table.stringColumn("onnxruntime says").get(i));
            assertTrue(table.doubleColumn("largest difference").get(i) <= 1e-4, table.print());
        }
        assertTrue(table.name().startsWith("workbook vs onnxruntime (largest difference "), table.name());

        Path pixelsIn = tmp.resolve("pixels.onnx"); // the graph scales 0-255 pixels itself
        binary.exportOnnx(pixelsIn, true);
        Table raw = Onnx.compare(binary, pixelsIn, images);
        assertTrue(raw.doubleColumn("largest difference").max() <= 1e-3, raw.print());

        ImageFolder abc = ImageFolder.from(org.tlworkbook.testing.TestImages.folder(tmp.resolve("abc"), 30, 20, "a", "b", "c")).validationSplit(0.2).seed(3);
        Classifier three = Classifier.of(base, Head.pooledDense(8), abc.classes()).compile(Optimizer.adam(1e-3)).progress(Progress.silent());
        three.fit(abc.training(base).batchSize(8).build(), abc.validation(base).batchSize(8).build(), 1);
        Path threeFile = tmp.resolve("three.onnx");
        three.exportOnnx(threeFile);
        Table softmax = Onnx.compare(three, threeFile, images);
        // the plumbing is under test here (layout, one sigmoid output, a graph that scales pixels): a slip in it costs
        // tenths; this random 32 px base magnifies float32 rounding to 1e-4, so 1e-3 (ExportTest checks 1e-4 on trained ones)
        assertTrue(softmax.doubleColumn("largest difference").max() <= 1e-3, softmax.print());
        assertEquals(softmax.stringColumn("workbook says").asList(), softmax.stringColumn("onnxruntime says").asList());

        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> Onnx.compare(three, file, images));
        assertTrue(wrong.getMessage().contains("another model's file"), wrong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Onnx.compare(binary, tmp.resolve("none.onnx"), images));
    }
}
