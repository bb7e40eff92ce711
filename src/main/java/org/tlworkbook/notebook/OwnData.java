package org.tlworkbook.notebook;

import org.tlworkbook.data.Dataset;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.Progress;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The three-class folder notebook 6 trains on, the real photos a learner would collect: their own folder
 * ({@code WORKBOOK_OWN_DATA}), else three classes of TensorFlow's flower_photos (daisy, roses, tulips), fetched like
 * cats vs dogs (or from {@code WORKBOOK_MIRROR}). Only where neither network nor mirror has it, as in the tests, it
 * draws shapes, and says so: drawn shapes show the mechanics, not what real photos give.
 */
public final class OwnData {
    /** The flower classes used: three, as in the surfing recipe. */
    public static final String[] FLOWERS = {"daisy", "roses", "tulips"};
    private static final int DRAWN_PER_CLASS = 30, DRAWN_SIZE = 160;

    private OwnData() { }

    /**
     * Uses {@code folder} (one sub-folder per class) as this kernel's own-folder dataset until it restarts: what
     * {@code WORKBOOK_OWN_DATA} does, without a restart (the kernel reads environment variables only when it starts).
     */
    public static void use(Path folder) {
        if (!java.nio.file.Files.isDirectory(folder)) {
            throw new IllegalArgumentException(folder.toAbsolutePath() + " is not a folder: give the folder that holds one sub-folder per class");
        }
        System.setProperty("workbook.own_data", folder.toAbsolutePath().toString());
    }

    /** The own-folder dataset: {@link #use}'s or {@code WORKBOOK_OWN_DATA}'s folder if set, else {@link #flowers}. */
    public static ImageFolder folder(Profile profile) throws IOException {
        String own = System.getProperty("workbook.own_data", System.getenv().getOrDefault("WORKBOOK_OWN_DATA", ""));
        if (!own.isBlank()) return ImageFolder.from(Path.of(own));
        return flowers(profile);
    }

    /**
     * Three classes of real photos ({@code flower_photos}: daisy, roses, tulips, downloaded once or taken from
     * {@code WORKBOOK_MIRROR}), at most the profile's images per class; where they are not to be had, drawn shapes in
     * three classes, and it says so plainly: they show the mechanics, not what photos give.
     */
    public static ImageFolder flowers(Profile profile) throws IOException {
        return flowers(profile, profile.runs().resolve("demo_surfing"));
    }

    /** {@link #flowers(Profile)}, drawing the stand-in shapes into {@code drawn} when there are no photos. */
    public static ImageFolder flowers(Profile profile, Path drawn) throws IOException {
        try {
            Path flowers = Dataset.flowerPhotos().load(Progress.console());
            return ImageFolder.from(flowers).only(FLOWERS).limitPerClass(profile.limitPerClass());
        } catch (IOException e) {
            System.out.println("flower_photos is not to be had here (" + e.getMessage().lines().findFirst().orElse("") + ").");
            System.out.println("Using drawn shapes instead: they only show the mechanics (a head learns them in an epoch).");
            return ImageFolder.from(DemoImages.threeClasses(drawn, DRAWN_PER_CLASS, DRAWN_SIZE));
        }
    }
}
