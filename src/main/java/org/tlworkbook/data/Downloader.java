package org.tlworkbook.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Fetches a {@link RemoteFile} into the cache the way {@code keras.utils.get_file} does, but safely:
 * an offline mirror is tried first, bytes go to {@code NAME.part} (resumed with an HTTP range request
 * when the server allows), size and SHA-256 are checked, and only a verified file is renamed into place.
 * A failed check deletes the partial file and retries once from scratch.
 */
public final class Downloader {
    private final Path cacheDir;
    private final Optional<Path> mirror;
    private final Progress progress;
    private final Duration readTimeout;

    /** Downloads into {@code cacheDir}, trying a local {@code mirror} folder first, reporting bytes to {@code progress}. */
    public Downloader(Path cacheDir, Optional<Path> mirror, Progress progress) {
        this(cacheDir, mirror, progress, Duration.ofSeconds(60));
    }

    /** {@code readTimeout} bounds connecting and every wait for bytes, so a stalled server cannot hang a cell. */
    public Downloader(Path cacheDir, Optional<Path> mirror, Progress progress, Duration readTimeout) {
        this.cacheDir = cacheDir;
        this.mirror = mirror;
        this.progress = progress;
        this.readTimeout = readTimeout;
    }

    /** Uses {@link DataHome} for the cache and mirror folders. */
    public static Downloader standard(Progress progress) {
        return new Downloader(DataHome.cache(), DataHome.mirror(), progress);
    }

    /** Where finished downloads are kept. */
    public Path cacheDir() {
        return cacheDir;
    }

    /**
     * Returns the cached, verified file, downloading or copying it first when needed. Concurrent processes take
     * turns (the cache folder is locked), so they never share a {@code .part} file.
     */
    public Path fetch(RemoteFile file) throws IOException {
        try (FolderLock lock = FolderLock.await(cacheDir, "downloading " + file.name())) {
            lock.removeLeftovers();
            return fetchLocked(file);
        }
    }

    private Path fetchLocked(RemoteFile file) throws IOException {
        Path target = cacheDir.resolve(file.name());
        Optional<Path> mirrored = mirror.map(m -> m.resolve(file.name())).filter(Files::isRegularFile);
        if (Files.isRegularFile(target)) {
            String problem = check(file, target);
            if (problem == null) return target;
            if (file.sha256() == null && mirrored.isPresent() && Files.size(mirrored.get()) == Files.size(target)) {
                return target; // the mirror's copy, accepted as copyFromMirror accepted it: copying it again would change nothing
            }
            Path aside = cacheDir.resolve(file.name() + ".rejected");
            Files.move(target, aside, StandardCopyOption.REPLACE_EXISTING);
            progress.note("Cached " + target + " failed its check (" + problem + "); moved to " + aside
                    + " (removed on the next run) and fetching again.");
        }
        if (mirrored.isPresent()) {
            return copyFromMirror(file, mirrored.get(), target);
        }
        try {
            return download(file, target, true);
        } catch (ChecksumMismatch first) {
            Files.deleteIfExists(part(target));
            progress.note(first.getMessage() + "; retrying once from scratch.");
            try {
                return download(file, target, false);
            } catch (ChecksumMismatch second) {
                Files.deleteIfExists(part(target));
                throw new DownloadException(second.getMessage() + ". The partial file was deleted. "
                        + "If the file changed upstream, download it by hand and put it in a folder named by WORKBOOK_MIRROR.");
            }
        }
    }

    private Path copyFromMirror(RemoteFile file, Path source, Path target) throws IOException {
        long size = Files.size(source);
        if (file.size() >= 0 && size != file.size()) {
            progress.note("Mirror copy " + source + " has " + size + " bytes, the official file " + file.size()
                    + "; using it (its content is checked after extraction).");
        }
        Path part = part(target);
        progress.start("copy " + file.name() + " from mirror", size, "B");
        try (InputStream in = Files.newInputStream(source);
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
            transfer(in, out, null);
        } catch (IOException e) {
            Files.deleteIfExists(part);
            throw new DownloadException("Could not copy " + source + " to " + part + ": " + e.getMessage(), e);
        } finally {
            progress.done();
        }
        return moveIntoPlace(part, target);
    }

    private Path download(RemoteFile file, Path target, boolean allowResume) throws IOException {
        Path part = part(target);
        long have = allowResume && Files.isRegularFile(part) ? Files.size(part) : 0;
        if (file.size() >= 0 && have > file.size()) {
            Files.delete(part);
            have = 0;
        }
        HttpURLConnection connection;
        int status;
        try {
            connection = (HttpURLConnection) file.url().toURL().openConnection();
            connection.setConnectTimeout((int) readTimeout.toMillis());
            connection.setReadTimeout((int) readTimeout.toMillis());
            connection.setInstanceFollowRedirects(true);
            connection.setRequestProperty("User-Agent", "transfer-learning-workbook");
            if (have > 0) connection.setRequestProperty("Range", "bytes=" + have + "-");
            status = connection.getResponseCode();
        } catch (ConnectException | UnknownHostException | NoRouteToHostException e) {
            throw offline(file, target, e);
        } catch (SocketTimeoutException e) {
            throw new DownloadException("Timed out reaching " + file.url() + " (offline?). Put " + file.name()
                    + " into a folder and set WORKBOOK_MIRROR=<that folder>, or run again later.", e);
        } catch (IOException e) {
            throw new DownloadException("Could not download " + file.url() + ": " + e.getMessage(), e);
        }
        boolean append = status == 206 && have > 0;
        if (status == 416 && have > 0) {
            connection.disconnect();
            Files.deleteIfExists(part);
            return download(file, target, false);
        }
        if (status != 200 && status != 206) {
            connection.disconnect();
            throw new DownloadException("The server answered HTTP " + status + " for " + file.url()
                    + (status == 404 ? " (not found: the URL may have moved)" : "")
                    + ". Nothing was written. Put " + file.name() + " into a folder and set WORKBOOK_MIRROR to it to work offline.");
        }
        long length = connection.getContentLengthLong();
        long expectedTotal = file.size() >= 0 ? file.size() : length < 0 ? -1 : length + (append ? have : 0);
        progress.start("download " + file.name(), expectedTotal, "B");
        if (append) progress.advance(have);
        try (InputStream in = connection.getInputStream();
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            transfer(in, out, expectedTotal);
        } catch (IOException e) {
            throw new DownloadException("Download of " + file.url() + " broke off after " + Files.size(part)
                    + " bytes (" + e.getMessage() + "). Run again to resume from " + part + ".", e);
        } finally {
            progress.done();
            connection.disconnect();
        }
        String problem = check(file, part);
        if (problem != null) throw new ChecksumMismatch("Downloaded " + file.name() + " " + problem);
        return moveIntoPlace(part, target);
    }

    private void transfer(InputStream in, OutputStream out, Long limit) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long written = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
            written += n;
            progress.advance(n);
            if (limit != null && limit >= 0 && written > limit + (1 << 20)) {
                throw new IOException("server sent more than the expected " + limit + " bytes");
            }
            if (Thread.currentThread().isInterrupted()) throw new IOException("interrupted");
        }
    }

    private static Path moveIntoPlace(Path part, Path target) throws IOException {
        try {
            return Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (java.nio.file.AtomicMoveNotSupportedException e) {
            return Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Returns null when the file matches its size and hash, else what is wrong. */
    static String check(RemoteFile file, Path path) throws IOException {
        long size = Files.size(path);
        if (file.size() >= 0 && size != file.size()) {
            return "has " + size + " bytes, expected " + file.size();
        }
        if (file.sha256() != null) {
            String actual = sha256(path);
            if (!actual.equalsIgnoreCase(file.sha256())) {
                return "has SHA-256 " + actual + ", expected " + file.sha256();
            }
        }
        return null;
    }

    /** The file's SHA-256, lower-case hex. */
    public static String sha256(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) digest.update(buffer, 0, n);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path part(Path target) {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    private static DownloadException offline(RemoteFile file, Path target, Exception e) {
        URI url = file.url();
        return new DownloadException(file.name() + " is not here and " + url.getHost() + " cannot be reached (offline?): download "
                + url + " to " + target + ", or put it into a folder and set WORKBOOK_MIRROR to that folder.", e);
    }

    private static final class ChecksumMismatch extends IOException {
        ChecksumMismatch(String message) {
            super(message);
        }
    }
}
