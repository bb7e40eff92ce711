package org.tlworkbook.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;
import org.tlworkbook.data.UnreadableImageException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * What the frozen base makes of each image before any head is trained: its pooled features (1,280 numbers per image
 * for MobileNetV2), the two directions in which they vary most (principal component analysis, so they can be drawn as
 * a scatter plot coloured by class) and, for a chosen image, the images whose features are closest. When the classes
 * already fall apart in two of 1,280 dimensions, a head of 1,281 weights is enough: that is transfer learning.
 */
public final class FeatureSpace {
    private static final int BATCH = 32;

    private final List<ImageFolder.Sample> samples;
    private final List<String> classes;
    private final double[][] features;
    private final Pca pca;

    /** Two principal components of centred rows, strongest first, with the variance each explains. */
    public record Pca(double[] mean, double[][] components, double[] variance, double totalVariance) {
        /** Fraction of all variance along each component. */
        public double[] explained() {
            double[] f = new double[variance.length];
            for (int i = 0; i < f.length; i++) f[i] = totalVariance == 0 ? 0 : variance[i] / totalVariance;
            return f;
        }

        /** The coordinates of {@code row} along the components. */
        public double[] project(double[] row) {
            double[] p = new double[components.length];
            for (int k = 0; k < p.length; k++) {
                for (int j = 0; j < row.length; j++) p[k] += (row[j] - mean[j]) * components[k][j];
            }
            return p;
        }
    }

    /** An image near another in feature space. */
    public record Neighbour(ImageFolder.Sample sample, double distance) { }

    private FeatureSpace(List<ImageFolder.Sample> samples, List<String> classes, double[][] features) {
        this.samples = List.copyOf(samples);
        this.classes = List.copyOf(classes);
        this.features = features;
        this.pca = principalComponents(features, 2);
    }

    /** The pooled features of {@code samples} through {@code base} (frozen, as it is now), with a progress bar. */
    public static FeatureSpace of(BaseModel base, List<ImageFolder.Sample> samples, List<String> classes) throws UnreadableImageException {
        if (samples.size() < 3) throw new IllegalArgumentException("a feature space needs at least 3 images; got " + samples.size());
        java.util.function.UnaryOperator<INDArray> pooled = base.pooledFeatures();
        double[][] features = new double[samples.size()][];
        Progress progress = Progress.console();
        progress.start("features of " + samples.size() + " images", samples.size(), "images");
        for (int from = 0; from < samples.size(); from += BATCH) {
            List<Path> paths = new ArrayList<>();
            for (ImageFolder.Sample s : samples.subList(from, Math.min(samples.size(), from + BATCH))) paths.add(s.path());
            INDArray f = pooled.apply(ImageGenerator.load(paths, base));
            for (int i = 0; i < paths.size(); i++) features[from + i] = f.getRow(i).toDoubleVector();
            progress.advance(paths.size());
        }
        progress.done();
        return new FeatureSpace(samples, classes, features);
    }

    /** The images, in order. */
    public List<ImageFolder.Sample> samples() {
        return samples;
    }

    /** Class names, indexed by the samples' labels. */
    public List<String> classes() {
        return classes;
    }

    /** Features per image, {@code [images][channels]}. */
    public double[][] features() {
        return features;
    }

    /** The principal components. */
    public Pca pca() {
        return pca;
    }

    /** Each image's coordinates on the two principal components, {@code [images][2]}. */
    public double[][] projection() {
        double[][] p = new double[features.length][];
        for (int i = 0; i < p.length; i++) p[i] = pca.project(features[i]);
        return p;
    }

    /** The {@code k} images closest to image {@code index} in the full feature space (Euclidean), nearest first, itself left out. */
    public List<Neighbour> nearest(int index, int k) {
        if (index < 0 || index >= features.length) throw new IndexOutOfBoundsException("images are 0 to " + (features.length - 1) + "; got " + index);
        if (k < 1) throw new IllegalArgumentException("k must be 1 or more; got " + k);
        List<Neighbour> all = new ArrayList<>();
        for (int i = 0; i < features.length; i++) {
            if (i == index) continue;
            double d = 0;
            for (int j = 0; j < features[i].length; j++) d += (features[i][j] - features[index][j]) * (features[i][j] - features[index][j]);
            all.add(new Neighbour(samples.get(i), Math.sqrt(d)));
        }
        all.sort(Comparator.comparingDouble(Neighbour::distance));
        return all.subList(0, Math.min(k, all.size()));
    }

    /**
     * The {@code count} strongest principal components of the rows of {@code x}: subspace iteration on the covariance
     * (never formed: each step multiplies by the centred data twice), then the small eigenproblem inside the subspace.
     * Each component's sign is chosen so that its largest entry is positive, as scikit-learn's {@code svd_flip} does for
     * reproducible plots.
     */
    public static Pca principalComponents(double[][] x, int count) {
        int n = x.length, d = x[0].length;
        if (count < 1 || count > Math.min(n, d)) throw new IllegalArgumentException("count must be 1 to " + Math.min(n, d) + "; got " + count);
        double[] mean = new double[d];
        for (double[] row : x) for (int j = 0; j < d; j++) mean[j] += row[j] / n;
        double[][] c = new double[n][d];
        double total = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                c[i][j] = x[i][j] - mean[j];
                total += c[i][j] * c[i][j];
            }
        }
        total /= n - 1;
        int m = Math.min(Math.min(n, d), count + 4); // a few guard vectors speed convergence of the ones wanted
        java.util.Random random = new java.util.Random(1);
        double[][] q = new double[m][d];
        for (double[] v : q) for (int j = 0; j < d; j++) v[j] = random.nextGaussian();
        orthonormalise(q);
        double[] previous = new double[m];
        for (int iteration = 0; iteration < 1000; iteration++) {
            double[][] next = new double[m][];
            for (int k = 0; k < m; k++) next[k] = covarianceTimes(c, q[k]);
            double[] norms = orthonormalise(next);
            q = next;
            double change = 0;
            for (int k = 0; k < count; k++) change = Math.max(change, Math.abs(norms[k] - previous[k]) / Math.max(norms[k], 1e-300));
            previous = norms;
            if (iteration > 10 && change < 1e-14) break;
        }
        // Rayleigh-Ritz: the covariance inside the subspace, diagonalised by Jacobi rotations
        double[][] small = new double[m][m];
        double[][] cq = new double[m][];
        for (int k = 0; k < m; k++) cq[k] = covarianceTimes(c, q[k]);
        for (int a = 0; a < m; a++) for (int b = 0; b < m; b++) small[a][b] = dot(q[a], cq[b]);
        double[][] vectors = jacobi(small);
        Integer[] order = new Integer[m];
        for (int k = 0; k < m; k++) order[k] = k;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(small[b][b], small[a][a]));
        double[][] components = new double[count][d];
        double[] variance = new double[count];
        for (int k = 0; k < count; k++) {
            int e = order[k];
            variance[k] = small[e][e];
            for (int a = 0; a < m; a++) for (int j = 0; j < d; j++) components[k][j] += vectors[a][e] * q[a][j];
            int largest = 0;
            for (int j = 1; j < d; j++) if (Math.abs(components[k][j]) > Math.abs(components[k][largest])) largest = j;
            if (components[k][largest] < 0) for (int j = 0; j < d; j++) components[k][j] = -components[k][j];
        }
        return new Pca(mean, components, variance, total);
    }

    /** (Xᵀ X v) / (n - 1) for centred rows X. */
    private static double[] covarianceTimes(double[][] c, double[] v) {
        double[] out = new double[v.length];
        for (double[] row : c) {
            double s = dot(row, v);
            for (int j = 0; j < v.length; j++) out[j] += s * row[j];
        }
        for (int j = 0; j < v.length; j++) out[j] /= c.length - 1;
        return out;
    }

    /** Gram-Schmidt (twice, for accuracy) in place; returns each vector's norm before it was normalised. */
    private static double[] orthonormalise(double[][] v) {
        double[] norms = new double[v.length];
        for (int k = 0; k < v.length; k++) {
            for (int pass = 0; pass < 2; pass++) {
                for (int p = 0; p < k; p++) {
                    double s = dot(v[k], v[p]);
                    for (int j = 0; j < v[k].length; j++) v[k][j] -= s * v[p][j];
                }
            }
            double norm = Math.sqrt(dot(v[k], v[k]));
            norms[k] = norm;
            for (int j = 0; j < v[k].length; j++) v[k][j] /= norm == 0 ? 1 : norm;
        }
        return norms;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) s += a[j] * b[j];
        return s;
    }

    /** Eigenvectors (columns) of the small symmetric {@code a}, whose diagonal becomes the eigenvalues. */
    private static double[][] jacobi(double[][] a) {
        int m = a.length;
        double[][] v = new double[m][m];
        for (int i = 0; i < m; i++) v[i][i] = 1;
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < m; p++) for (int r = p + 1; r < m; r++) off += a[p][r] * a[p][r];
            if (off < 1e-30) break;
            for (int p = 0; p < m; p++) {
                for (int r = p + 1; r < m; r++) {
                    if (Math.abs(a[p][r]) < 1e-300) continue;
                    double theta = (a[r][r] - a[p][p]) / (2 * a[p][r]);
                    double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    double cos = 1 / Math.sqrt(t * t + 1), sin = t * cos;
                    for (int k = 0; k < m; k++) {
                        double akp = a[k][p], akr = a[k][r];
                        a[k][p] = cos * akp - sin * akr;
                        a[k][r] = sin * akp + cos * akr;
                    }
                    for (int k = 0; k < m; k++) {
                        double apk = a[p][k], ark = a[r][k];
                        a[p][k] = cos * apk - sin * ark;
                        a[r][k] = sin * apk + cos * ark;
                    }
                    for (int k = 0; k < m; k++) {
                        double vkp = v[k][p], vkr = v[k][r];
                        v[k][p] = cos * vkp - sin * vkr;
                        v[k][r] = sin * vkp + cos * vkr;
                    }
                }
            }
        }
        return v;
    }

    @Override
    public String toString() {
        double[] e = pca.explained();
        return String.format(Locale.ROOT, "FeatureSpace(%d images, %d features each; the first two components explain %.1f%% and %.1f%% of the variance)",
                features.length, features[0].length, 100 * e[0], 100 * e[1]);
    }
}
