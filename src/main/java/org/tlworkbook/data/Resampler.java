package org.tlworkbook.data;

import java.awt.image.BufferedImage;

/**
 * Resizes, augments and normalises an image in one bilinear pass, writing channel-first floats
 * ({@code [3][h][w]}) straight into a batch buffer.
 */
public final class Resampler {
    private Resampler() { }

    /** Resizes {@code src} through transform {@code t} (bilinear, edges repeated as Keras fill_mode nearest) and writes its preprocessed channel planes into {@code dst} at {@code offset}. */
    public static void sample(BufferedImage src, int outW, int outH, Augmentation.Transform t,
                              Preprocessing pre, float[] dst, int offset) {
        int sw = src.getWidth();
        int sh = src.getHeight();
        int[] pixels = ImageDecoder.pixels(src);
        double cos = Math.cos(t.theta());
        double sin = Math.sin(t.theta());
        int plane = outW * outH;
        for (int y = 0; y < outH; y++) {
            double py = (y + 0.5) / outH - 0.5;
            for (int x = 0; x < outW; x++) {
                double px = (x + 0.5) / outW - 0.5;
                if (t.flip()) px = -px;
                double ax = t.zoomX() * px;
                double ay = t.zoomY() * py;
                double qx = cos * ax - sin * ay + t.shiftX() + 0.5;
                double qy = sin * ax + cos * ay + t.shiftY() + 0.5;
                double sx = qx * sw - 0.5;
                double sy = qy * sh - 0.5;
                sx = Math.max(0, Math.min(sw - 1, sx));
                sy = Math.max(0, Math.min(sh - 1, sy));
                int x0 = (int) sx;
                int y0 = (int) sy;
                int x1 = Math.min(x0 + 1, sw - 1);
                int y1 = Math.min(y0 + 1, sh - 1);
                double fx = sx - x0;
                double fy = sy - y0;
                int p00 = pixels[y0 * sw + x0];
                int p01 = pixels[y0 * sw + x1];
                int p10 = pixels[y1 * sw + x0];
                int p11 = pixels[y1 * sw + x1];
                int idx = offset + y * outW + x;
                for (int c = 0; c < 3; c++) {
                    int shift = 16 - 8 * pre.sourceChannel(c);
                    double top = ((p00 >> shift) & 255) * (1 - fx) + ((p01 >> shift) & 255) * fx;
                    double bottom = ((p10 >> shift) & 255) * (1 - fx) + ((p11 >> shift) & 255) * fx;
                    double v = top * (1 - fy) + bottom * fy;
                    dst[idx + c * plane] = pre.apply(v, c);
                }
            }
        }
    }

    /** Resamples to an RGB image (for previews of augmentation). */
    public static BufferedImage toImage(BufferedImage src, int outW, int outH, Augmentation.Transform t) {
        float[] buf = new float[3 * outW * outH];
        sample(src, outW, outH, t, Preprocessing.none(), buf, 0);
        BufferedImage out = new BufferedImage(outW, outH, BufferedImage.TYPE_INT_RGB);
        int plane = outW * outH;
        for (int i = 0; i < plane; i++) {
            int r = Math.round(buf[i]);
            int g = Math.round(buf[i + plane]);
            int b = Math.round(buf[i + 2 * plane]);
            out.setRGB(i % outW, i / outW, (r << 16) | (g << 8) | b);
        }
        return out;
    }
}
