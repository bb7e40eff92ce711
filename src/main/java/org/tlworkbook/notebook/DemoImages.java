package org.tlworkbook.notebook;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A small three-class image folder drawn on the fly (waves, sails and kites on a sea-blue background),
 * so the own-dataset notebook runs even before a learner has collected their own images.
 */
public final class DemoImages {
    private DemoImages() { }

    /** The classes of the own-folder demo (seed 000's surfing recipe). */
    public static final String[] CLASSES = {"kitesurfing", "surfing", "windsurfing"};

    /** Writes {@code perClass} JPEGs per class under {@code dir/<class>/}; returns {@code dir}. */
    public static Path threeClasses(Path dir, int perClass, int size) throws IOException {
        return threeClasses(dir, perClass, size, 37);
    }

    /** {@link #threeClasses(Path, int, int)} drawn with another {@code seed}: new images of the same three kinds. */
    public static Path threeClasses(Path dir, int perClass, int size, long seed) throws IOException {
        Random r = new Random(seed);
        for (int c = 0; c < CLASSES.length; c++) {
            Path classDir = Files.createDirectories(dir.resolve(CLASSES[c]));
            for (int i = 0; i < perClass; i++) {
                Path file = classDir.resolve(CLASSES[c] + "_" + i + ".jpg");
                if (Files.exists(file)) continue;
                BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(new Color(30 + r.nextInt(40), 90 + r.nextInt(60), 160 + r.nextInt(60)));
                g.fillRect(0, 0, size, size);
                g.setColor(new Color(230, 240, 250));
                int y = size / 2 + r.nextInt(size / 4);
                for (int x = 0; x < size; x += 4) g.fillRect(x, y + (int) (6 * Math.sin(x / 6.0 + i)), 4, size);
                int cx = size / 4 + r.nextInt(size / 2);
                switch (c) {
                    case 0 -> { // kite high in the sky
                        g.setColor(new Color(220, 40 + r.nextInt(60), 40));
                        g.fillArc(cx - size / 6, size / 10, size / 3, size / 5, 0, 180);
                        g.drawLine(cx, size / 5, cx, y);
                    }
                    case 1 -> { // a surfer on a board
                        g.setColor(new Color(250, 200, 60));
                        g.fillRect(cx - size / 8, y - 4, size / 4, 5);
                        g.setColor(Color.DARK_GRAY);
                        g.fillRect(cx - 2, y - size / 6, 5, size / 6);
                    }
                    default -> { // a sail
                        g.setColor(new Color(240, 90 + r.nextInt(100), 30));
                        g.fillPolygon(new int[]{cx, cx, cx + size / 5}, new int[]{y - size / 2, y - 4, y - 4}, 3);
                    }
                }
                g.dispose();
                ImageIO.write(img, "jpg", file.toFile());
            }
        }
        return dir;
    }
}
