package org.tlworkbook.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The gradient mask of ReLU and ReLU6 passes the gradient exactly where the activation has slope 1. */
class ActivationTest {
    @Test
    void masksKeepTheGradientOnlyInsideTheLinearRange() {
        float below6 = Math.nextDown(6f);
        float[] a = {0f, -0f, Float.MIN_VALUE, 1e-30f, 0.5f, 3f, below6, 6f, 7f, -1f, Float.NaN, Float.POSITIVE_INFINITY};
        for (Activation act : new Activation[]{Activation.RELU, Activation.RELU6}) {
            float[] g = new float[a.length];
            for (int i = 0; i < g.length; i++) g[i] = -1.5f - i;
            float[] masked = g.clone();
            act.mask(masked, a, a.length);
            for (int i = 0; i < a.length; i++) {
                boolean passes = a[i] > 0f && (act == Activation.RELU || a[i] < 6f);
                assertEquals(passes ? g[i] : 0f, masked[i], act + " at " + a[i]);
                if (!passes) assertEquals(0, Float.floatToRawIntBits(masked[i]), "a positive zero at " + a[i]);
            }
        }
    }
}
