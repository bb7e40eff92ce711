package org.tlworkbook.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/**
 * Where downloads and extracted datasets live ({@code WORKBOOK_DATA}, default {@code ./data}) and
 * where an offline mirror may already hold the files ({@code WORKBOOK_MIRROR}).
 */
public final class DataHome {
    private DataHome() { }

    /** The cache folder; created on demand. */
    public static Path cache() {
        String env = System.getenv("WORKBOOK_DATA");
        String prop = System.getProperty("workbook.data");
        Path dir = Paths.get(prop != null ? prop : env != null && !env.isBlank() ? env : "data").toAbsolutePath().normalize();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException((prop != null ? "the data folder" : "WORKBOOK_DATA") + " is set to " + dir
                    + ", which is a file, not a folder: point it at a folder for datasets and runs, or unset it");
        }
        return dir;
    }

    /**
     * A folder of already-downloaded files, looked up by file name before the network. Set but unusable (missing,
     * a file) is an error: a mistyped mirror would otherwise send an offline learner to the network.
     */
    public static Optional<Path> mirror() {
        String prop = System.getProperty("workbook.mirror");
        String env = prop != null ? prop : System.getenv("WORKBOOK_MIRROR");
        if (env == null || env.isBlank()) return Optional.empty();
        Path dir = Paths.get(env).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("WORKBOOK_MIRROR is set to " + dir + ", which " + (Files.exists(dir) ? "is not a folder" : "does not exist")
                    + ": point it at the folder that holds the downloaded files, or unset it.");
        }
        return Optional.of(dir);
    }
}
