package org.tlworkbook.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A downloadable image dataset: the archive, the folder it unpacks to, and how many images each
 * {@code split/class} folder must hold. {@link #load} downloads (or reuses) and verifies it, like
 * {@code get_file(..., extract=True)} in Keras.
 */
public final class Dataset {
    /** Where the TensorFlow tutorial downloads cats vs dogs from. */
    public static final String CATS_AND_DOGS_URL =
            "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip";

    private final String name;
    private final RemoteFile archive;
    private final Map<String, Integer> expectedCounts;

    /** A dataset downloaded as {@code archive}, whose unpacked folders must hold {@code expectedCounts} images (path to count). */
    public Dataset(String name, RemoteFile archive, Map<String, Integer> expectedCounts) {
        this.name = name;
        this.archive = archive;
        this.expectedCounts = new LinkedHashMap<>(expectedCounts);
    }

    /** Google's filtered Kaggle Dogs vs Cats subset used by the TensorFlow transfer-learning tutorial. */
    public static Dataset catsAndDogsFiltered() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("train/cats", 1000);
        counts.put("train/dogs", 1000);
        counts.put("validation/cats", 500);
        counts.put("validation/dogs", 500);
        return new Dataset("cats_and_dogs_filtered",
                RemoteFile.of("cats_and_dogs_filtered.zip", CATS_AND_DOGS_URL, 68_606_236L), counts);
    }

    /** Where TensorFlow's tutorials download {@code flower_photos} from. */
    public static final String FLOWERS_URL = "https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz";

    /**
     * TensorFlow's flower_photos (3,670 photos, one folder per class: daisy, dandelion, roses, sunflowers, tulips),
     * the real-photo stand-in for a dataset of your own. Its size is not pinned: the tree is counted after extraction.
     */
    public static Dataset flowerPhotos() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("daisy", 633);
        counts.put("dandelion", 898);
        counts.put("roses", 641);
        counts.put("sunflowers", 699);
        counts.put("tulips", 799);
        return new Dataset("flower_photos", RemoteFile.of("flower_photos.tgz", FLOWERS_URL, -1), counts);
    }

    /** Known datasets by name, for the CLI. */
    public static Dataset named(String name) {
        if (name.equals("cats_and_dogs_filtered")) return catsAndDogsFiltered();
        if (name.equals("flower_photos")) return flowerPhotos();
        throw new IllegalArgumentException("Unknown dataset '" + name + "'. Known: cats_and_dogs_filtered, flower_photos");
    }

    /** The folder name it unpacks to under the data home. */
    public String name() {
        return name;
    }

    /** The archive to download, with its size and checksum. */
    public RemoteFile archive() {
        return archive;
    }

    /** Images expected per folder after unpacking, checked before the dataset is used. */
    public Map<String, Integer> expectedCounts() {
        return expectedCounts;
    }

    /** Downloads into the standard cache and returns the dataset's root folder. */
    public Path load(Progress progress) throws IOException {
        return load(Downloader.standard(progress), progress);
    }

    /**
     * Returns the verified root folder ({@code <cache>/<name>}), extracting the archive when needed. One process
     * at a time prepares the cache (others wait, told for whom); leftovers of killed runs are removed first.
     */
    public Path load(Downloader downloader, Progress progress) throws IOException {
        try (FolderLock lock = FolderLock.await(downloader.cacheDir(), "preparing " + name)) {
            lock.removeLeftovers();
            return extract(downloader, progress);
        }
    }

    private Path extract(Downloader downloader, Progress progress) throws IOException {
        Path root = downloader.cacheDir().resolve(name);
        if (Files.isDirectory(root)) {
            String problem = verify(root);
            if (problem == null) return root;
            Path aside = root.resolveSibling(name + ".rejected-" + System.currentTimeMillis());
            Files.move(root, aside);
            Progress.tell("Extracted " + root + " is incomplete (" + problem + "); moved to " + aside + " (removed on the next run).");
        }
        Path zip = downloader.fetch(archive);
        Path staging = downloader.cacheDir().resolve("." + name + ".unzipped");
        SafeUnzip.deleteTree(staging);
        SafeUnzip.defaults().extract(zip, staging, progress);
        Path inner = staging.resolve(name);
        Path content = Files.isDirectory(inner) ? inner : staging;
        String problem = verify(content);
        if (problem != null) {
            SafeUnzip.deleteTree(staging);
            throw new DownloadException(zip + " does not hold the expected " + name + " tree: " + problem
                    + ". Delete " + zip + " and download again.");
        }
        Files.move(content, root, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        SafeUnzip.deleteTree(staging);
        return root;
    }

    /** Null when every expected folder has exactly its count of files, else the differences. */
    public String verify(Path root) throws IOException {
        Map<String, Long> actual = countFiles(root);
        StringBuilder problems = new StringBuilder();
        for (Map.Entry<String, Integer> e : expectedCounts.entrySet()) {
            long found = actual.getOrDefault(e.getKey(), 0L);
            if (found != e.getValue()) {
                if (problems.length() > 0) problems.append("; ");
                problems.append(e.getKey()).append(" has ").append(found).append(" files, expected ").append(e.getValue());
            }
        }
        return problems.length() == 0 ? null : problems.toString();
    }

    /** Files per class folder: {@code split/class} two levels below root, or {@code class} one level below (flower_photos). */
    public static Map<String, Long> countFiles(Path root) throws IOException {
        Map<String, Long> counts = new TreeMap<>();
        if (!Files.isDirectory(root)) return counts;
        try (Stream<Path> files = Files.walk(root, 3)) {
            files.filter(Files::isRegularFile)
                    .filter(p -> root.relativize(p).getNameCount() >= 2)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .forEach(p -> counts.merge(root.relativize(p.getParent()).toString().replace('\\', '/'), 1L, Long::sum));
        }
        return counts;
    }
}
