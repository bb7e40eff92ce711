package org.tlworkbook.testing;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Makes image files of every odd kind, and small image-folder datasets, for tests. */
public final class TestImages {
    private TestImages() { }

    /** A colourful RGB image whose content depends on {@code seed}; left half differs from right half. */
    public static BufferedImage rgb(int w, int h, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int base = r.nextInt(0xFFFFFF);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int red = (x * 255 / Math.max(1, w - 1));
                int green = (y * 255 / Math.max(1, h - 1));
                int blue = (base >> (x < w / 2 ? 0 : 8)) & 255;
                img.setRGB(x, y, (red << 16) | (green << 8) | blue);
            }
        }
        return img;
    }

    public static Path writeJpeg(Path file, BufferedImage img) throws IOException {
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "jpg", file.toFile());
        return file;
    }

    public static Path writePng(Path file, BufferedImage img) throws IOException {
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    public static Path grayscalePng(Path file, int w, int h) throws IOException {
        BufferedImage g = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) g.getRaster().setSample(x, y, 0, (x * 7 + y * 3) & 255);
        return writePng(file, g);
    }

    public static Path alphaPng(Path file, int w, int h) throws IOException {
        BufferedImage a = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) a.setRGB(x, y, ((x * 255 / w) << 24) | 0x336699);
        return writePng(file, a);
    }

    /** How a 4-channel JPEG stores its inks, as files in the wild do. */
    public enum CmykKind {
        /** No Adobe marker, inverted inks: PIL reads every CMYK JPEG with Adobe's convention. */
        NO_MARKER,
        /** Adobe APP14, transform 0: inverted inks (255 - ink), as Photoshop writes CMYK. */
        ADOBE_CMYK,
        /** Adobe APP14, transform 2: inverted C, M, Y coded as YCbCr of (255 - stored), K as stored (YCCK). */
        ADOBE_YCCK
    }

    /**
     * {@code rgb} separated into CMYK inks (with black generation) and written as a 4-channel JPEG of
     * {@code kind}; decoding it correctly gives back {@code rgb} up to JPEG loss.
     */
    public static Path cmykJpeg(Path file, BufferedImage rgb, CmykKind kind) throws IOException {
        int w = rgb.getWidth(), h = rgb.getHeight();
        WritableRaster raster = Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, w, h, 4, null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = rgb.getRGB(x, y), r = p >> 16 & 255, g = p >> 8 & 255, b = p & 255;
                int k = 255 - Math.max(r, Math.max(g, b)), room = 255 - k;
                int[] ink = room == 0 ? new int[]{0, 0, 0, 255}
                        : new int[]{(room - r) * 255 / room, (room - g) * 255 / room, (room - b) * 255 / room, k};
                int[] px = ink.clone();
                for (int i = 0; i < 4; i++) px[i] = 255 - ink[i];
                if (kind == CmykKind.ADOBE_YCCK) {
                    double rr = 255 - px[0], gg = 255 - px[1], bb = 255 - px[2];
                    px[0] = clamp(0.299 * rr + 0.587 * gg + 0.114 * bb);
                    px[1] = clamp(128 - 0.168736 * rr - 0.331264 * gg + 0.5 * bb);
                    px[2] = clamp(128 + 0.5 * rr - 0.418688 * gg - 0.081312 * bb);
                }
                raster.setPixel(x, y, px);
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        javax.imageio.ImageWriteParam quality = writer.getDefaultWriteParam();
        quality.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
        quality.setCompressionQuality(0.98f);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(raster, null, null), quality);
        } finally {
            writer.dispose();
        }
        byte[] jpeg = bytes.toByteArray(); // the JDK writes no APP14: add Adobe's after SOI
        ByteArrayOutputStream marked = new ByteArrayOutputStream();
        marked.write(jpeg, 0, 2);
        if (kind != CmykKind.NO_MARKER) {
            marked.write(new byte[]{(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0,
                    (byte) (kind == CmykKind.ADOBE_YCCK ? 2 : 0)});
        }
        marked.write(jpeg, 2, jpeg.length - 2);
        Files.createDirectories(file.getParent());
        return Files.write(file, marked.toByteArray());
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** {@code root/<class>/<class>.<i>.jpg} with {@code perClass} images each. */
    public static Path folder(Path root, int size, int perClass, String... classes) throws IOException {
        for (int c = 0; c < classes.length; c++) {
            for (int i = 0; i < perClass; i++) {
                writeJpeg(root.resolve(classes[c]).resolve(classes[c] + "." + i + ".jpg"), classImage(size, c, i));
            }
        }
        return root;
    }

    /** Images that a classifier can tell apart: class 0 is reddish with vertical stripes, class 1 bluish with horizontal. */
    public static BufferedImage classImage(int size, int cls, long seed) {
        Random r = new Random(seed * 7919 + cls);
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int stripe = ((cls % 2 == 0 ? x : y) / Math.max(1, size / 8)) % 2;
                int noise = r.nextInt(6);
                int hi = 180 + noise / 2;
                int lo = 40 + noise;
                int v = stripe == 0 ? hi : lo;
                int rgb = switch (cls % 3) {
                    case 0 -> (v << 16) | (lo << 8) | lo;
                    case 1 -> (lo << 16) | (lo << 8) | v;
                    default -> (lo << 16) | (v << 8) | lo;
                };
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    /** Zips {@code dir} so that entries start with {@code prefix/}. */
    public static byte[] zip(Path dir, String prefix) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes); var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                if (rel.isEmpty()) continue;
                String name = prefix + "/" + rel + (Files.isDirectory(p) ? "/" : "");
                zip.putNextEntry(new ZipEntry(name));
                if (Files.isRegularFile(p)) zip.write(Files.readAllBytes(p));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    public static byte[] zipOf(String... namesAndContents) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                zip.putNextEntry(new ZipEntry(namesAndContents[i]));
                zip.write(namesAndContents[i + 1].getBytes());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /**
     * A PNG whose header says {@code w x h} pixels (8-bit RGB) with one empty data chunk: enough for any reader to
     * see its size, so size limits can be tested without anyone allocating the pixels.
     */
    public static Path pngHeader(Path file, int w, int h) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        java.io.ByteArrayOutputStream z = new java.io.ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream d = new java.util.zip.DeflaterOutputStream(z)) {
            d.write(new byte[0]);
        }
        chunk(out, "IDAT", z.toByteArray());
        chunk(out, "IEND", new byte[0]);
        Files.createDirectories(file.getParent());
        return Files.write(file, out.toByteArray());
    }

    private static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        java.nio.ByteBuffer len = java.nio.ByteBuffer.allocate(4).putInt(data.length);
        out.write(len.array());
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(t);
        crc.update(data);
        out.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** A gzipped tar of {@code dir}'s files under {@code prefix/}, as flower_photos.tgz is laid out. */
    public static byte[] tgz(Path dir, String prefix) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(bytes));
             var files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(f.toFile(), prefix + "/" + dir.relativize(f).toString().replace('\\', '/'));
                tar.putArchiveEntry(entry);
                Files.copy(f, tar);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** A gzipped tar with one entry of each given kind: "file:NAME", "link:NAME->TARGET". */
    public static byte[] tgzOf(String... entries) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(bytes))) {
            for (String e : entries) {
                if (e.startsWith("link:")) {
                    String[] nt = e.substring(5).split("->");
                    var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(nt[0], org.apache.commons.compress.archivers.tar.TarConstants.LF_SYMLINK);
                    entry.setLinkName(nt[1]);
                    tar.putArchiveEntry(entry);
                } else {
                    byte[] content = "x".getBytes();
                    var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(e.substring(5));
                    entry.setSize(content.length);
                    tar.putArchiveEntry(entry);
                    tar.write(content);
                }
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }
}
