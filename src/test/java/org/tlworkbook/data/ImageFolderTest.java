package org.tlworkbook.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.testing.TestImages;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ImageFolderTest {
    @TempDir
    Path tmp;

    @Test
    void cmykAndYcckJpegsDecodeToTheirColours() throws Exception {
        BufferedImage source = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                int r = x * 255 / 63, g = y * 255 / 47, b = Math.max(0, 255 - r / 2 - g / 3);
                source.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        for (TestImages.CmykKind kind : TestImages.CmykKind.values()) {
            Path file = TestImages.cmykJpeg(tmp.resolve("cmyk/" + kind + ".jpg"), source, kind);
            BufferedImage decoded = ImageDecoder.readRgb(file);
            double error = 0;
            for (int y = 0; y < 48; y++) {
                for (int x = 0; x < 64; x++) {
                    int a = source.getRGB(x, y), d = decoded.getRGB(x, y);
                    for (int shift = 0; shift <= 16; shift += 8) error += Math.abs((a >> shift & 255) - (d >> shift & 255));
                }
            }
            error /= 64 * 48 * 3;
            assertTrue(error < 3, kind + ": mean error " + error + "/255 against the source colours");
        }
    }

    @Test
    void colourImagesOfEveryLayoutConvertToTheColoursGetRgbReads() throws Exception {
        java.util.Random random = new java.util.Random(7);
        List<BufferedImage> images = new java.util.ArrayList<>();
        for (int type : new int[]{BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_INT_ARGB,
                BufferedImage.TYPE_INT_BGR, BufferedImage.TYPE_USHORT_565_RGB, BufferedImage.TYPE_BYTE_INDEXED}) {
            BufferedImage image = new BufferedImage(13, 7, type);
            for (int y = 0; y < 7; y++) for (int x = 0; x < 13; x++) image.setRGB(x, y, random.nextInt());
            images.add(image);
        }
        // as ImageIO decodes files: a JPEG (BGR bytes) and an RGB PNG (bytes in R, G, B order, a custom layout)
        Path jpeg = TestImages.writeJpeg(tmp.resolve("layouts/a.jpg"), TestImages.rgb(13, 7, 4));
        images.add(javax.imageio.ImageIO.read(jpeg.toFile()));
        Path png = tmp.resolve("layouts/b.png");
        javax.imageio.ImageIO.write(images.get(0), "png", png.toFile());
        images.add(javax.imageio.ImageIO.read(png.toFile()));
        assertEquals(BufferedImage.TYPE_3BYTE_BGR, images.get(images.size() - 2).getType());
        for (BufferedImage image : images) {
            BufferedImage rgb = ImageDecoder.toRgb(image);
            assertEquals(BufferedImage.TYPE_INT_RGB, rgb.getType());
            int[] pixels = ImageDecoder.pixels(rgb);
            for (int y = 0; y < 7; y++) {
                for (int x = 0; x < 13; x++) {
                    int expected = image.getRGB(x, y) & 0xFFFFFF;
                    assertEquals(expected, rgb.getRGB(x, y) & 0xFFFFFF, "type " + image.getType() + " at " + x + "," + y);
                    assertEquals(expected, pixels[y * 13 + x] & 0xFFFFFF, "type " + image.getType() + " read back at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void oddImagesAreConvertedOrSkippedWithReasons() throws Exception {
        Path root = tmp.resolve("odd");
        TestImages.writeJpeg(root.resolve("a/rgb.jpg"), TestImages.rgb(20, 10, 1));
        TestImages.grayscalePng(root.resolve("a/gray.png"), 16, 16);
        TestImages.alphaPng(root.resolve("a/alpha.png"), 16, 16);
        TestImages.cmykJpeg(root.resolve("b/cmyk.jpg"), TestImages.rgb(16, 12, 3), TestImages.CmykKind.ADOBE_YCCK);
        TestImages.writeJpeg(root.resolve("b/ok.jpg"), TestImages.rgb(8, 8, 2));
        Files.createFile(root.resolve("b/empty.jpg"));
        Files.writeString(root.resolve("b/notes.jpg"), "this is not an image");
        Files.writeString(root.resolve("b/readme.txt"), "ignored: not an image extension");

        ImageFolder folder = ImageFolder.from(root);
        assertEquals(List.of("a", "b"), folder.classes());
        assertEquals(5, folder.all().size());
        assertEquals(2, folder.skipped().size());
        String report = folder.report();
        assertTrue(report.contains("empty.jpg: empty file"), report);
        assertTrue(report.contains("notes.jpg"), report);

        BufferedImage gray = ImageDecoder.readRgb(root.resolve("a/gray.png"));
        int p = gray.getRGB(5, 3);
        assertEquals((p >> 16) & 255, p & 255, "grayscale expands to equal channels");
        assertEquals((5 * 7 + 3 * 3) & 255, p & 255);

        BufferedImage alpha = ImageDecoder.readRgb(root.resolve("a/alpha.png"));
        assertEquals(BufferedImage.TYPE_INT_RGB, alpha.getType());
        assertEquals(0x336699, alpha.getRGB(0, 0) & 0xFFFFFF, "alpha is dropped, colour kept");

        BufferedImage cmyk = ImageDecoder.readRgb(root.resolve("b/cmyk.jpg"));
        assertEquals(16, cmyk.getWidth());
        assertEquals(12, cmyk.getHeight());

        UnreadableImageException e = assertThrows(UnreadableImageException.class,
                () -> ImageDecoder.readRgb(root.resolve("b/empty.jpg")));
        assertTrue(e.reason().contains("0 bytes"));
    }

    @Test
    void anOversizedImageIsRefusedFromItsHeaderAndNamed() throws Exception {
        Path root = TestImages.folder(tmp.resolve("huge"), 24, 3, "cats", "dogs");
        Path huge = TestImages.pngHeader(root.resolve("cats/huge.png"), 16000, 16000);
        assertTrue(Files.size(huge) < 200, "a tiny file that claims 256 million pixels");
        ImageFolder folder = ImageFolder.from(root);
        assertEquals(6, folder.all().size(), "the oversized image is skipped");
        assertTrue(folder.report().contains("huge.png: 16000 x 16000 = 256,000,000 pixels, more than the 89,478,485-pixel limit"), folder.report());
        UnreadableImageException e = assertThrows(UnreadableImageException.class, () -> ImageDecoder.readRgb(huge));
        assertEquals(huge, e.file());
        assertThrows(UnreadableImageException.class, () -> ImageGenerator.load(java.util.List.of(huge), new ImageInput() {
            public int size() { return 32; }
            public Preprocessing preprocessing() { return Preprocessing.none(); }
        }), "prediction and embed refuse it too, naming the file");
        System.setProperty("workbook.max_pixels", Long.toString(300_000_000L));
        try {
            assertEquals(16000, ImageDecoder.probe(huge)[0], "the limit can be raised");
        } finally {
            System.clearProperty("workbook.max_pixels");
        }
    }

    @Test
    void emptyClassFolderIsAnActionableError() throws Exception {
        Path root = tmp.resolve("data");
        TestImages.folder(root, 8, 2, "cats");
        Files.createDirectories(root.resolve("dogs"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.from(root));
        assertTrue(e.getMessage().contains("[dogs]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageFolder.from(tmp.resolve("missing")));
        Path noClasses = Files.createDirectories(tmp.resolve("flat"));
        assertThrows(IllegalArgumentException.class, () -> ImageFolder.from(noClasses));
    }

    @Test
    void oddFolderLayoutsAreCountedAsKerasCountsThemAndReported() throws Exception {
        Path root = tmp.resolve("odd");
        TestImages.folder(root, 8, 4, "cats", "dogs");
        TestImages.folder(root.resolve("dogs"), 8, 3, "puppies"); // dogs/puppies/*.jpg
        TestImages.folder(root.resolve("cats"), 8, 1, "kittens");
        TestImages.folder(root, 8, 1, "birds");
        TestImages.writeJpeg(root.resolve("loose.jpg"), TestImages.rgb(8, 8, 1));
        TestImages.writeJpeg(root.resolve("dogs/.thumbnails/t.jpg"), TestImages.rgb(8, 8, 2));
        Files.createSymbolicLink(root.resolve("cats/gone.jpg"), tmp.resolve("no-such-image.jpg"));
        ImageFolder folder = ImageFolder.from(root).validationSplit(0.25).seed(3);
        assertEquals(List.of("birds", "cats", "dogs"), folder.classes(), "a sub-folder of a class is not a class");
        long dogs = folder.all().stream().filter(s -> s.label() == 2).count(), cats = folder.all().stream().filter(s -> s.label() == 1).count();
        assertEquals(7, dogs, "dogs/ and dogs/puppies/, not the hidden .thumbnails/");
        assertEquals(5, cats);
        assertEquals(1, folder.skipped().size());
        String report = folder.report();
        assertTrue(report.contains("cats/gone.jpg: a link to " + tmp.resolve("no-such-image.jpg") + ", which does not exist"), report);
        assertTrue(report.contains("dogs: 3 images in sub-folders of dogs/ count as dogs"), report);
        assertTrue(report.contains("1 image is directly in odd/, in no class folder, and not used"), report);
        assertTrue(report.contains("warning: birds has too few images for the validation split to hold one out"), report);
        assertFalse(report.contains("warning: cats") || report.contains("warning: dogs"), report);
        assertFalse(ImageFolder.from(root).report().contains("warning"), "no split, no warning about one");
    }

    @Test
    void validationSplitIsStratifiedDisjointAndSeeded() throws Exception {
        Path root = TestImages.folder(tmp.resolve("d"), 8, 10, "x", "y", "z");
        ImageFolder a = ImageFolder.from(root).validationSplit(0.2).seed(37);
        List<ImageFolder.Sample> train = a.trainingSamples();
        List<ImageFolder.Sample> val = a.validationSamples();
        assertEquals(24, train.size());
        assertEquals(6, val.size());
        for (int label = 0; label < 3; label++) {
            final int l = label;
            assertEquals(2, val.stream().filter(s -> s.label() == l).count(), "two per class");
        }
        Set<Path> overlap = new HashSet<>();
        train.forEach(s -> overlap.add(s.path()));
        val.forEach(s -> assertFalse(overlap.contains(s.path()), "subsets are disjoint"));

        assertEquals(val, ImageFolder.from(root).validationSplit(0.2).seed(37).validationSamples(), "same seed, same split");
        boolean differs = false;
        for (long seed = 1; seed < 6 && !differs; seed++) {
            differs = !val.equals(ImageFolder.from(root).validationSplit(0.2).seed(seed).validationSamples());
        }
        assertTrue(differs, "another seed gives another split");
        assertEquals(3, a.summary().rowCount());
        assertEquals(24, a.summary().intColumn("training").sum(), 0);
        assertEquals(2, ImageFolder.from(root).limitPerClass(4).validationSplit(0.25).validationSamples().size() / 3 + 1);
    }

    @Test
    void holdOutKeepsATestShareOfEveryClassApartFromTheRest() throws Exception {
        Path root = TestImages.folder(tmp.resolve("held"), 8, 10, "cats", "dogs");
        ImageFolder.HoldOut parts = ImageFolder.from(root).seed(37).limitPerClass(8).holdOut(0.25);
        List<ImageFolder.Sample> kept = parts.kept().all(), held = parts.heldOut().all();
        assertEquals(12, kept.size());
        assertEquals(4, held.size());
        for (int label = 0; label < 2; label++) {
            final int l = label;
            assertEquals(2, held.stream().filter(s -> s.label() == l).count(), "a quarter of each class");
        }
        java.util.Set<Path> both = new java.util.HashSet<>();
        kept.forEach(s -> both.add(s.path()));
        held.forEach(s -> assertTrue(both.add(s.path()), "held out and kept share " + s.path()));
        assertEquals(ImageFolder.from(root).seed(37).limitPerClass(8).all().stream().map(ImageFolder.Sample::path).collect(java.util.stream.Collectors.toSet()),
                both, "together they are the folder");
        assertEquals(held, ImageFolder.from(root).seed(37).limitPerClass(8).holdOut(0.25).heldOut().all(), "the same test set every run");
        assertNotEquals(held, ImageFolder.from(root).seed(38).limitPerClass(8).holdOut(0.25).heldOut().all(), "another seed, another test set");
        assertEquals(4, parts.heldOut().validation().build().samples(), "a test generator covers the held-out images, in order");
        assertThrows(IllegalArgumentException.class, () -> ImageFolder.from(root).holdOut(1.0));
    }
}
