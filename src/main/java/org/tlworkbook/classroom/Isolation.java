package org.tlworkbook.classroom;

import org.tlworkbook.data.SafeUnzip;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The grader's file work around its sandboxes: the copy of the class path they run on, folders made readable to
 * the sandbox's own user, hard-linked copies of read-only trees, and removal of what a notebook left behind.
 */
final class Isolation {
    private Isolation() { }

    /**
     * The class path copied to {@code into} as jars only, a class folder packed into {@code <name>.jar}, as a class
     * path string: a class-data archive is refused for a class path holding a non-empty folder. Entries that do
     * not exist are skipped.
     */
    static String copyClassPath(String classPath, Path into) throws IOException {
        Files.createDirectories(into);
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            if (entry.isBlank()) continue;
            Path from = Path.of(entry);
            if (!Files.exists(from) || from.endsWith("test-classes")) continue; // a test run's own classes are no part of what a notebook needs
            boolean folder = Files.isDirectory(from);
            String name = from.getFileName() + (folder ? ".jar" : ""); // jars keep their names: JavaCPP's native cache is keyed by them
            Path to = into.resolve(name);
            if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) to = into.resolve(String.format("%03d-%s", i, name));
            i++;
            if (folder) jar(from, to);
            else copy(from, to);
            entries.add(to.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /**
     * {@code folder}'s files as a jar at {@code to}. The same folder gives the same bytes and time (its newest
     * file's), as a class-data archive made on an earlier copy requires.
     */
    static void jar(Path folder, Path to) throws IOException {
        List<Path> entries;
        try (var walk = Files.walk(folder)) {
            entries = walk.filter(p -> !p.equals(folder)).sorted().toList();
        }
        long newest = 0;
        for (Path p : entries) if (Files.isRegularFile(p)) newest = Math.max(newest, Files.getLastModifiedTime(p).toMillis());
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(to))) {
            out.setLevel(java.util.zip.Deflater.BEST_SPEED);
            for (Path p : entries) {
                String name = folder.relativize(p).toString().replace(java.io.File.separatorChar, '/');
                boolean dir = Files.isDirectory(p);
                var e = new java.util.jar.JarEntry(dir ? name + "/" : name);
                e.setTime(dir ? newest : Files.getLastModifiedTime(p).toMillis());
                out.putNextEntry(e);
                if (!dir) Files.copy(p, out);
                out.closeEntry();
            }
        }
        Files.setLastModifiedTime(to, java.nio.file.attribute.FileTime.fromMillis(newest));
    }

    static void copy(Path from, Path to) throws IOException {
        if (Files.isDirectory(from)) {
            try (var walk = Files.walk(from)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) Files.createDirectories(target);
                    else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } else {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    /** {@code from}'s tree at {@code to}: files hard-linked where the file system allows, copied elsewhere. */
    static void copyLinked(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !Files.exists(target)) {
                    link(p, target);
                }
            }
        }
    }

    /** {@code to} as a hard link to {@code from} where the file system allows, else a copy. */
    static void link(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    /** Lets every user read {@code root}'s files and enter its folders: the sandbox runs as a user of its own. */
    static void readableByAll(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isSymbolicLink(p)) continue;
                boolean dirEntry = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                if (!dirEntry && ((Number) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue() > 1) continue; // a link to the user's own file: left as it is
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                boolean dir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                boolean changed = perms.add(PosixFilePermission.OTHERS_READ) | perms.add(PosixFilePermission.GROUP_READ);
                if (dir || perms.contains(PosixFilePermission.OWNER_EXECUTE)) {
                    changed |= perms.add(PosixFilePermission.OTHERS_EXECUTE) | perms.add(PosixFilePermission.GROUP_EXECUTE);
                }
                if (changed) {
                    try {
                        Files.setPosixFilePermissions(p, perms);
                    } catch (IOException e) {
                        // a hard link to a file of another owner: it is readable already, or the sandbox says so
                    }
                }
            }
        }
    }

    /**
     * Deletes {@code dir} even where a submission made folders unreadable or unwritable in it (their modes are set
     * back first); returns false, leaving the rest, when something still cannot be deleted.
     */
    static boolean remove(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return true;
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
                    } catch (IOException | UnsupportedOperationException e) {
                        // deleting says whether it mattered
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // a folder we could not enter until its mode was set: the walk below tries again
        }
        try {
            SafeUnzip.deleteTree(dir);
            return true;
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }
}
