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
 * decode directly, are converted from their raw raster with PIL's colours. Files that are empty or not images raise
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

    /**
     * Decodes the file to a TYPE_INT_RGB image. A file that ends before its image data does is refused, as PIL and
     * TensorFlow refuse it, rather than read with its missing part filled in grey.
     */
    public static BufferedImage readRgb(Path file) throws UnreadableImageException {
        return withReader(file, "cannot decode (damaged or truncated?): ", (reader, in) -> {
            checkSize(file, reader);
            java.util.List<String> warnings = new java.util.ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            BufferedImage image = decode(file, reader);
            for (String w : warnings) {
                String lower = w.toLowerCase(java.util.Locale.ROOT);
                if (lower.contains("premature end") || lower.contains("truncated") || lower.contains("missing eoi")) {
                    throw new UnreadableImageException(file, "truncated: the file ends before its image data does (an interrupted download or copy?)");
                }
            }
            return image;
        });
    }

    private static BufferedImage decode(Path file, ImageReader reader) throws IOException {
        int transform = fourChannelJpeg(file);
        if (transform == NOT_FOUR_CHANNEL) return toRgb(reader.read(0));
        return fromCmyk(reader.readRaster(0, null), transform == 2);
    }

    private static final int NOT_FOUR_CHANNEL = -2;

    /**
     * For a 4-channel (CMYK or YCCK) JPEG, its Adobe APP14 transform (2 = YCCK, -1 = no marker); else
     * {@link #NOT_FOUR_CHANNEL}. Read from the markers before the first scan.
     */
    private static int fourChannelJpeg(Path file) throws IOException {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readUnsignedShort() != 0xFFD8) return NOT_FOUR_CHANNEL;
            int transform = -1;
            while (true) {
                int marker = in.readUnsignedShort();
                while (marker == 0xFFFF) marker = 0xFF00 | in.readUnsignedByte();
                if (marker == 0xFFDA || marker == 0xFFD9 || (marker & 0xFF00) != 0xFF00) return NOT_FOUR_CHANNEL;
                int length = in.readUnsignedShort() - 2;
                if (length < 0) return NOT_FOUR_CHANNEL;
                byte[] segment = in.readNBytes(length);
                if (segment.length < length) return NOT_FOUR_CHANNEL;
                if (marker == 0xFFEE && length >= 12 && new String(segment, 0, 5, java.nio.charset.StandardCharsets.ISO_8859_1).equals("Adobe")) {
                    transform = segment[11] & 0xFF;
                }
                boolean startOfFrame = marker >= 0xFFC0 && marker <= 0xFFCF && marker != 0xFFC4 && marker != 0xFFC8 && marker != 0xFFCC;
                if (startOfFrame) return length >= 6 && (segment[5] & 0xFF) == 4 ? transform : NOT_FOUR_CHANNEL;
            }
        } catch (java.io.EOFException e) {
            return NOT_FOUR_CHANNEL;
        }
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
        maxPixels(); // a mistyped WORKBOOK_MAX_PIXELS is the caller's setting to fix, not a fault of each image
        try {
            if (file.toString().isEmpty()) throw new UnreadableImageException(file, "an empty argument is not a file name");
            if (!Files.exists(file)) throw new UnreadableImageException(file, "no such file");
            if (Files.isDirectory(file)) throw new UnreadableImageException(file, "a folder, not an image file");
            if (!Files.isReadable(file)) throw new UnreadableImageException(file, "cannot be read (permission denied)");
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
        int[] row = new int[w];
        if (gray) {
            // raw gray levels, as PIL reads them; getRGB would apply a linear-to-sRGB curve
            int[] samples = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, samples);
                for (int x = 0; x < w; x++) row[x] = samples[x] * 0x010101;
                setRow(rgb, y, row);
            }
            return rgb;
        }
        if (isPlainRgbBytes(image)) {
            // what getRGB returns for these, read from the raster in bulk instead of a colour-model call per pixel
            byte[] bytes = new byte[3 * w];
            for (int y = 0; y < h; y++) {
                raster.getDataElements(0, y, w, 1, bytes);
                for (int x = 0, i = 0; x < w; x++, i += 3) row[x] = (bytes[i] & 255) << 16 | (bytes[i + 1] & 255) << 8 | bytes[i + 2] & 255;
                setRow(rgb, y, row);
            }
            return rgb;
        }
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) row[x] &= 0xFFFFFF;
            setRow(rgb, y, row);
        }
        return rgb;
    }

    /** Three 8-bit sRGB channels, no alpha, one byte per sample (a decoded JPEG, an RGB PNG): getRGB gives the bytes unchanged. */
    private static boolean isPlainRgbBytes(BufferedImage image) {
        java.awt.image.ColorModel cm = image.getColorModel();
        if (!(cm instanceof java.awt.image.ComponentColorModel) || cm.hasAlpha() || !cm.getColorSpace().isCS_sRGB()
                || cm.getNumComponents() != 3 || cm.getTransferType() != java.awt.image.DataBuffer.TYPE_BYTE) return false;
        for (int size : cm.getComponentSize()) if (size != 8) return false;
        return image.getRaster().getNumBands() == 3;
    }

    /** Writes one row of 0xRRGGBB pixels into a TYPE_INT_RGB image (its data elements are those ints). */
    private static void setRow(BufferedImage rgb, int y, int[] row) {
        rgb.getRaster().setDataElements(0, y, rgb.getWidth(), 1, row);
    }

    /** An image's pixels row by row, 0xRRGGBB in the low 24 bits, as {@code getRGB} gives them; a TYPE_INT_RGB image's without a colour-model call per pixel. */
    static int[] pixels(BufferedImage rgb) {
        if (rgb.getType() != BufferedImage.TYPE_INT_RGB) return rgb.getRGB(0, 0, rgb.getWidth(), rgb.getHeight(), null, 0, rgb.getWidth());
        return (int[]) rgb.getRaster().getDataElements(0, 0, rgb.getWidth(), rgb.getHeight(), null);
    }

    /**
     * The raw channels of a 4-channel JPEG to RGB as PIL reads them (the reference of Keras' loaders): the stored
     * values are inverted inks (Adobe's convention, assumed with or without the marker), YCCK's first three
     * are YCbCr of the inverted stored C, M, Y, and each colour is stored colour times stored black over 255.
     */
    private static BufferedImage fromCmyk(Raster raster, boolean ycck) {
        if (raster.getNumBands() != 4) throw new IllegalArgumentException("expected 4 channels, found " + raster.getNumBands());
        int w = raster.getWidth();
        int h = raster.getHeight();
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] px = new int[4];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(x, y, px);
                if (ycck) {
                    double luma = px[0], cb = px[1] - 128, cr = px[2] - 128;
                    px[0] = 255 - clamp(luma + 1.402 * cr);
                    px[1] = 255 - clamp(luma - 0.344136 * cb - 0.714136 * cr);
                    px[2] = 255 - clamp(luma + 1.772 * cb);
                }
                int k = px[3];
                row[x] = (px[0] * k / 255) << 16 | (px[1] * k / 255) << 8 | px[2] * k / 255;
            }
            setRow(rgb, y, row);
        }
        return rgb;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
