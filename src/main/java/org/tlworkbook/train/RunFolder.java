package org.tlworkbook.train;

import org.tlworkbook.data.FolderLock;
import org.tlworkbook.model.Callback;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.History;
import org.tlworkbook.model.Phase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * The output folder of one training run, owned by one process at a time. After every epoch it holds one
 * {@code checkpoint.zip}: weights, optimizer state, history and the {@link RunManifest}, written atomically, so
 * an epoch is complete exactly when its checkpoint is in place. {@link #resume} continues that run only when the
 * manifest matches; another run's folder is an error that says what differs, and {@code restart} moves it aside
 * (nothing is deleted).
 */
public final class RunFolder implements AutoCloseable {
    /** The checkpoint's file name in a run folder. */
    public static final String CHECKPOINT = "checkpoint.zip";
    static final String MANIFEST_ENTRY = "run.properties";

    private final Path dir;
    private final RunManifest manifest;
    private final FolderLock lock;
    private final boolean created;

    private RunFolder(Path dir, RunManifest manifest, FolderLock lock, boolean created) {
        this.dir = dir;
        this.manifest = manifest;
        this.lock = lock;
        this.created = created;
    }

    /**
     * Claims {@code dir} (failing at once when it cannot be written or another process trains into it), removes
     * temp files of killed runs and, with {@code restart}, moves an earlier run's files to a sibling folder.
     */
    public static RunFolder open(Path dir, RunManifest manifest, boolean restart) throws IOException {
        boolean created = !Files.exists(dir);
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(Files.createTempFile(dir, ".write-check", ".tmp"));
        } catch (IOException e) {
            throw new IOException("Cannot write to --out " + dir + " (" + e + "): choose a folder you can write to.", e);
        }
        FolderLock lock = FolderLock.claim(dir, "training into " + dir, "Wait for that run to finish, or give another --out.");
        try {
            lock.removeLeftovers();
            if (restart) moveAside(dir);
            return new RunFolder(dir, manifest, lock, created);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static void moveAside(Path dir) throws IOException {
        List<Path> old;
        try (var children = Files.list(dir)) {
            old = children.filter(p -> !p.getFileName().toString().equals(".lock")).toList();
        }
        if (old.isEmpty()) return;
        Path aside = dir.resolveSibling(dir.getFileName() + ".before-restart-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(aside);
        for (Path p : old) Files.move(p, aside.resolve(p.getFileName()));
        org.tlworkbook.data.Progress.tell("--restart: moved the earlier run in " + dir + " to " + aside + ".");
    }

    /** The run's folder. */
    public Path dir() {
        return dir;
    }

    /**
     * The checkpointed model of this same run, or null when the folder holds no checkpoint. Throws
     * {@link IllegalArgumentException} when the checkpoint belongs to another run or cannot continue to the
     * asked epochs, saying what differs.
     */
    public Classifier resume() throws IOException {
        Path file = dir.resolve(CHECKPOINT);
        if (!Files.isRegularFile(file)) return null;
        String text = Classifier.savedEntry(file, MANIFEST_ENTRY);
        String fix = " Use --restart to move that run aside and start over (nothing is deleted), or give another --out.";
        if (text == null) {
            throw new IllegalArgumentException(file + " has no run manifest (it was saved by a notebook or an older version), so it cannot be "
                    + "proven to continue this run." + fix);
        }
        RunManifest before = RunManifest.parse(text);
        List<String> differences = manifest.differences(before);
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException(dir + " holds a different training run: " + String.join("; ", differences) + "." + fix);
        }
        Classifier model = Classifier.load(file);
        History h = model.history();
        int frozen = h.phase(Phase.FROZEN).size(), fine = h.phase(Phase.FINE_TUNE).size();
        if (frozen > manifest.frozenEpochs() || fine > manifest.fineEpochs()) {
            throw new IllegalArgumentException(dir + " already has " + frozen + " frozen and " + fine + " fine-tuning epochs, more than the "
                    + manifest.frozenEpochs() + " and " + manifest.fineEpochs() + " asked for: ask for at least as many." + fix);
        }
        if (model.phase() == Phase.FINE_TUNE && frozen != manifest.frozenEpochs()) {
            throw new IllegalArgumentException(dir + " started fine-tuning after " + frozen + " frozen epochs; --epochs " + manifest.frozenEpochs()
                    + " would need frozen epochs after fine-tuning. Keep --epochs " + frozen + " to add fine-tuning epochs." + fix);
        }
        org.tlworkbook.data.Progress.tell("Resuming " + dir + " after epoch " + h.lastEpoch() + " (" + frozen + " frozen, " + fine + " fine-tuning).");
        return model;
    }

    /** Writes the epoch's checkpoint (with this run's manifest), then {@code history.csv} for reading. */
    public Callback checkpoint() {
        return Callback.checkpoint(dir, Map.of(MANIFEST_ENTRY, manifest.toText()));
    }

    /**
     * Releases the folder. A run that wrote nothing (refused or failed before its first epoch) leaves nothing: its
     * {@code .lock}, and the folder when this run created it, are removed.
     */
    @Override
    public void close() throws IOException {
        boolean empty;
        try (var children = Files.list(dir)) {
            empty = children.allMatch(p -> p.getFileName().toString().equals(".lock"));
        } catch (IOException e) {
            empty = false;
        }
        try {
            if (empty) {
                Files.deleteIfExists(dir.resolve(".lock"));
                if (created) Files.deleteIfExists(dir);
            }
        } catch (IOException ignored) {
            // another process claimed the folder meanwhile: its files stay
        } finally {
            lock.close();
        }
    }
}
