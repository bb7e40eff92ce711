package org.tlworkbook.testing;

import org.tlworkbook.data.ClassMode;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.MobileNetV2;
import org.tlworkbook.model.SyntheticWeights;
import org.tlworkbook.model.Vgg16;
import org.tlworkbook.model.WeightFiles;
import org.tlworkbook.notebook.Profile;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Everything the notebooks download, made locally for the smoke profile: a 10/10/5/5 image
 * cats_and_dogs_filtered.zip (also as the smoke profile's cats_and_dogs_smoke.zip) and Keras-layout weight files under their
 * official names, in a mirror folder. Made once per JVM and copied into each test's folder.
 */
public final class SmokeFixtures {
    private SmokeFixtures() { }

    /** {@link #mirror} made in {@code dir}; its 32 px MobileNetV2 (alpha 0.35) weight file. */
    public static Path mobileNetV2Weights(Path dir) throws Exception {
        return mirror(dir).resolve(WeightFiles.mobileNetV2(0.35, 32).name());
    }

    /** The mirror's files, made once per JVM (a calibrated MobileNetV2 and a 59 MB VGG16 file take seconds to write). */
    private static Path made;

    /**
     * A mirror folder {@code dir/mirror} holding the files: copies of the ones made once per JVM, so a test may delete
     * or damage its own without touching another's.
     */
    public static Path mirror(Path dir) throws Exception {
        Path source = made();
        Path mirror = Files.createDirectories(dir.resolve("mirror"));
        try (var files = Files.list(source)) {
            for (Path f : files.toList()) Files.copy(f, mirror.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return mirror;
    }

    private static synchronized Path made() throws Exception {
        if (made != null) return made;
        Path dir = Files.createTempDirectory("smoke-fixtures-");
        Path mirror = Files.createDirectories(dir.resolve("mirror"));
        Path tree = dir.resolve("tree");
        TestImages.folder(tree.resolve("train"), 48, 10, "cats", "dogs");
        TestImages.folder(tree.resolve("validation"), 48, 5, "cats", "dogs");
        Files.write(mirror.resolve("cats_and_dogs_filtered.zip"), TestImages.zip(tree, "cats_and_dogs_filtered")); // for --dataset cats_and_dogs_filtered
        Files.write(mirror.resolve(Profile.SMOKE_DATASET + ".zip"), TestImages.zip(tree, Profile.SMOKE_DATASET)); // the smoke profile's own name

        BaseModel mobile = MobileNetV2.create(32, 0.35, 11);
        ImageFolder images = ImageFolder.from(tree.resolve("train"));
        var batch = images.training().targetSize(32).batchSize(20).classMode(ClassMode.BINARY)
                .preprocessing(mobile.preprocessing()).build().next().getFeatures();
        SyntheticWeights.calibrate(mobile, batch);
        KerasH5.write(mirror.resolve(WeightFiles.mobileNetV2(0.35, 32).name()), mobile, n -> false);
        KerasH5.write(mirror.resolve(WeightFiles.vgg16().name()), Vgg16.create(32, 11), n -> false);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException ignored) {
                // a temporary folder the OS cleans up anyway
            }
        }));
        made = mirror;
        return made;
    }
}
