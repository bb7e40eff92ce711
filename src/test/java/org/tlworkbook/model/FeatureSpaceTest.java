package org.tlworkbook.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.testing.TinyTraining;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** PCA against LAPACK's symmetric eigensolver (through ND4J) and the features against the DL4J graph's own output. */
class FeatureSpaceTest {
    @TempDir
    Path tmp;

    @Test
    void principalComponentsAreTheCovariancesLeadingEigenvectors() {
        Random random = new Random(3);
        int n = 300, d = 12;
        double[][] mixing = new double[d][d];
        for (double[] row : mixing) for (int j = 0; j < d; j++) row[j] = random.nextGaussian();
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            double[] z = new double[d];
            for (int j = 0; j < d; j++) z[j] = random.nextGaussian() * (j + 1);
            for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) x[i][a] += mixing[a][b] * z[b];
            for (int a = 0; a < d; a++) x[i][a] += 5; // an offset the centring must remove
        }
        FeatureSpace.Pca pca = FeatureSpace.principalComponents(x, 2);

        INDArray data = Nd4j.createFromArray(x).castTo(DataType.DOUBLE);
        INDArray centred = data.subRowVector(data.mean(0));
        INDArray cov = centred.transpose().mmul(centred).divi(n - 1);
        INDArray values = org.nd4j.linalg.eigen.Eigen.symmetricGeneralizedEigenvalues(cov, true); // ascending; cov now holds the vectors
        for (int k = 0; k < 2; k++) {
            double[] reference = cov.getColumn(d - 1 - k).toDoubleVector();
            double cosine = 0;
            for (int j = 0; j < d; j++) cosine += reference[j] * pca.components()[k][j];
            assertEquals(1.0, Math.abs(cosine), 1e-9, "component " + k + " is LAPACK's eigenvector up to sign");
            assertEquals(values.getDouble(d - 1 - k), pca.variance()[k], 1e-9 * values.getDouble(d - 1), "its eigenvalue");
        }
        assertEquals(values.sumNumber().doubleValue(), pca.totalVariance(), 1e-9 * values.sumNumber().doubleValue());
        double[] origin = pca.project(data.mean(0).toDoubleVector());
        assertEquals(0, origin[0], 1e-9);
        for (int k = 0; k < 2; k++) {
            int largest = 0;
            for (int j = 1; j < d; j++) if (Math.abs(pca.components()[k][j]) > Math.abs(pca.components()[k][largest])) largest = j;
            assertTrue(pca.components()[k][largest] > 0, "signs are fixed: the largest entry is positive");
        }

        double[][] line = new double[50][];
        for (int i = 0; i < 50; i++) line[i] = new double[]{i, 2 * i + (i % 2 == 0 ? 0.01 : -0.01)};
        FeatureSpace.Pca onLine = FeatureSpace.principalComponents(line, 1);
        assertEquals(1 / Math.sqrt(5), onLine.components()[0][0], 1e-4);
        assertEquals(2 / Math.sqrt(5), onLine.components()[0][1], 1e-4);
        assertTrue(onLine.explained()[0] > 0.9999);
        assertThrows(IllegalArgumentException.class, () -> FeatureSpace.principalComponents(line, 3));
    }

    @Test
    void featuresAreTheBasesPooledOutputAndNeighboursAreNearestFirst() throws Exception {
        TinyTraining tiny = new TinyTraining(tmp.resolve("images"));
        BaseModel base = tiny.base().freeze();
        List<ImageFolder.Sample> samples = tiny.folder.trainingSamples();
        FeatureSpace space = FeatureSpace.of(base, samples, tiny.folder.classes());
        assertEquals(samples.size(), space.features().length);
        assertEquals(1280, space.features()[0].length, "MobileNetV2's last convolution has 1,280 channels at every alpha up to 1");

        INDArray images = ImageGenerator.load(samples.subList(0, 4).stream().map(ImageFolder.Sample::path).toList(), base);
        INDArray reference = base.graph().outputSingle(false, images).mean(2, 3);
        // the fast pass folds batch norm into the convolutions: 17 blocks of float rounding in another order, so relative
        // to the largest feature, as FastForwardTest compares the two
        double tolerance = 5e-4 * reference.amaxNumber().doubleValue();
        for (int i = 0; i < 4; i++) {
            double[] ours = space.features()[i], theirs = reference.getRow(i).toDoubleVector();
            for (int j = 0; j < ours.length; j++) assertEquals(theirs[j], ours[j], tolerance, "image " + i + ", feature " + j);
        }

        List<FeatureSpace.Neighbour> near = space.nearest(0, 5);
        assertEquals(5, near.size());
        assertTrue(near.stream().noneMatch(nb -> nb.sample().equals(samples.get(0))), "an image is not its own neighbour");
        for (int i = 1; i < near.size(); i++) assertTrue(near.get(i - 1).distance() <= near.get(i).distance());
        int other = samples.indexOf(near.get(0).sample());
        double direct = 0;
        for (int j = 0; j < 1280; j++) direct += Math.pow(space.features()[0][j] - space.features()[other][j], 2);
        assertEquals(Math.sqrt(direct), near.get(0).distance(), 1e-9);
        assertEquals(samples.size(), space.projection().length);
        assertTrue(space.toString().contains("1280 features each"), space.toString());
        assertThrows(IndexOutOfBoundsException.class, () -> space.nearest(samples.size(), 1));

        var chart = org.tlworkbook.plot.FeatureSpacePlotAccess.chart(space);
        assertEquals(2, chart.getSeriesMap().size(), "one series per class");
        int points = chart.getSeriesMap().values().stream().mapToInt(s -> s.getXData().length).sum();
        assertEquals(samples.size(), points);
    }
}
