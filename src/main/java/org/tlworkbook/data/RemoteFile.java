package org.tlworkbook.data;

import java.net.URI;

/**
 * A file known by its official URL, its cache name, and what it must look like once downloaded.
 *
 * @param name   file name in the cache and in a mirror folder
 * @param url    where it is downloaded from
 * @param size   exact size in bytes, or -1 when unknown
 * @param sha256 lower-case hex digest, or null to skip the hash check
 */
public record RemoteFile(String name, URI url, long size, String sha256) {
    /** Refuses a name that is a path or starts with a dot: it names the file in the cache. */
    public RemoteFile {
        if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("cache name must be a plain file name: " + name);
        }
    }

    /** A file of known {@code size} in bytes (-1: unknown), not yet with a checksum. */
    public static RemoteFile of(String name, String url, long size) {
        return new RemoteFile(name, URI.create(url), size, null);
    }

    /** The same file, whose download must have this SHA-256. */
    public RemoteFile withSha256(String hex) {
        return new RemoteFile(name, url, size, hex == null ? null : hex.toLowerCase());
    }
}
