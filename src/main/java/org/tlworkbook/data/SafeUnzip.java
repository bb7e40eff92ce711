package org.tlworkbook.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Extracts a zip (or a {@code .tgz} / {@code .tar.gz}) into a fresh temporary folder beside the destination and renames it into place only
 * when every entry was written. Entries that would land outside the folder (zip-slip) and archives
 * beyond the entry-count or byte limits, or whose entries inflate more than {@link #MAX_RATIO} times (zip bombs),
 * are refused before the excess is written; the bytes actually inflated are counted, not only the sizes the
 * archive claims.
 */
public final class SafeUnzip {
    /** Inflated bytes per compressed byte above which an entry is a bomb (images and weights inflate about 1:1). */
    public static final int MAX_RATIO = 100;
    /** Entries smaller than this may compress as well as they like (text, blank images). */
    private static final long RATIO_FLOOR = 1 << 20;

    private final long maxEntries;
    private final long maxBytes;

    /** Refuses archives of more than {@code maxEntries} entries or {@code maxBytes} unpacked bytes. */
    public SafeUnzip(long maxEntries, long maxBytes) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /** Limits generous enough for image datasets: 200,000 entries, 4 GiB. */
    public static SafeUnzip defaults() {
        return new SafeUnzip(200_000, 4L << 30);
    }

    /** Extracts {@code zip} so that its entries appear under {@code destination}, which must not exist yet. */
    public Path extract(Path zip, Path destination, Progress progress) throws IOException {
        if (Files.exists(destination)) {
            throw new DownloadException("Refusing to extract over existing " + destination + "; delete it first.");
        }
        Path parent = destination.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempDirectory(parent, "." + destination.getFileName() + ".extracting-");
        String name = zip.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".tgz") || name.endsWith(".tar.gz")) {
            try {
                extractTarGz(zip, temp.toRealPath(), progress);
            } catch (IOException | RuntimeException e) {
                deleteTree(temp);
                throw e;
            }
            return moveIntoPlace(temp, destination);
        }
        Path root = temp.toRealPath();
        long bytes = 0;
        try (ZipFile archive = new ZipFile(zip.toFile())) {
            if (archive.size() == 0) {
                throw new DownloadException(zip + " is an empty zip archive; delete it and download again.");
            }
            if (archive.size() > maxEntries) {
                throw new DownloadException(zip + " has " + archive.size() + " entries, more than " + maxEntries
                        + "; refusing to extract it.");
            }
            long declared = 0;
            for (ZipEntry entry : java.util.Collections.list(archive.entries())) declared += Math.max(0, entry.getSize());
            if (declared > maxBytes) { // said before anything is written; the bytes read are counted as well, below
                throw new DownloadException(zip + " says it inflates to " + declared + " bytes, more than " + maxBytes + "; refusing to extract it.");
            }
            progress.start("extract " + zip.getFileName(), archive.size(), "files");
            byte[] buffer = new byte[1 << 16];
            for (ZipEntry entry : java.util.Collections.list(archive.entries())) {
                Path out = root.resolve(entry.getName()).normalize();
                if (entry.getName().startsWith("/") || entry.getName().contains("\\") || !out.startsWith(root) || out.equals(root)) {
                    throw new DownloadException(zip + " contains the unsafe path '" + entry.getName()
                            + "' that would be written outside the target folder; refusing to extract it.");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    try (OutputStream o = Files.newOutputStream(out)) {
                        bytes = inflate(zip, archive, entry, o, bytes, buffer);
                    }
                }
                progress.advance(1);
            }
        } catch (ZipException | java.io.EOFException e) {
            deleteTree(temp);
            throw new DownloadException(zip + " is damaged or not a zip archive (" + e.getMessage()
                    + "); delete it and download again.", e);
        } catch (IOException | RuntimeException e) {
            deleteTree(temp);
            throw e;
        } finally {
            progress.done();
        }
        return moveIntoPlace(temp, destination);
    }

    /**
     * Copies {@code entry}'s inflated bytes to {@code out}, counting them: past this instance's byte limit (with the
     * {@code before} bytes of earlier entries) or {@link #MAX_RATIO} times the entry's compressed size it stops, so a
     * bomb is refused before its excess is written. Returns the bytes counted so far.
     */
    private long inflate(Path zip, ZipFile archive, ZipEntry entry, OutputStream out, long before, byte[] buffer) throws IOException {
        long compressed = Math.max(1, entry.getCompressedSize()), inflated = 0, bytes = before;
        try (InputStream in = archive.getInputStream(entry)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                bytes += n;
                inflated += n;
                if (bytes > maxBytes) {
                    throw new DownloadException(zip + " inflates to more than " + maxBytes + " bytes; refusing to extract it.");
                }
                if (inflated > RATIO_FLOOR && inflated > MAX_RATIO * compressed) {
                    throw new DownloadException(zip + ": entry '" + entry.getName() + "' inflates more than " + MAX_RATIO
                            + " times its compressed size (" + compressed + " bytes), as zip bombs do; refusing to extract it.");
                }
                out.write(buffer, 0, n);
            }
        }
        return bytes;
    }

    /**
     * Reads every entry of {@code zip} under the same limits as {@link #extract}, writing nothing: for a zip another
     * library then reads whole into memory (a saved model), whose bomb would otherwise end that reader's process.
     */
    public void check(Path zip) throws IOException {
        try (ZipFile archive = new ZipFile(zip.toFile())) {
            if (archive.size() > maxEntries) {
                throw new DownloadException(zip + " has " + archive.size() + " entries, more than " + maxEntries + "; refusing to read it.");
            }
            long bytes = 0;
            byte[] buffer = new byte[1 << 16];
            for (ZipEntry entry : java.util.Collections.list(archive.entries())) {
                if (!entry.isDirectory()) bytes = inflate(zip, archive, entry, OutputStream.nullOutputStream(), bytes, buffer);
            }
        }
    }

    private static Path moveIntoPlace(Path temp, Path destination) throws IOException {
        try {
            Files.move(temp, destination, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteTree(temp);
            throw e;
        }
        return destination;
    }

    /**
     * A gzipped tar, read as a stream (commons-compress): regular files and folders only (a link could point
     * anywhere), the same path, count and size limits as a zip, and the whole archive refused when it inflates more
     * than {@link #MAX_RATIO} times its size.
     */
    private void extractTarGz(Path archive, Path root, Progress progress) throws IOException {
        long size = Math.max(1, Files.size(archive)), bytes = 0, entries = 0, reported = 0;
        progress.start("extract " + archive.getFileName(), size, "B");
        byte[] buffer = new byte[1 << 16];
        try (InputStream file = Files.newInputStream(archive);
             var counted = new org.apache.commons.compress.utils.CountingInputStream(new java.io.BufferedInputStream(file));
             var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                     new org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream(counted))) {
            for (var entry = tar.getNextTarEntry(); entry != null; entry = tar.getNextTarEntry()) {
                if (++entries > maxEntries) throw new DownloadException(archive + " has more than " + maxEntries + " entries; refusing to extract it.");
                String name = entry.getName();
                Path out = root.resolve(name).normalize();
                if (name.startsWith("/") || name.contains("\\") || !out.startsWith(root) || out.equals(root)) {
                    if (out.equals(root) && entry.isDirectory()) continue; // "./"
                    throw new DownloadException(archive + " contains the unsafe path '" + name
                            + "' that would be written outside the target folder; refusing to extract it.");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                    continue;
                }
                if (entry.isSymbolicLink() || entry.isLink() || !entry.isFile()) {
                    throw new DownloadException(archive + ": entry '" + name + "' is a link or a device, not a file; refusing to extract it.");
                }
                Files.createDirectories(out.getParent());
                try (OutputStream o = Files.newOutputStream(out)) {
                    for (int n; (n = tar.read(buffer)) > 0; ) {
                        bytes += n;
                        if (bytes > maxBytes) throw new DownloadException(archive + " inflates to more than " + maxBytes + " bytes; refusing to extract it.");
                        if (bytes > RATIO_FLOOR && bytes > MAX_RATIO * Math.max(1, counted.getBytesRead())) {
                            throw new DownloadException(archive + " inflates more than " + MAX_RATIO + " times its compressed size, as archive bombs do; "
                                    + "refusing to extract it.");
                        }
                        o.write(buffer, 0, n);
                    }
                }
                progress.advance(counted.getBytesRead() - reported);
                reported = counted.getBytesRead();
            }
            if (entries == 0) throw new DownloadException(archive + " is an empty archive; delete it and download again.");
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            throw new DownloadException(archive + " is damaged or not a gzipped tar (" + e.getMessage() + "); delete it and download again.", e);
        } catch (IOException e) {
            if (e instanceof DownloadException) throw e;
            throw new DownloadException(archive + " is damaged or not a gzipped tar (" + e.getMessage() + "); delete it and download again.", e);
        } finally {
            progress.done();
        }
    }

    /** Deletes {@code dir} and everything in it, not following links; a missing folder is fine. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
