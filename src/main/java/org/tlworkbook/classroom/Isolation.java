package org.tlworkbook.classroom;

import org.tlworkbook.data.SafeUnzip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What keeps one graded notebook from changing how the next is graded, without an OS sandbox: the class path the
 * submissions run on is the grader's own copy, and it, the data folder and the submission folders are
 * fingerprinted (size, modification and change times, inode: a change time cannot be set back by a user) before
 * and after each notebook, so a write is seen, blamed on that notebook and undone. Processes a notebook started
 * are found by the token in their environment and by their working folder, and killed.
 */
final class Isolation {
    private Isolation() { }

    /** Path (relative to its root) to a file's identity. */
    record Fingerprint(Map<String, String> files) {
        static Fingerprint of(Path root) throws IOException {
            Map<String, String> files = new TreeMap<>();
            if (!Files.exists(root)) return new Fingerprint(files);
            try (var walk = Files.walk(root)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    if (p.equals(root) || p.getFileName().toString().equals(".lock")) continue; // claims come and go as any run reads
                    files.put(root.relativize(p).toString(), identity(p));
                }
            }
            return new Fingerprint(files);
        }

        /** What differs from {@code before}: changed, added and removed paths. */
        List<String> changesSince(Fingerprint before) {
            List<String> changes = new ArrayList<>();
            for (var e : files.entrySet()) {
                String was = before.files.get(e.getKey());
                if (was == null) changes.add(e.getKey() + " (added)");
                else if (!was.equals(e.getValue())) changes.add(e.getKey() + " (changed)");
            }
            for (String k : before.files.keySet()) if (!files.containsKey(k)) changes.add(k + " (removed)");
            return changes;
        }
    }

    private static String identity(Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:size,lastModifiedTime,ctime,ino,mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return "dir"; // its entries speak for it
            return a.get("size") + "|" + a.get("lastModifiedTime") + "|" + a.get("ctime") + "|" + a.get("ino") + "|" + a.get("mode");
        } catch (IOException | UnsupportedOperationException e) {
            return "unreadable";
        }
    }

    /**
     * The class path copied to {@code into} (jars and class folders), as a class path string. Entries that do not
     * exist are skipped.
     */
    static String copyClassPath(String classPath, Path into) throws IOException {
        Files.createDirectories(into);
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            if (entry.isBlank()) continue;
            Path from = Path.of(entry);
            if (!Files.exists(from)) continue;
            Path to = into.resolve(i++ + "-" + from.getFileName());
            copy(from, to);
            entries.add(to.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** Copies the original entries over whatever {@code into} holds now (after a notebook changed it). */
    static void restoreClassPath(String original, Path into) throws IOException {
        SafeUnzip.deleteTree(into);
        copyClassPath(original, into);
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

    /**
     * Kills every process that carries {@code token} in its environment or works inside {@code folder}, and the
     * ones in {@code seen} (descendants recorded while the notebook ran); returns how many were still alive.
     */
    static int sweep(String token, Path folder, List<ProcessHandle> seen) {
        int killed = 0;
        for (ProcessHandle p : seen) if (p.isAlive() && p.destroyForcibly()) killed++;
        Path proc = Path.of("/proc");
        if (!Files.isDirectory(proc)) return killed;
        long self = ProcessHandle.current().pid();
        byte[] marker = ("WORKBOOK_GRADING=" + token).getBytes(StandardCharsets.UTF_8);
        try (var list = Files.list(proc)) {
            for (Path dir : list.toList()) {
                String name = dir.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) continue;
                long pid = Long.parseLong(name);
                if (pid == self) continue;
                boolean ours = false;
                try {
                    ours = contains(Files.readAllBytes(dir.resolve("environ")), marker);
                } catch (IOException | SecurityException e) {
                    // gone, or not ours to read
                }
                if (!ours) {
                    try {
                        ours = Files.readSymbolicLink(dir.resolve("cwd")).startsWith(folder);
                    } catch (IOException | SecurityException | UnsupportedOperationException e) {
                        // gone, or not ours to read
                    }
                }
                if (ours) {
                    var handle = ProcessHandle.of(pid);
                    if (handle.isPresent() && handle.get().destroyForcibly()) killed++;
                }
            }
        } catch (IOException e) {
            // /proc unreadable: the recorded descendants were all we could do
        }
        return killed;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (i > 0 && haystack[i - 1] != 0) continue; // an environment entry starts after a NUL
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i + needle.length == haystack.length || haystack[i + needle.length] == 0;
        }
        return false;
    }

    /**
     * Deletes {@code dir} even where a submission made folders unreadable or unwritable in it (their modes are set
     * back first); returns false, leaving the rest, when something still cannot be deleted.
     */
    static boolean remove(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return true;
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
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
