package org.tlworkbook.classroom;

import org.tlworkbook.data.AtomicFiles;
import org.tlworkbook.data.DataHome;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The grader's class-data archives, kept between grading runs in the data folder's {@code class-data/}: one is
 * written by a warm-up run of the grader's own cells and is valid only for the JVM, options and class path (each
 * jar's name, size and time) that wrote it, so the key is made of exactly those. The JVM checks the same facts
 * again when it maps an archive and ignores one that does not match.
 */
final class ClassData {
    private ClassData() { }

    /** The key of the archive {@code command} writes, given the class path's folder on this machine. */
    static String key(List<String> command, Path classPath, List<String> warmUp) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<String> facts = new java.util.ArrayList<>(command);
        facts.add(System.getProperty("java.home"));
        facts.add(System.getProperty("java.vm.version"));
        try (var list = Files.list(classPath)) {
            for (Path jar : list.sorted().toList()) {
                facts.add(jar.getFileName() + " " + Files.size(jar) + " " + Files.getLastModifiedTime(jar, LinkOption.NOFOLLOW_LINKS).toMillis());
            }
        }
        facts.addAll(warmUp);
        for (String fact : facts) sha.update((fact + "\u0000").getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(sha.digest()).substring(0, 24);
    }

    private static Path folder() {
        return DataHome.cache().resolve("class-data");
    }

    /** The archive kept for {@code key}, if a run wrote one. */
    static Optional<Path> kept(String key) {
        Path file = folder().resolve("notebook-" + key + ".jsa");
        return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? Optional.of(file) : Optional.empty();
    }

    /**
     * Keeps {@code made} as {@code key}'s archive, written atomically, so no run maps half a file. Only the {@value #KEPT} newest stay: each new build of the helper or JDK makes the older ones useless.
     * Returns why it could not (a data folder that is read-only, full, or holds a file named {@code class-data}),
     * or null: a run that cannot keep its archive still grades with it.
     */
    static String keep(String key, Path made) {
        try {
            Path dir = Files.createDirectories(folder());
            AtomicFiles.write(dir.resolve("notebook-" + key + ".jsa"), f -> Files.copy(made, f, StandardCopyOption.REPLACE_EXISTING));
            try (var list = Files.list(dir)) {
                List<Path> old = list.filter(f -> f.getFileName().toString().matches("notebook-[0-9a-f]+\\.jsa"))
                        .sorted(java.util.Comparator.comparing((Path f) -> f.toFile().lastModified()).reversed()).skip(KEPT).toList();
                for (Path f : old) Files.deleteIfExists(f);
            }
            return null;
        } catch (IOException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private static final int KEPT = 4;
}
