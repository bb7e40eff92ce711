package org.tlworkbook.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.tlworkbook.testing.TestImages;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ImageGeneratorTest {
    @TempDir
    Path tmp;

    @Test
    void batchesHaveKerasShapesRangesAndLabels() throws Exception {
        Path root = TestImages.folder(tmp.resolve("d"), 30, 5, "cats", "dogs");
        ImageGenerator gen = ImageFolder.from(root).training().targetSize(16, 20).batchSize(4)
                .classMode(ClassMode.BINARY).rescale(1.0 / 255).build();
        assertEquals(10, gen.samples());
        assertEquals(3, gen.steps());
        int seen = 0;
        int dogs = 0;
        while (gen.hasNext()) {
            DataSet ds = gen.next();
            INDArray x = ds.getFeatures();
            assertArrayEquals(new long[]{x.size(0), 3, 16, 20}, x.shape());
            assertTrue(x.minNumber().floatValue() >= 0f && x.maxNumber().floatValue() <= 1f);
            assertTrue(x.maxNumber().floatValue() > 0.5f, "real pixel values, not zeros");
            assertEquals(1, ds.getLabels().size(1));
            dogs += ds.getLabels().sumNumber().intValue();
            seen += x.size(0);
        }
        assertEquals(10, seen);
        assertEquals(5, dogs);

        assertEquals(ClassMode.BINARY, ImageFolder.from(root).training().build().classMode(), "two classes: one 0/1 column by default");
        ImageGenerator mobile = ImageFolder.from(root).training().targetSize(8).batchSize(10).classMode(ClassMode.CATEGORICAL)
                .preprocessing(Preprocessing.mobileNetV2()).build();
        DataSet ds = mobile.next();
        assertTrue(ds.getFeatures().minNumber().floatValue() >= -1f && ds.getFeatures().minNumber().floatValue() < -0.3f);
        assertTrue(ds.getFeatures().maxNumber().floatValue() <= 1f);
        assertEquals(2, ds.getLabels().size(1));
        assertEquals(10, ds.getLabels().sumNumber().intValue(), "one-hot rows");
    }

    @Test
    void flipMirrorsPixels() {
        BufferedImage img = TestImages.rgb(12, 9, 3);
        float[] plain = new float[3 * 12 * 9];
        float[] flipped = new float[3 * 12 * 9];
        Resampler.sample(img, 12, 9, Augmentation.Transform.IDENTITY, Preprocessing.none(), plain, 0);
        Resampler.sample(img, 12, 9, new Augmentation.Transform(0, 0, 0, 1, 1, true), Preprocessing.none(), flipped, 0);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 9; y++) {
                for (int x = 0; x < 12; x++) {
                    int rgb = img.getRGB(x, y);
                    assertEquals((rgb >> (16 - 8 * c)) & 255, plain[c * 108 + y * 12 + x], 1e-3, "identity keeps pixels");
                    assertEquals(plain[c * 108 + y * 12 + (11 - x)], flipped[c * 108 + y * 12 + x], 1e-3);
                }
            }
        }
    }

    @Test
    void shiftMovesContentAndEdgesRepeat() {
        BufferedImage img = TestImages.rgb(10, 10, 4);
        float[] shifted = new float[300];
        Resampler.sample(img, 10, 10, new Augmentation.Transform(0, 0.2, 0, 1, 1, false), Preprocessing.none(), shifted, 0);
        for (int x = 0; x < 8; x++) {
            assertEquals((img.getRGB(x + 2, 5) >> 16) & 255, shifted[5 * 10 + x], 1e-3, "reads two pixels to the right");
        }
        assertEquals((img.getRGB(9, 5) >> 16) & 255, shifted[5 * 10 + 9], 1e-3, "fill_mode nearest");
    }

    @Test
    void augmentationIsDeterministicBySeedAndChangesPerEpoch() throws Exception {
        Path root = TestImages.folder(tmp.resolve("d"), 24, 4, "a", "b");
        ImageFolder folder = ImageFolder.from(root).seed(5);
        ImageGenerator g1 = folder.training().targetSize(16).batchSize(8).augment(Augmentation.standard()).build();
        ImageGenerator g2 = folder.training().targetSize(16).batchSize(8).augment(Augmentation.standard()).build();
        INDArray a = g1.next().getFeatures();
        assertEquals(a, g2.next().getFeatures(), "same seed, same batch");
        List<ImageFolder.Sample> firstOrder = new ArrayList<>(g1.epochOrder());
        g1.reset();
        INDArray b = g1.next().getFeatures();
        assertNotEquals(a, b, "a new epoch redraws augmentation");
        assertEquals(1, g1.epoch());
        assertEquals(8, firstOrder.size());
        ImageGenerator g3 = folder.seed(6).training().targetSize(16).batchSize(8).augment(Augmentation.standard()).build();
        assertNotEquals(a, g3.next().getFeatures(), "another seed, other draws");
    }

    @Test
    void unreadableFileDiscoveredLateIsSkipped() throws Exception {
        Path root = TestImages.folder(tmp.resolve("d"), 16, 3, "a", "b");
        ImageFolder folder = ImageFolder.from(root);
        java.nio.file.Files.write(root.resolve("a/a.0.jpg"), new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0, 1, 2});
        ImageGenerator gen = folder.training().targetSize(8).batchSize(6).shuffle(false).build();
        DataSet ds = gen.next();
        assertEquals(5, ds.getFeatures().size(0), "the damaged file is left out of its batch");
    }

    @Test
    void binaryModeNeedsTwoClasses() throws Exception {
        Path root = TestImages.folder(tmp.resolve("d"), 8, 2, "a", "b", "c");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.from(root).training().classMode(ClassMode.BINARY).build());
        assertTrue(e.getMessage().contains("CATEGORICAL"));
    }

    /** A null setting is refused where it is set, saying what to pass instead, not at the first batch. */
    @Test
    void nullSettingsAreRefusedSayingWhatToPass() throws Exception {
        Path root = TestImages.folder(tmp.resolve("nulls"), 8, 2, "a", "b");
        var b = ImageFolder.from(root).training();
        assertTrue(assertThrows(NullPointerException.class, () -> b.classMode(null)).getMessage().contains("ClassMode.BINARY or ClassMode.CATEGORICAL"));
        assertTrue(assertThrows(NullPointerException.class, () -> b.augment(null)).getMessage().contains("Augmentation.none()"));
        assertTrue(assertThrows(NullPointerException.class, () -> b.preprocessing(null)).getMessage().contains("Preprocessing.none()"));
        assertEquals(2, b.batchSize(2).build().next().numExamples(), "the builder still works after the refusals");
    }

    @Test
    void anImageThatBreaksAfterScanningIsSkippedAndBatchesSayWhichImagesTheyHold() throws Exception {
        Path root = TestImages.folder(tmp.resolve("broken"), 30, 4, "cats", "dogs");
        ImageFolder folder = ImageFolder.from(root);
        ImageGenerator gen = folder.training().targetSize(8).batchSize(8).shuffle(false).classMode(ClassMode.BINARY).build();
        ImageFolder.Sample victim = gen.epochOrder().get(1);
        java.nio.file.Files.write(victim.path(), new byte[]{1, 2, 3}); // e.g. replaced on disk after the folder was read
        DataSet ds = gen.next();
        assertEquals(7, ds.numExamples());
        List<ImageFolder.Sample> batch = gen.lastBatch();
        assertEquals(7, batch.size());
        assertFalse(batch.contains(victim));
        for (int i = 0; i < batch.size(); i++) {
            assertEquals(batch.get(i).label(), ds.getLabels().getInt(i, 0), "row " + i + " is " + batch.get(i).path());
        }
    }
}
