package org.tlworkbook.testing;

import org.tlworkbook.model.internal.ModelInternals;

import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.MobileNetV2;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.model.SyntheticWeights;

import java.io.IOException;
import java.nio.file.Path;

/** A 40-image two-class folder (75/25 split) and a calibrated random 32 px MobileNetV2: training tests that run in seconds. */
public final class TinyTraining {
    public final ImageFolder folder;

    public TinyTraining(Path dir) throws IOException {
        folder = ImageFolder.from(TestImages.folder(dir, 40, 20, "cats", "dogs")).validationSplit(0.25).seed(37);
    }

    /** The calibrated parameters, computed once per JVM: every TinyTraining folder holds the same generated images. */
    private static org.nd4j.linalg.api.ndarray.INDArray calibrated;

    /**
     * A random MobileNetV2 with batch norm calibrated on the training images, so its features carry signal; a fresh
     * model each call (tests train it), from parameters calibrated once.
     */
    public BaseModel base() {
        BaseModel base = MobileNetV2.create(32, 0.35, 5);
        synchronized (TinyTraining.class) {
            if (calibrated == null) {
                SyntheticWeights.calibrate(base, train(base).next().getFeatures());
                calibrated = ModelInternals.graph(base).params().dup();
                return base;
            }
        }
        ModelInternals.graph(base).setParams(calibrated.dup());
        return base;
    }

    public ImageGenerator train(BaseModel base) {
        return folder.training(base).batchSize(8).build();
    }

    public ImageGenerator val(BaseModel base) {
        return folder.validation(base).batchSize(8).build();
    }

    public Classifier model(BaseModel base, Optimizer opt) {
        return Classifier.of(base, Head.binary(), folder.classes()).compile(opt).progress(Progress.silent());
    }

    /** A frozen calibrated base, its generators, and a binary head trained on them. */
    public record Trained(BaseModel base, ImageGenerator train, ImageGenerator val, Classifier model) { }

    /** {@link #base()} frozen, its generators, and {@link #model} trained {@code epochs} epochs at {@code opt}. */
    public Trained trained(Optimizer opt, int epochs) {
        BaseModel base = base().freeze();
        ImageGenerator train = train(base), val = val(base);
        Classifier model = model(base, opt);
        model.fit(train, val, epochs);
        return new Trained(base, train, val, model);
    }
}
