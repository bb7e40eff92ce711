package org.tlworkbook.data;

import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A folder with one sub-folder per class, as Keras' {@code flow_from_directory} reads it: classes are
 * the sorted sub-folder names, images are files with a known extension. Every file's header is read
 * once, so empty or non-image files are skipped and reported up front instead of failing mid-epoch.
 * An optional {@code validationSplit} carves a stratified, seed-determined validation subset.
 *
 * <pre>{@code
 * ImageFolder data = ImageFolder.from(dir).validationSplit(0.2).seed(37);
 * ImageGenerator train = data.training(base).batchSize(32).build();
 * }</pre>
 */
public final class ImageFolder {
    /** File extensions read as images (lower case), as Keras' {@code flow_from_directory}. */
    public static final Set<String> EXTENSIONS = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(List.of("jpg", "jpeg", "png", "bmp", "gif")));

    private final Path root;
    private final List<String> classes;
    private final List<Sample> images;
    private final List<UnreadableImageException> skipped;
    /** What the scan found that is not an error: images in sub-folders of a class, images in no class folder. */
    private final List<String> notes;
    private final double validationSplit;
    private final long seed;
    private final int limitPerClass;

    private ImageFolder(Path root, List<String> classes, List<Sample> images, List<UnreadableImageException> skipped, List<String> notes,
                        double validationSplit, long seed, int limitPerClass) {
        this.root = root;
        this.classes = classes;
        this.images = images;
        this.skipped = skipped;
        this.notes = notes;
        this.validationSplit = validationSplit;
        this.seed = seed;
        this.limitPerClass = limitPerClass;
    }

    /** An image file and its class index. */
    public record Sample(Path path, int label) { }

    /** Scans {@code dir}; fails with a clear message for a missing folder, no classes or an empty class. */
    public static ImageFolder from(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("Image folder " + dir.toAbsolutePath() + " does not exist or is not a folder.");
        }
        try {
            List<String> classes;
            try (Stream<Path> children = Files.list(dir)) {
                classes = children.filter(Files::isDirectory)
                        .map(p -> p.getFileName().toString())
                        .filter(n -> !n.startsWith("."))
                        .sorted()
                        .toList();
            }
            if (classes.isEmpty()) {
                throw new IllegalArgumentException(dir.toAbsolutePath() + " has no class sub-folders; put each class's images "
                        + "in its own folder, e.g. " + dir.resolve("cats") + " and " + dir.resolve("dogs") + ".");
            }
            List<Sample> images = new ArrayList<>();
            List<UnreadableImageException> skipped = new ArrayList<>();
            List<String> empty = new ArrayList<>(), notes = new ArrayList<>();
            for (int label = 0; label < classes.size(); label++) {
                Path classDir = dir.resolve(classes.get(label));
                List<Path> files;
                // as Keras' image_dataset_from_directory: a class's images may sit in sub-folders of its folder
                try (Stream<Path> s = Files.walk(classDir)) {
                    files = s.filter(p -> !p.equals(classDir) && !hidden(classDir.relativize(p)))
                            .filter(p -> Files.isRegularFile(p) || Files.isSymbolicLink(p)).filter(ImageFolder::hasImageExtension).sorted().toList();
                }
                int good = 0, nested = 0;
                for (Path f : files) {
                    try {
                        if (!Files.exists(f)) throw new UnreadableImageException(f, "a link to " + Files.readSymbolicLink(f) + ", which does not exist");
                        ImageDecoder.probe(f);
                        images.add(new Sample(f, label));
                        good++;
                        if (!f.getParent().equals(classDir)) nested++;
                    } catch (UnreadableImageException e) {
                        skipped.add(e);
                    }
                }
                if (good == 0) empty.add(classes.get(label));
                if (nested > 0) notes.add(classes.get(label) + ": " + nested + (nested == 1 ? " image" : " images") + " in sub-folders of " + classes.get(label) + "/ count as " + classes.get(label) + ", as Keras counts them");
            }
            long loose;
            try (Stream<Path> s = Files.list(dir)) {
                loose = s.filter(Files::isRegularFile).filter(ImageFolder::hasImageExtension).count();
            }
            if (loose > 0) {
                notes.add(loose + " image" + (loose == 1 ? " is" : "s are") + " directly in " + dir.getFileName() + "/, in no class folder, and not used: "
                        + "move " + (loose == 1 ? "it into its" : "them into their") + " class's folder");
            }
            if (!empty.isEmpty()) {
                throw new IllegalArgumentException("Class folder(s) " + empty + " under " + dir.toAbsolutePath()
                        + " contain no readable images (" + String.join(", ", EXTENSIONS) + "). Add images or remove the folder.");
            }
            return new ImageFolder(dir, classes, List.copyOf(images), List.copyOf(skipped), List.copyOf(notes), 0, 0, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) if (part.toString().startsWith(".")) return true;
        return false;
    }

    static boolean hasImageExtension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return !n.startsWith(".") && dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Keras {@code validation_split}: the fraction of each class held out for validation. */
    public ImageFolder validationSplit(double fraction) {
        if (fraction < 0 || fraction >= 1) throw new IllegalArgumentException("validationSplit must be in [0, 1): " + fraction);
        return new ImageFolder(root, classes, images, skipped, notes, fraction, seed, limitPerClass);
    }

    /** Seed for the split (and the default for generators built from this folder). */
    public ImageFolder seed(long seed) {
        return new ImageFolder(root, classes, images, skipped, notes, validationSplit, seed, limitPerClass);
    }

    /** Keeps at most {@code n} images of each class (chosen with the seed); for quick runs. */
    public ImageFolder limitPerClass(int n) {
        return new ImageFolder(root, classes, images, skipped, notes, validationSplit, seed, n);
    }

    /** The same folder with only the named classes (sorted, relabelled from 0): three of flower_photos' five, say. */
    public ImageFolder only(String... names) {
        List<String> keep = java.util.Arrays.stream(names).distinct().sorted().toList();
        for (String n : keep) {
            if (!classes.contains(n)) throw new IllegalArgumentException("No class folder '" + n + "' under " + root + "; there are " + classes + ".");
        }
        List<Sample> kept = new ArrayList<>();
        for (Sample s : images) {
            int label = keep.indexOf(classes.get(s.label()));
            if (label >= 0) kept.add(new Sample(s.path(), label));
        }
        return new ImageFolder(root, keep, List.copyOf(kept), skipped, notes, validationSplit, seed, limitPerClass);
    }

    /** A folder split in two: the part kept for validation and the part held out as a test set. */
    public record HoldOut(ImageFolder kept, ImageFolder heldOut) { }

    /**
     * The TensorFlow tutorial's test set: {@code fraction} of each class's images (after {@link #limitPerClass}),
     * chosen with the seed, held out from the rest. Curves and choices use {@code kept()}; {@code heldOut()} is looked
     * at once, at the end, so its accuracy is one that no decision was tuned on.
     */
    public HoldOut holdOut(double fraction) {
        if (!(fraction > 0 && fraction < 1)) throw new IllegalArgumentException("holdOut takes a fraction between 0 and 1: " + fraction);
        if (validationSplit > 0) throw new IllegalArgumentException("holdOut splits a folder without a validationSplit (a separate validation folder)");
        List<Sample> kept = new ArrayList<>(), held = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            final int l = label;
            List<Sample> ofClass = new ArrayList<>(subset(false).stream().filter(s -> s.label() == l).toList());
            Collections.shuffle(ofClass, new Random(seed * 131 + label));
            int n = (int) Math.round(ofClass.size() * fraction);
            if (n == 0 && ofClass.size() > 1) n = 1;
            held.addAll(ofClass.subList(0, n));
            kept.addAll(ofClass.subList(n, ofClass.size()));
        }
        kept.sort((a, b) -> a.path().compareTo(b.path()));
        held.sort((a, b) -> a.path().compareTo(b.path()));
        return new HoldOut(new ImageFolder(root, classes, List.copyOf(kept), skipped, notes, 0, seed, 0),
                new ImageFolder(root, classes, List.copyOf(held), List.of(), List.of(), 0, seed, 0));
    }

    /** The folder whose sub-folders are the classes. */
    public Path root() {
        return root;
    }

    /** Class names, the sub-folder names in alphabetical order (Keras' class indices). */
    public List<String> classes() {
        return classes;
    }

    /** The seed of the validation split. */
    public long seed() {
        return seed;
    }

    /** Files that were skipped, each with its reason. */
    public List<UnreadableImageException> skipped() {
        return skipped;
    }

    /** All usable images (after {@link #limitPerClass}). */
    public List<Sample> all() {
        List<Sample> out = new ArrayList<>();
        out.addAll(subset(false));
        out.addAll(subset(true));
        out.sort((a, b) -> a.path().compareTo(b.path()));
        return out;
    }

    /**
     * A digest of the images in use ({@link #all()}): classes and, per image, class, file name and size. Equal
     * fingerprints mean the same files (a resumed run checks it); a moved data folder keeps its fingerprint.
     */
    public String fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(String.join("/", classes).getBytes(StandardCharsets.UTF_8));
            List<String> rows = new ArrayList<>();
            for (Sample s : all()) {
                rows.add(s.label() + "/" + s.path().getFileName() + "/" + Files.size(s.path()));
            }
            Collections.sort(rows);
            for (String r : rows) sha.update(("\n" + r).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 12);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read an image's size: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Images of the training subset (all images when there is no split). */
    public List<Sample> trainingSamples() {
        return subset(false);
    }

    /** Images of the validation subset (empty when there is no split). */
    public List<Sample> validationSamples() {
        return subset(true);
    }

    private List<Sample> subset(boolean validation) {
        List<Sample> out = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            final int l = label;
            List<Sample> ofClass = new ArrayList<>(images.stream().filter(s -> s.label() == l).toList());
            Collections.shuffle(ofClass, new Random(seed * 31 + label));
            if (limitPerClass > 0 && ofClass.size() > limitPerClass) ofClass = ofClass.subList(0, limitPerClass);
            int nVal = (int) Math.round(ofClass.size() * validationSplit);
            if (validationSplit > 0 && nVal == 0 && ofClass.size() > 1) nVal = 1;
            out.addAll(validation ? ofClass.subList(0, nVal) : ofClass.subList(nVal, ofClass.size()));
        }
        out.sort((a, b) -> a.path().compareTo(b.path()));
        return out;
    }

    /** A generator over the training subset (shuffled with the folder's seed). */
    public ImageGenerator.Builder training() {
        return ImageGenerator.builder(trainingSamples(), classes).seed(seed).shuffle(true).classMode(defaultClassMode());
    }

    /**
     * A generator over the training subset sized and scaled for {@code input} (a base model); batch size,
     * augmentation and class mode stay settable.
     */
    public ImageGenerator.Builder training(ImageInput input) {
        return training().targetSize(input.size()).preprocessing(input.preprocessing());
    }

    /**
     * A generator over the validation subset, in order and never augmented. Without a {@link #validationSplit}
     * the whole folder is the validation set (a separate {@code validation/} folder, as in cats vs dogs).
     */
    public ImageGenerator.Builder validation() {
        List<Sample> samples = validationSplit == 0 ? trainingSamples() : validationSamples();
        return ImageGenerator.builder(samples, classes).seed(seed).shuffle(false).classMode(defaultClassMode());
    }

    /** {@link #validation()} sized and scaled for {@code input}. */
    public ImageGenerator.Builder validation(ImageInput input) {
        return validation().targetSize(input.size()).preprocessing(input.preprocessing());
    }

    /** One 0/1 label column for two classes (Keras {@code class_mode='binary'}), one-hot otherwise. */
    private ClassMode defaultClassMode() {
        return classes.size() == 2 ? ClassMode.BINARY : ClassMode.CATEGORICAL;
    }

    /** Class × subset counts, the table a learner checks before training. */
    public Table summary() {
        StringColumn name = StringColumn.create("class");
        IntColumn train = IntColumn.create("training");
        IntColumn val = IntColumn.create("validation");
        List<Sample> t = trainingSamples();
        List<Sample> v = validationSamples();
        for (int i = 0; i < classes.size(); i++) {
            final int l = i;
            name.append(classes.get(i));
            train.append((int) t.stream().filter(s -> s.label() == l).count());
            val.append((int) v.stream().filter(s -> s.label() == l).count());
        }
        return Table.create(root.getFileName() + " images", name, train, val);
    }

    /** One line per skipped file, or a line saying none were skipped. */
    public String report() {
        StringBuilder sb = new StringBuilder();
        sb.append(images.size()).append(" images in ").append(classes.size()).append(" classes ").append(classes);
        if (skipped.isEmpty()) {
            sb.append("; no files skipped.");
        } else {
            sb.append("; skipped ").append(skipped.size()).append(" unreadable file(s):");
            for (UnreadableImageException e : skipped) {
                sb.append(System.lineSeparator()).append("  ").append(root.relativize(e.file())).append(": ").append(e.reason());
            }
        }
        for (String note : notes) sb.append(System.lineSeparator()).append("  note: ").append(note).append('.');
        if (validationSplit > 0) {
            List<Sample> v = validationSamples();
            for (int l = 0; l < classes.size(); l++) {
                final int c = l;
                if (v.stream().noneMatch(s -> s.label() == c)) {
                    sb.append(System.lineSeparator()).append("  warning: ").append(classes.get(l)).append(" has too few images for the validation split ")
                            .append("to hold one out, so its validation accuracy is not measured: add images to ").append(classes.get(l)).append('.');
                }
            }
        }
        return sb.toString();
    }
}
