package org.tlworkbook.notebook;

import org.tlworkbook.data.Dataset;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * How big a run is, d2l-style: {@code WORKBOOK_PROFILE=smoke|quick|full}. Notebooks read their image
 * size, epochs and dataset limits from here, so the same notebook is a 1-minute CI check, a 10-minute
 * classroom run, or the tutorial's full recipe.
 */
public record Profile(String name, int imageSize, double alpha, int batchSize, int epochs, int fineEpochs,
                      int limitPerClass, Map<String, Integer> expectedCounts) {

    /** The TF tutorial: 160 px, batch 32, 10 + 10 epochs, all 3000 images. */
    public static Profile full() {
        return new Profile("full", 160, 1.0, 32, 10, 10, 0, Dataset.catsAndDogsFiltered().expectedCounts());
    }

    /**
     * A classroom run: the tutorial's 10 + 10 epochs on 200 images per class at 128 px. It cuts images and pixels,
     * not epochs: with the frozen layers' output cached an epoch costs little, and fewer epochs would stop the head
     * before it learns.
     */
    public static Profile quick() {
        return new Profile("quick", 128, 1.0, 32, 10, 10, 200, Dataset.catsAndDogsFiltered().expectedCounts());
    }

    /** CI: tiny images, the smallest MobileNetV2, a dataset of 10/10/5/5 images made by the tests. */
    public static Profile smoke() {
        return new Profile("smoke", 32, 0.35, 8, 2, 1, 0,
                Map.of("train/cats", 10, "train/dogs", 10, "validation/cats", 5, "validation/dogs", 5));
    }

    /**
     * The profile notebooks and exercises use when nothing names one: {@code quick}, so a learner's notebooks and the
     * exercises graded after them run on the same data. {@code full} (the tutorial's figures) is asked for by name.
     */
    public static final String DEFAULT = "quick";

    /**
     * The profile of this run: {@link #use} in this kernel, else {@code WORKBOOK_PROFILE} ({@code ./workbook lab
     * --profile} sets it), else {@link #DEFAULT}. Also sets up the notebook's display and progress ({@link Jupyter#install}).
     */
    public static Profile current() {
        Jupyter.install();
        return named(chosenName());
    }

    /** The name {@link #use} or {@code WORKBOOK_PROFILE} gives, else {@link #DEFAULT}. */
    private static String chosenName() {
        return System.getProperty("workbook.profile", System.getenv().getOrDefault("WORKBOOK_PROFILE", DEFAULT));
    }

    /**
     * Switches this kernel to the profile {@code name} until it restarts; returns it. Notebooks share nothing but
     * files, so it counts for the notebook it runs in: run it before {@link #current()}, at the top. For every
     * notebook, start JupyterLab with {@code ./workbook lab --profile NAME}.
     */
    public static Profile use(String name) {
        Profile chosen = named(name);
        System.setProperty("workbook.profile", chosen.name);
        return current();
    }

    /**
     * {@link #current()} at the exercises' size. Exercises
     * check ideas, not accuracy, so on the quick profile they keep 100 images per class and 3 + 2 epochs: a class is
     * graded in minutes.
     */
    public static Profile exercises() {
        Jupyter.install();
        Profile profile = forExercises(named(chosenName()));
        String counts = System.getProperty("workbook.exercise.counts");
        if (counts == null || counts.isBlank()) return profile;
        Map<String, Integer> expected = new java.util.TreeMap<>();
        for (String pair : counts.split(",")) {
            String[] kv = pair.split("=", 2);
            expected.put(kv[0], Integer.parseInt(kv[1]));
        }
        return new Profile(profile.name, profile.imageSize, profile.alpha, profile.batchSize, profile.epochs, profile.fineEpochs,
                profile.limitPerClass, Map.copyOf(expected));
    }

    /**
     * The exercises' version of {@code profile}: on the quick profile, 100 images per class and 3 + 2 epochs. The
     * grader's sandbox also names the image counts of the exercises' part of the dataset it mounts
     * ({@code workbook.exercise.counts}), so the notebook accepts that part as the dataset.
     */
    public static Profile forExercises(Profile profile) {
        return profile.name.equals("quick") ? new Profile("quick", profile.imageSize, profile.alpha, profile.batchSize, 3, 2, 100,
                profile.expectedCounts) : profile;
    }

    /** The profile with this name ({@code smoke}, {@code quick}, {@code full}). */
    public static Profile named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "smoke" -> smoke();
            case "quick" -> quick();
            case "full" -> full();
            default -> throw new IllegalArgumentException("WORKBOOK_PROFILE must be smoke, quick or full; got " + name);
        };
    }

    /** The name of the smoke profile's made-up dataset, which only the tests create (in their mirror folder). */
    public static final String SMOKE_DATASET = "cats_and_dogs_smoke";

    /**
     * cats_and_dogs_filtered, expecting this profile's image counts. The smoke profile's tiny copy has a name of its
     * own, so it never mixes with the real dataset in a cache or a mirror; where nobody made it, the smoke profile
     * says which profile to use instead.
     */
    public Dataset catsAndDogs() {
        Dataset real = Dataset.catsAndDogsFiltered();
        if (!name.equals("smoke")) return new Dataset(real.name(), real.archive(), expectedCounts);
        String zip = SMOKE_DATASET + ".zip";
        boolean made = java.nio.file.Files.isDirectory(org.tlworkbook.data.DataHome.cache().resolve(SMOKE_DATASET))
                || org.tlworkbook.data.DataHome.mirror().map(m -> java.nio.file.Files.isRegularFile(m.resolve(zip))).orElse(false);
        if (!made) {
            throw new IllegalStateException("WORKBOOK_PROFILE=smoke runs on a tiny made-up copy of the dataset (" + zip + ") that only the "
                    + "tests create. To run the notebooks, use WORKBOOK_PROFILE=quick or full; offline, set WORKBOOK_MIRROR to the folder "
                    + "holding the real cats_and_dogs_filtered.zip.");
        }
        return new Dataset(SMOKE_DATASET, org.tlworkbook.data.RemoteFile.of(zip, real.archive().url().toString(), -1), expectedCounts);
    }

    /** VGG16's image size: the seed recipe's 150 px, except in the smoke profile's tiny run. */
    public int vggImageSize() {
        return name.equals("smoke") ? imageSize : 150;
    }

    /** Epochs of the VGG16 recipe, whose augmentation runs the base on every batch: the recipe's 10, 3 on the quick profile. */
    public int vggEpochs() {
        return name.equals("quick") ? 3 : epochs;
    }

    /** Images per class of the drawn three-class folder ({@link DemoImages}) that stands in for your own photos. */
    public int demoImagesPerClass() {
        return name.equals("smoke") ? 20 : 40;
    }

    /** Whether this profile's bases carry real ImageNet features (the smoke profile's weights are made up by the tests). */
    public boolean pretrained() {
        return !name.equals("smoke");
    }

    /** Where notebooks keep files for later notebooks (models, histories): {@code <data>/runs/<profile>}. */
    public Path runs() {
        return org.tlworkbook.data.DataHome.cache().resolve("runs").resolve(name);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "profile %s: %dpx, alpha %.2f, batch %d, %d+%d epochs%s", name, imageSize, alpha,
                batchSize, epochs, fineEpochs, limitPerClass > 0 ? ", " + limitPerClass + " images per class" : "");
    }
}
