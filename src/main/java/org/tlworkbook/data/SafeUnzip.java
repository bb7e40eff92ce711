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
 * Extracts a zip into a fresh temporary folder beside the destination and renames it into place only
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
                    long compressed = Math.max(1, entry.getCompressedSize()), inflated = 0;
                    try (InputStream in = archive.getInputStream(entry); OutputStream o = Files.newOutputStream(out)) {
                        int n;
                        while ((n = in.read(buffer)) > 0) {
                            bytes += n;
                            inflated += n;
                            if (bytes > maxBytes) {
                                throw new DownloadException(zip + " inflates to more than " + maxBytes + " bytes; refusing to extract it.");
                            }
                            if (inflated > RATIO_FLOOR && inflated > MAX_RATIO * compressed) {
                                throw new DownloadException(zip + ": entry '" + entry.getName() + "' inflates more than " + MAX_RATIO
                                        + " times its compressed size (" + compressed + " bytes), as zip bombs do; refusing to extract it.");
                            }
                            o.write(buffer, 0, n);
                        }
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
        try {
            Files.move(temp, destination, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteTree(temp);
            throw e;
        }
        return destination;
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
