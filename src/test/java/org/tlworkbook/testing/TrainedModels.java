package org.tlworkbook.testing;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.ClassMode;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.model.SyntheticWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Trained classifiers of every base and head the workbook exports, built once per JVM (the tests read them and never
 * change them): a calibrated random base and a head trained one epoch on generated class images.
 */
public final class TrainedModels {
    /** A model, 16 of its training images (preprocessed, NCHW) and its folder. */
    public record Trained(Classifier model, INDArray images, ImageFolder folder) { }

    private static final Map<String, Trained> TRAINED = new HashMap<>();
    private static Path root;

    private TrainedModels() { }

    /** {@code head}: binary, pooled_dense, keras (a Keras-style head with Dropout and sigmoids) or flatten_dense. */
    public static synchronized Trained get(String base, int size, double alpha, String head, int classes) throws IOException {
        String key = key(base, size, alpha, head, classes);
        Trained t = TRAINED.get(key);
        if (t == null) TRAINED.put(key, t = train(base, size, alpha, head, classes));
        return t;
    }

    private static String key(String base, int size, double alpha, String head, int classes) {
        return base + size + alpha + head + classes;
    }

    private static Trained train(String base, int size, double alpha, String head, int classes) throws IOException {
        if (root == null) {
            root = Files.createTempDirectory("trained-models-");
            root.toFile().deleteOnExit();
        }
        String[] names = {"cats", "dogs", "foxes"};
        Path dir = root.resolve(base + size + alpha + head + classes);
        ImageFolder folder = ImageFolder.from(TestImages.folder(dir, 40, 12, java.util.Arrays.copyOf(names, classes)))
                .validationSplit(0.25).seed(3);
        BaseModel b = org.tlworkbook.model.Architecture.named(base).create(size, alpha, 7);
        SyntheticWeights.calibrate(b, folder.training(b).batchSize(16).build().next().getFeatures());
        Head h = switch (head) {
            case "binary" -> Head.binary();
            case "pooled_dense" -> Head.pooledDense(8);
            // the head an imported Keras model keeps: seed 000's sigmoid over three classes, with a Dropout
            case "keras" -> Head.keras("gap:pool;dropout:drop:0.2;dense:hidden:8:relu;dense:out:" + classes + ":sigmoid");
            default -> Head.flattenDense(16, 0.5);
        };
        Classifier model = Classifier.of(b.freeze(), h, folder.classes()).compile(Optimizer.rmsprop(1e-3)).progress(Progress.silent());
        ClassMode mode = h.isBinary() ? ClassMode.BINARY : ClassMode.CATEGORICAL;
        model.fit(folder.training(b).batchSize(8).classMode(mode).build(), folder.validation(b).batchSize(8).classMode(mode).build(), 1);
        INDArray images = folder.training(b).batchSize(16).shuffle(false).build().next().getFeatures();
        assertEquals(16, images.size(0));
        INDArray p = model.predict(images);
        double spread = p.max(0).sub(p.min(0)).maxNumber().doubleValue();
        org.junit.jupiter.api.Assertions.assertTrue(spread > 1e-3, key(base, size, alpha, head, classes)
                + ": the fixture predicts the same for every image (spread " + spread + "), so comparisons against it would prove nothing");
        return new Trained(model, images, folder);
    }
}
