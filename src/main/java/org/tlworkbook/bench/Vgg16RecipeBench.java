package org.tlworkbook.bench;

import org.tlworkbook.data.Augmentation;
import org.tlworkbook.data.ClassMode;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.History;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.model.Vgg16;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The seed-3 recipe as notebook 07 runs it, timed: frozen VGG16 at 150 px, Flatten, Dense(256, relu),
 * Dropout(0.5), Dense(2, softmax), Adam 1e-3, categorical labels, batch 32, the standard augmentation (rotation
 * 15, shifts 0.1, zoom 0.1, horizontal flip), so every batch runs the whole base. bench/vgg16_side_by_side.py
 * runs it beside Keras with the same weights. Prints metrics as JSON.
 * {@code ./workbook bench vgg16 --data DIR --weights FILE [--size 150] [--batch 32] [--epochs 3] [--out FILE]}.
 */
public final class Vgg16RecipeBench {
    private Vgg16RecipeBench() { }

    public static void run(Path data, Path weights, int size, int batch, int epochs, Path out) throws Exception {
        if (data == null || weights == null) throw new IllegalArgumentException("bench vgg16 needs --data DIR (train/ and validation/) and --weights FILE");
        BaseModel vgg = Vgg16.fromWeights(size, weights).freeze();
        ImageFolder trainFolder = ImageFolder.from(data.resolve("train")).seed(37);
        ImageFolder valFolder = ImageFolder.from(data.resolve("validation")).seed(37);
        Classifier model = Classifier.of(vgg, Head.flattenDense(256, 0.5), trainFolder.classes()).compile(Optimizer.adam(1e-3));
        ImageGenerator train = trainFolder.training(vgg).batchSize(batch).classMode(ClassMode.CATEGORICAL)
                .augment(Augmentation.standard()).build();
        ImageGenerator validation = valFolder.validation(vgg).batchSize(batch).classMode(ClassMode.CATEGORICAL).build();
        long t0 = System.nanoTime();
        History h = model.fit(train, validation, epochs);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String json = String.format(Locale.ROOT, """
                {
                  "recipe": "vgg16 %d px, flatten-dense(256)-dropout(0.5)-softmax, adam 1e-3, augmentation, batch %d",
                  "epochs": %d, "train_images": %d, "validation_images": %d,
                  "seconds": %.1f,
                  "val_accuracy": %.4f,
                  "peak_rss_mib": %d
                }
                """, size, batch, epochs, train.samples(), validation.samples(), seconds,
                h.epochs().get(h.size() - 1).valAccuracy(), Measure.peakRssMiB());
        System.out.print(json);
        if (out != null) Files.writeString(out, json);
    }
}
