package org.tlworkbook.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Output paths checked before any work: a place the user cannot write to is a request refused (exit 2) with a
 * sentence naming the path, and the check itself leaves nothing behind (no folder is created).
 */
final class Outputs {
    private Outputs() { }

    /** {@code --option dir}: a folder that exists and is writable, or can be created in one. */
    static void folder(String option, Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--" + option + " " + dir + " is a file, not a folder: give a folder");
        }
        check(option, dir, "a folder");
    }

    /** {@code --option file}: a file name (not a folder) in a folder that is, or can be, written to. */
    static void file(String option, Path file, String example) {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("--" + option + " " + file + " is a folder: give a file name, such as " + file.resolve(example));
        }
        check(option, file.toAbsolutePath().getParent(), "a file");
    }

    private static void check(String option, Path dir, String what) {
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) throw new IllegalArgumentException("--" + option + " " + dir + ": no part of that path exists");
        if (!Files.isDirectory(existing)) {
            throw new IllegalArgumentException("--" + option + ": " + existing + " is a file, not a folder, so " + dir + " cannot be made: give another path");
        }
        try {
            Files.deleteIfExists(Files.createTempFile(existing, ".write-check", ".tmp"));
        } catch (IOException | SecurityException e) {
            String why = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
            throw new IllegalArgumentException("--" + option + ": cannot write " + what + " in " + existing + " (" + why
                    + "): choose a place you can write to");
        }
    }
}
