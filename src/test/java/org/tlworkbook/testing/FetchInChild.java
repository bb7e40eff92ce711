package org.tlworkbook.testing;

import org.tlworkbook.data.Downloader;
import org.tlworkbook.data.Progress;
import org.tlworkbook.data.RemoteFile;

import java.nio.file.Path;
import java.util.Optional;

/** {@code FetchInChild CACHE MIRROR NAME}: one {@link Downloader#fetch} in a process of its own, for tests of cross-process locking. */
public final class FetchInChild {
    private FetchInChild() { }

    public static void main(String[] args) throws Exception {
        Path got = new Downloader(Path.of(args[0]), Optional.of(Path.of(args[1])), Progress.console())
                .fetch(RemoteFile.of(args[2], "http://127.0.0.1:9/" + args[2], -1));
        System.out.println("fetched " + got);
    }
}
