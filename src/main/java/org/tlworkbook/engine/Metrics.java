package org.tlworkbook.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Loss and accuracy as Keras computes them (probabilities clipped to [1e-7, 1 - 1e-7]). */
public final class Metrics {
    private Metrics() { }

    public static final double EPS = 1e-7;

    public static float[] flat(INDArray a) {
        return a.dup('c').reshape(a.length()).toFloatVector();
    }

    /** Sum over rows of the cross-entropy; binary when predictions have one column. */
    public static double lossSum(INDArray predictions, INDArray labels) {
        float[] p = flat(predictions);
        float[] y = flat(labels);
        int cols = (int) predictions.size(1);
        double sum = 0;
        if (cols == 1) {
            for (int i = 0; i < p.length; i++) {
                double q = Math.min(1 - EPS, Math.max(EPS, p[i]));
                sum -= y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q);
            }
        } else {
            for (int i = 0; i < p.length; i++) {
                if (y[i] > 0) sum -= y[i] * Math.log(Math.min(1 - EPS, Math.max(EPS, p[i])));
            }
        }
        return sum;
    }

    /** Predicted class per row (threshold 0.5 for a single sigmoid column). */
    public static int[] predictedClasses(INDArray predictions) {
        int rows = (int) predictions.size(0);
        int cols = (int) predictions.size(1);
        float[] p = flat(predictions);
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            if (cols == 1) {
                out[r] = p[r] > 0.5f ? 1 : 0;
            } else {
                int best = 0;
                for (int c = 1; c < cols; c++) if (p[r * cols + c] > p[r * cols + best]) best = c;
                out[r] = best;
            }
        }
        return out;
    }

    public static int[] trueClasses(INDArray labels) {
        return predictedClasses(labels);
    }

    public static int correct(INDArray predictions, INDArray labels) {
        int[] p = predictedClasses(predictions);
        int[] t = trueClasses(labels);
        int n = 0;
        for (int i = 0; i < p.length; i++) if (p[i] == t[i]) n++;
        return n;
    }
}
