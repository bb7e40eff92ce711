package org.tlworkbook.data;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Turns any image file a learner is likely to have into 8-bit RGB: grayscale is expanded, alpha is
 * dropped (as PIL's {@code convert('RGB')} does in Keras), and CMYK/YCCK JPEGs, which the JDK cannot
 * decode directly, are converted from their raw raster. Files that are empty or not images raise
 * {@link UnreadableImageException} with the reason.
 */
public final class ImageDecoder {
    /**
     * PIL's {@code MAX_IMAGE_PIXELS} (about 0.25 GiB as RGB): a larger image is refused from its header, before
     * decoding, so one oversized file (a few hundred KB of PNG can hold 16000x16000 pixels) cannot exhaust the heap.
     * {@code -Dworkbook.max_pixels} or {@code WORKBOOK_MAX_PIXELS} raise it.
     */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

    private ImageDecoder() { }

    static long maxPixels() {
        String v = System.getProperty("workbook.max_pixels", System.getenv("WORKBOOK_MAX_PIXELS"));
        try {
            return v == null || v.isBlank() ? DEFAULT_MAX_PIXELS : Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("WORKBOOK_MAX_PIXELS must be a whole number of pixels, got '" + v + "'");
        }
    }

    private static void checkSize(Path file, ImageReader reader) throws IOException {
        long w = reader.getWidth(0), h = reader.getHeight(0), max = maxPixels();
        if (w * h > max) {
            throw new UnreadableImageException(file, String.format(java.util.Locale.ROOT,
                    "%d x %d = %,d pixels, more than the %,d-pixel limit (raise WORKBOOK_MAX_PIXELS to read it anyway)", w, h, w * h, max));
        }
    }

    /** Decodes the file to a TYPE_INT_RGB image. */
    public static BufferedImage readRgb(Path file) throws UnreadableImageException {
        return withReader(file, "cannot decode: ", (reader, in) -> {
            checkSize(file, reader);
            try {
                return toRgb(reader.read(0));
            } catch (javax.imageio.IIOException e) {
                if (!reader.canReadRaster()) throw e;
                in.seek(0);
                reader.setInput(in, true, true);
                Raster raster = reader.readRaster(0, null);
                if (raster.getNumBands() != 4) throw e;
                return fromCmyk(raster);
            }
        });
    }

    /** Reads only the header: width and height, or an exception for files that are not images. */
    public static int[] probe(Path file) throws UnreadableImageException {
        return withReader(file, "cannot read header: ", (reader, in) -> {
            checkSize(file, reader);
            return new int[]{reader.getWidth(0), reader.getHeight(0)};
        });
    }

    private interface ReaderAction<T> {
        T apply(ImageReader reader, ImageInputStream in) throws IOException;
    }

    /** Opens {@code file} with a matching ImageIO reader; every failure becomes an {@link UnreadableImageException}. */
    private static <T> T withReader(Path file, String failure, ReaderAction<T> action) throws UnreadableImageException {
        try {
            if (Files.size(file) == 0) throw new UnreadableImageException(file, "empty file (0 bytes)");
            try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
                ImageReader reader = readerFor(file, in);
                try {
                    reader.setInput(in, true, true);
                    return action.apply(reader, in);
                } finally {
                    reader.dispose();
                }
            }
        } catch (UnreadableImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new UnreadableImageException(file, failure + e.getMessage());
        }
    }

    private static ImageReader readerFor(Path file, ImageInputStream in) throws UnreadableImageException {
        if (in == null) throw new UnreadableImageException(file, "cannot open");
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) throw new UnreadableImageException(file, "not an image format Java can read");
        return readers.next();
    }

    static BufferedImage toRgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) return image;
        int w = image.getWidth();
        int h = image.getHeight();
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Raster raster = image.getRaster();
        boolean gray = image.getColorModel().getColorSpace().getNumComponents() == 1
                && raster.getSampleModel().getSampleSize(0) == 8;
        if (gray) {
            // raw gray levels, as PIL reads them; getRGB would apply a linear-to-sRGB curve
            int[] samples = new int[w];
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, samples);
                for (int x = 0; x < w; x++) row[x] = samples[x] * 0x010101;
                rgb.setRGB(0, y, w, 1, row, 0, w);
            }
            return rgb;
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) row[x] &= 0xFFFFFF;
            rgb.setRGB(0, y, w, 1, row, 0, w);
        }
        return rgb;
    }

    private static BufferedImage fromCmyk(Raster raster) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] px = new int[4];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(x, y, px);
                int k = 255 - px[3];
                int r = (255 - px[0]) * k / 255;
                int g = (255 - px[1]) * k / 255;
                int b = (255 - px[2]) * k / 255;
                rgb.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return rgb;
    }
}
