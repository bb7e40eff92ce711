package org.tlworkbook.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Scalings by name, as the CLI's --preprocessing takes them: a wrong name lists the right ones, a bad factor says so. */
class PreprocessingTest {
    @Test
    void namesParseAndMistakesListWhatIsValid() {
        assertEquals(-1f, Preprocessing.named("mobilenet_v2").apply(0, 0), 1e-6);
        assertEquals(1f, Preprocessing.named("rescale").apply(255, 1), 1e-6);
        assertEquals(0.5f, Preprocessing.named("rescale(0.5)").apply(1, 2), 1e-6);
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Preprocessing.named("foo"));
        assertTrue(unknown.getMessage().contains("Unknown preprocessing 'foo': one of mobilenet_v2"), unknown.getMessage());
        IllegalArgumentException notANumber = assertThrows(IllegalArgumentException.class, () -> Preprocessing.named("rescale(abc)"));
        assertTrue(notANumber.getMessage().contains("rescale(...) takes a number") && !notANumber.getMessage().contains("For input string"),
                notANumber.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.named("rescale(-1)"));
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.named("rescale(NaN)"));
        for (double bad : new double[]{0, Double.POSITIVE_INFINITY, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Preprocessing.rescale(bad));
            assertTrue(e.getMessage().contains("such as 1.0 / 255, got " + bad), e.getMessage());
        }
    }

    /** Keras' resnet50.preprocess_input on one pixel: BGR order, minus the ImageNet means, as the generators feed it. */
    @Test
    void caffeModeSwapsToBgrAndSubtractsTheImageNetMeans() {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(2, 2, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 2; y++) for (int x = 0; x < 2; x++) img.setRGB(x, y, (200 << 16) | (100 << 8) | 50);
        float[] nchw = new float[3 * 4];
        Resampler.sample(img, 2, 2, Augmentation.Transform.IDENTITY, Preprocessing.named("caffe"), nchw, 0);
        assertEquals(50 - 103.939f, nchw[0], 1e-4, "channel 0 is blue");
        assertEquals(100 - 116.779f, nchw[4], 1e-4, "channel 1 is green");
        assertEquals(200 - 123.68f, nchw[8], 1e-4, "channel 2 is red");
        float[] rgb = new float[3 * 4];
        Resampler.sample(img, 2, 2, Augmentation.Transform.IDENTITY, Preprocessing.none(), rgb, 0);
        assertEquals(200f, rgb[0], 1e-4, "other scalings keep RGB order");
        assertEquals(Preprocessing.caffe(), Preprocessing.named("caffe"));
    }
}
