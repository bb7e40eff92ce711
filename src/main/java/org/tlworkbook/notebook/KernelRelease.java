package org.tlworkbook.notebook;

import org.tlworkbook.data.DataHome;
import org.tlworkbook.data.DownloadException;
import org.tlworkbook.data.Downloader;
import org.tlworkbook.data.Progress;
import org.tlworkbook.data.RemoteFile;
import org.tlworkbook.data.SafeUnzip;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The Jupyter Java kernels {@code ./workbook lab} runs, from their real release downloads: fetched once into
 * {@code <data>/kernels/<kernel>/} (or taken from {@code WORKBOOK_MIRROR} by file name, or from a
 * {@code shared/kernels} folder beside the repository), and checked before use. IJava's jar is pinned by
 * size and SHA-256; JJava's release is checked by its structure until its checksum can be pinned.
 */
public enum KernelRelease {
    /** IJava 1.3.0, the kernel the course was written for. */
    IJAVA("ijava", RemoteFile.of("ijava-1.3.0.zip", "https://github.com/SpencerPark/IJava/releases/download/v1.3.0/ijava-1.3.0.zip", -1),
            "ijava-1.3.0.jar", 3_642_609L, "6aaa4b8cb4c2527ff9d6655e8b79c200ed9599c4515657ca19b33db9d6831f45"),
    /** JJava 1.0-a6, IJava's maintained successor. */
    JJAVA("jjava", RemoteFile.of("jjava-1.0-a6-kernelspec.zip", "https://github.com/dflib/jjava/releases/download/1.0-a6/jjava-1.0-a6-kernelspec.zip", -1),
            "jjava.jar", -1, null);

    private final String id;
    private final RemoteFile zip;
    private final String jarName;
    private final long jarSize;
    private final String jarSha256;

    KernelRelease(String id, RemoteFile zip, String jarName, long jarSize, String jarSha256) {
        this.id = id;
        this.zip = zip;
        this.jarName = jarName;
        this.jarSize = jarSize;
        this.jarSha256 = jarSha256;
    }

    /** The kernel with this name ({@code ijava}, {@code jjava}). */
    public static KernelRelease named(String name) {
        for (KernelRelease k : values()) if (k.id.equals(name.toLowerCase(Locale.ROOT))) return k;
        throw new IllegalArgumentException("--kernel must be ijava or jjava, got '" + name + "'");
    }

    /** The checked kernel jar, fetching and extracting the release once; {@code shared} is a {@code shared/kernels} folder or null. */
    public Path jar(Path shared, Progress progress) throws IOException {
        Path dir = DataHome.cache().resolve("kernels").resolve(id);
        Path cached = find(dir);
        if (cached != null && check(cached) == null) return cached;
        if (cached != null) SafeUnzip.deleteTree(dir);
        Path staging = dir.resolveSibling("." + id + ".staging");
        SafeUnzip.deleteTree(staging);
        Path local = shared == null ? null : find(shared.resolve(id));
        Path source;
        if (local != null) {
            source = local.getParent();
            copyTree(source, staging);
        } else {
            source = Downloader.standard(progress).fetch(zip);
            SafeUnzip.defaults().extract(source, staging, progress);
        }
        Path jar = find(staging);
        String problem = jar == null ? "it holds no " + jarName : check(jar);
        if (problem != null) {
            SafeUnzip.deleteTree(staging);
            throw new DownloadException("The " + id + " kernel in " + source + " is not the expected release: " + problem
                    + ". Delete " + source + " and run again to download it, or put the official " + zip.name() + " into WORKBOOK_MIRROR.");
        }
        Files.createDirectories(dir.getParent());
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        return find(dir);
    }

    /** The kernel jar anywhere under {@code dir}, or null. */
    private Path find(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return null;
        try (Stream<Path> s = Files.walk(dir, 3)) {
            return s.filter(p -> p.getFileName().toString().equals(jarName)).findFirst().orElse(null);
        }
    }

    /** Null when {@code jar} is this release's kernel, else what is wrong. */
    String check(Path jar) throws IOException {
        if (jarSha256 != null) {
            long size = Files.size(jar);
            if (size != jarSize) return jar.getFileName() + " has " + size + " bytes, expected " + jarSize;
            String sha = Downloader.sha256(jar);
            if (!sha.equalsIgnoreCase(jarSha256)) return jar.getFileName() + " has SHA-256 " + sha + ", expected " + jarSha256;
            return null;
        }
        try (JarFile j = new JarFile(jar.toFile())) {
            if (j.getManifest() == null || j.getManifest().getMainAttributes().getValue("Main-Class") == null) {
                return jar.getFileName() + " has no Main-Class";
            }
        } catch (IOException e) {
            return jar.getFileName() + " is not a jar (" + e.getMessage() + ")";
        }
        if (!Files.isRegularFile(jar.resolveSibling("jjava-launcher.jar"))) return "jjava-launcher.jar is missing beside " + jar.getFileName();
        return null;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
