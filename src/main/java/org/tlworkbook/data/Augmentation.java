package org.tlworkbook.data;

import java.util.Random;

/**
 * Random geometric augmentation with the knobs of Keras' {@code ImageDataGenerator}:
 * {@code rotation_range} (degrees), {@code width_shift_range}/{@code height_shift_range} (fractions),
 * {@code zoom_range} (x and y drawn separately from [1-z, 1+z]) and {@code horizontal_flip}. Pixels
 * pulled from outside the image repeat the nearest edge, Keras' default {@code fill_mode='nearest'}.
 * Draws come from a {@link Random} the caller seeds, so a run is repeatable.
 */
public record Augmentation(double rotationRange, double widthShiftRange, double heightShiftRange,
                           double zoomRange, boolean horizontalFlip) {

    /** No augmentation: every image as it is (what validation data gets). */
    public static Augmentation none() {
        return new Augmentation(0, 0, 0, 0, false);
    }

    /** The augmentation of the VGG16 recipe: rotation 15, shifts 0.1, zoom 0.1, horizontal flip. */
    public static Augmentation standard() {
        return new Augmentation(15, 0.1, 0.1, 0.1, true);
    }

    /** A copy rotating by up to {@code degrees} either way (Keras {@code rotation_range}). */
    public Augmentation rotation(double degrees) {
        return new Augmentation(degrees, widthShiftRange, heightShiftRange, zoomRange, horizontalFlip);
    }

    /** A copy shifting sideways by up to {@code fraction} of the width (Keras {@code width_shift_range}). */
    public Augmentation widthShift(double fraction) {
        return new Augmentation(rotationRange, fraction, heightShiftRange, zoomRange, horizontalFlip);
    }

    /** A copy shifting up or down by up to {@code fraction} of the height (Keras {@code height_shift_range}). */
    public Augmentation heightShift(double fraction) {
        return new Augmentation(rotationRange, widthShiftRange, fraction, zoomRange, horizontalFlip);
    }

    /** A copy zooming each axis by a factor in [1-range, 1+range] (Keras {@code zoom_range}). */
    public Augmentation zoom(double range) {
        return new Augmentation(rotationRange, widthShiftRange, heightShiftRange, range, horizontalFlip);
    }

    /** A copy that mirrors half the images left to right, or none (Keras {@code horizontal_flip}). */
    public Augmentation horizontalFlip(boolean flip) {
        return new Augmentation(rotationRange, widthShiftRange, heightShiftRange, zoomRange, flip);
    }

    /** Whether this leaves every image unchanged, so a generator can skip resampling. */
    public boolean isIdentity() {
        return rotationRange == 0 && widthShiftRange == 0 && heightShiftRange == 0 && zoomRange == 0 && !horizontalFlip;
    }

    /** Draws one concrete transform. */
    public Transform draw(Random random) {
        double theta = rotationRange == 0 ? 0 : Math.toRadians((random.nextDouble() * 2 - 1) * rotationRange);
        double tx = widthShiftRange == 0 ? 0 : (random.nextDouble() * 2 - 1) * widthShiftRange;
        double ty = heightShiftRange == 0 ? 0 : (random.nextDouble() * 2 - 1) * heightShiftRange;
        double zx = zoomRange == 0 ? 1 : 1 - zoomRange + random.nextDouble() * 2 * zoomRange;
        double zy = zoomRange == 0 ? 1 : 1 - zoomRange + random.nextDouble() * 2 * zoomRange;
        boolean flip = horizontalFlip && random.nextBoolean();
        return new Transform(theta, tx, ty, zx, zy, flip);
    }

    /**
     * One drawn transform, mapping an output pixel back to where it is read in the input (both in
     * fractions of the image size, centred).
     */
    public record Transform(double theta, double shiftX, double shiftY, double zoomX, double zoomY, boolean flip) {
        /** The transform that changes nothing. */
        public static final Transform IDENTITY = new Transform(0, 0, 0, 1, 1, false);
    }
}
