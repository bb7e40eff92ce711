package org.tlworkbook.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the command-line tests train with: the smoke mirror's 32 px MobileNetV2 weights (alpha 0.35) and a two-class
 * folder of generated images, and {@code train}'s arguments for that small base, so a test names only what it varies.
 */
public record CliTraining(Path weights, Path images) {
    /** The weights in {@code dir/fixtures}, {@code perClass} 40 px cats and dogs in {@code dir/images}. */
    public static CliTraining in(Path dir, int perClass) throws Exception {
        return new CliTraining(SmokeFixtures.mobileNetV2Weights(dir.resolve("fixtures")),
                TestImages.folder(dir.resolve("images"), 40, perClass, "cats", "dogs"));
    }

    /** {@code train --data DATA --weights W --size 32 --alpha 0.35 --out OUT}, then {@code more}. */
    public String[] train(Path data, Path out, String... more) {
        List<String> argv = new ArrayList<>(List.of("train", "--data", data.toString(), "--weights", weights.toString(),
                "--size", "32", "--alpha", "0.35", "--out", out.toString()));
        argv.addAll(Arrays.asList(more));
        return argv.toArray(String[]::new);
    }

    /** {@link #train(Path, Path, String...)} on this fixture's images. */
    public String[] train(Path out, String... more) {
        return train(images, out, more);
    }
}
