package org.tlworkbook.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.Architecture;
import org.tlworkbook.testing.TinyTraining;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Wilson's interval against published values; the experiment's rows on a tiny folder; the small CNN that trains from scratch. */
class DataEfficiencyTest {
    @TempDir
    Path tmp;

    @Test
    void wilsonIntervalsMatchPublishedValues() {
        // Newcombe (1998), Statistics in Medicine 17, table I: 81/263 -> 0.2553-0.3662; 15/148 -> 0.0624-0.1605; 0/20 -> 0-0.1611
        assertArrayEquals(new double[]{0.2553, 0.3662}, DataEfficiency.wilson(81, 263), 1e-4);
        assertArrayEquals(new double[]{0.0624, 0.1605}, DataEfficiency.wilson(15, 148), 1e-4);
        assertArrayEquals(new double[]{0.0, 0.1611}, DataEfficiency.wilson(0, 20), 1e-4);
        double[] all = DataEfficiency.wilson(20, 20);
        assertEquals(1.0, all[1], 1e-12, "never above 1");
        assertEquals(1 - 0.1611, all[0], 1e-4, "symmetric to 0 of 20");
        assertThrows(IllegalArgumentException.class, () -> DataEfficiency.wilson(3, 2));
    }

    @Test
    void eachRowTrainsBothModelsOnNestedSubsetsAndScoresThemOnTheSameImages() throws Exception {
        TinyTraining tiny = new TinyTraining(tmp.resolve("images"));
        ImageFolder train = ImageFolder.from(tmp.resolve("images")).seed(3);
        ImageFolder val = ImageFolder.from(tmp.resolve("images")).seed(3).limitPerClass(4);
        DataEfficiency experiment = DataEfficiency.of(tiny.base(), train, val).sizes(3, 10).epochs(2).batchSize(8).progress(Progress.silent());
        assertTrue(experiment.toString().contains("[3, 10] images per class, 2 epochs each (at least 50 steps)"), experiment.toString());
        assertEquals(50, experiment.epochsFor(6), "one batch of 6 per epoch: 50 epochs reach 50 steps");
        assertEquals(17, experiment.epochsFor(20), "three batches of 8 per epoch");
        assertEquals(2, experiment.minSteps(1).epochsFor(20), "never fewer than the epochs asked for");
        experiment.minSteps(4);
        List<DataEfficiency.Row> rows = experiment.run();
        assertEquals(2, rows.size());
        for (DataEfficiency.Row r : rows) {
            assertEquals(8, r.validationImages());
            assertTrue(r.transferAccuracy() >= 0 && r.transferAccuracy() <= 1 && r.scratchAccuracy() >= 0 && r.scratchAccuracy() <= 1);
            assertTrue(r.transferInterval()[0] <= r.transferAccuracy() && r.transferAccuracy() <= r.transferInterval()[1]);
            assertTrue(r.transferSeconds() > 0 && r.scratchSeconds() > 0);
        }
        assertEquals(List.of(3, 10), rows.stream().map(DataEfficiency.Row::imagesPerClass).toList());
        assertEquals(2, DataEfficiency.table(rows).rowCount());
        // nested: the 3 images per class are among the 10
        List<Path> three = train.seed(37).limitPerClass(3).trainingSamples().stream().map(ImageFolder.Sample::path).toList();
        List<Path> ten = train.seed(37).limitPerClass(10).trainingSamples().stream().map(ImageFolder.Sample::path).toList();
        assertTrue(ten.containsAll(three));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataEfficiency.of(tiny.base(), train, val).sizes(3, 500).progress(Progress.silent()).run());
        assertTrue(e.getMessage().contains("choose sizes up to"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DataEfficiency.of(tiny.base(), train, val).sizes(10, 3));
    }

    @Test
    void threeClassesTrainSoftmaxHeadsOnBothModels() throws Exception {
        Path images = org.tlworkbook.testing.TestImages.folder(tmp.resolve("three"), 40, 12, "kitesurfing", "surfing", "windsurfing");
        ImageFolder train = ImageFolder.from(images).seed(3);
        ImageFolder val = ImageFolder.from(images).seed(4).limitPerClass(3);
        var base = org.tlworkbook.model.MobileNetV2.create(32, 0.35, 5);
        List<DataEfficiency.Row> rows = DataEfficiency.of(base, train, val).sizes(4).epochs(1).minSteps(2).batchSize(8)
                .progress(Progress.silent()).run();
        assertEquals(9, rows.get(0).validationImages(), "three classes of three validation images");
        assertTrue(rows.get(0).transferCorrect() <= 9 && rows.get(0).scratchCorrect() <= 9);
    }

    @Test
    void theSmallCnnIsTheTutorialsAndHasNoPretrainedWeights() {
        var base = Architecture.SMALL_CNN.create(32, 1.0, 1);
        assertEquals(7, base.layerCount(), "input, then three convolution + pooling blocks");
        assertEquals("conv2d_2", base.layer(5).name());
        // 3*3*3*16+16 + 3*3*16*32+32 + 3*3*32*64+64, Keras' count for the tutorial's convolutions
        assertEquals(448 + 4640 + 18496, base.countParams());
        assertFalse(Architecture.SMALL_CNN.pretrained());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Architecture.SMALL_CNN.imagenet(32, 1.0));
        assertTrue(e.getMessage().contains("trains from scratch"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Architecture.SMALL_CNN.create(32, 0.5, 1));
    }
}
