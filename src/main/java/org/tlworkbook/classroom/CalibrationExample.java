package org.tlworkbook.classroom;

import java.util.Random;

/**
 * Exercise 9's data: a binary classifier's top probability on 400 validation images and whether it was right. Made up
 * for the exercise, fixed by a seed, so the learner's notebook and the grader's checker see the same numbers without
 * any model: the model is sure of itself (most probabilities near 1) and right less often than it says.
 */
public final class CalibrationExample {
    /** Images in the example. */
    public static final int SIZE = 400;

    private CalibrationExample() { }

    /** The top probability of each image, each in (0.5, 1]. */
    public static double[] confidences() {
        Random random = new Random(2026);
        double[] c = new double[SIZE];
        for (int i = 0; i < SIZE; i++) c[i] = 1 - 0.4999 * Math.pow(random.nextDouble(), 2.5);
        return c;
    }

    /** Whether the model's predicted class was the true one, image by image. */
    public static boolean[] correct() {
        double[] c = confidences();
        Random random = new Random(9);
        boolean[] right = new boolean[SIZE];
        for (int i = 0; i < SIZE; i++) right[i] = random.nextDouble() < 0.5 + 0.8 * (c[i] - 0.5); // right less often than sure
        return right;
    }
}
