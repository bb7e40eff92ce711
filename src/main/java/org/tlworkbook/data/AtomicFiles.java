package org.tlworkbook.data;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes files so that readers see the old version or the complete new one, never a half-written file. */
public final class AtomicFiles {
    private AtomicFiles() { }

    /** Something that fills a file. */
    public interface Writer {
        /** Writes the whole content into {@code file}, a temporary file that becomes the target only if this returns. */
        void write(Path file) throws IOException;
    }

    /** Lets {@code writer} fill a temporary file beside {@code target}, then renames it over {@code target}. */
    public static Path write(Path target, Writer writer) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = temp(parent, target.getFileName().toString());
        try {
            writer.write(tmp);
            CrashPoint.reach(target.getFileName() + ":written");
            Path done;
            try {
                done = Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                done = Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            CrashPoint.reach(target.getFileName() + ":renamed");
            return done;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A new empty file beside the target, created with the umask's permissions (a temp file's 0600 would stick after the rename). */
    private static Path temp(Path parent, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = parent.resolve("." + name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** Writes {@code text} as UTF-8 to {@code target} atomically. */
    public static Path writeString(Path target, String text) throws IOException {
        return write(target, f -> Files.writeString(f, text));
    }
}
