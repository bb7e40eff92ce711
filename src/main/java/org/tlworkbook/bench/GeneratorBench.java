package org.tlworkbook.bench;

import org.tlworkbook.data.Augmentation;
import org.tlworkbook.data.ClassMode;
import org.tlworkbook.data.Dataset;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Preprocessing;
import org.tlworkbook.data.Progress;

import java.nio.file.Path;
import java.util.Locale;

/** Images per second through decode + resize (+ augmentation) on the real cats-vs-dogs training images. */
public final class GeneratorBench {
    private GeneratorBench() { }

    public static void run(Path data, int size, int batch) throws Exception {
        Path root = data != null ? data : Dataset.catsAndDogsFiltered().load(Progress.console());
        ImageFolder folder = ImageFolder.from(root.resolve("train"));
        for (boolean augment : new boolean[]{false, true}) {
            ImageGenerator gen = folder.training().targetSize(size).batchSize(batch).classMode(ClassMode.BINARY)
                    .preprocessing(Preprocessing.mobileNetV2()).augment(augment ? Augmentation.standard() : Augmentation.none()).build();
            long t0 = System.nanoTime();
            int n = 0;
            while (gen.hasNext()) n += gen.next().numExamples();
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "generator %dpx batch %d augment=%s: %d images in %.1fs = %.1f img/s (peak RSS %d MiB)%n",
                    size, batch, augment, n, s, n / s, Measure.peakRssMiB());
        }
    }
}
