package org.tlworkbook.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.testing.LoopbackServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class DownloaderTest {
    @TempDir
    Path tmp;

    static byte[] payload(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    Downloader downloader() {
        return new Downloader(tmp.resolve("cache"), Optional.empty(), Progress.silent(), java.time.Duration.ofSeconds(2));
    }

    static String sha(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void concurrentProcessesTakeTurnsAndTheNextOneClearsKilledRunsLeftovers() throws Exception {
        Path cache = Files.createDirectories(tmp.resolve("cache")), mirror = Files.createDirectories(tmp.resolve("mirror"));
        byte[] body = payload(50_000);
        Files.write(mirror.resolve("f.zip"), body);
        Path staleTmp = Files.writeString(cache.resolve(".f.zip123.tmp"), "killed while writing");
        Path staleDir = Files.createDirectories(cache.resolve(".cats.extracting-42/cats"));
        Path rejected = Files.writeString(cache.resolve("f.zip.rejected"), "failed its check once");
        Process child;
        try (FolderLock held = FolderLock.await(cache, "a test holding it")) {
            child = new ProcessBuilder(org.tlworkbook.testing.ChildJvm.command(List.of(), org.tlworkbook.testing.FetchInChild.class,
                    List.of(cache.toString(), mirror.toString(), "f.zip"))).redirectErrorStream(true).start();
            var lines = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            String first = lines.readLine();
            assertEquals("Waiting for PID " + ProcessHandle.current().pid() + " (a test holding it), which is using " + cache.toAbsolutePath() + "...", first);
            assertFalse(Files.exists(cache.resolve("f.zip")) || Files.exists(cache.resolve("f.zip.part")), "the child waits before touching anything");
            assertTrue(Files.exists(staleTmp) && Files.exists(rejected));
        }
        String rest = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), rest);
        assertArrayEquals(body, Files.readAllBytes(cache.resolve("f.zip")));
        assertFalse(Files.exists(staleTmp), "temp file of a killed write removed");
        assertFalse(Files.exists(staleDir.getParent()), "extraction folder of a killed run removed");
        assertFalse(Files.exists(rejected), "a copy rejected by an earlier run is removed");
    }

    @Test
    void downloadsVerifiesAndCaches() throws Exception {
        byte[] body = payload(300_000);
        try (LoopbackServer server = new LoopbackServer().serve("/f.zip", body)) {
            RemoteFile file = RemoteFile.of("f.zip", server.url("/f.zip"), body.length).withSha256(sha(body));
            Path got = downloader().fetch(file);
            assertArrayEquals(body, Files.readAllBytes(got));
            assertFalse(Files.exists(got.resolveSibling("f.zip.part")));
            downloader().fetch(file);
            assertEquals(1, server.requests.size(), "second fetch must come from the cache");
        }
    }

    @Test
    void wrongSizeLeavesNothingBehind() throws Exception {
        byte[] body = payload(1000);
        try (LoopbackServer server = new LoopbackServer().serve("/f.zip", body)) {
            RemoteFile file = RemoteFile.of("f.zip", server.url("/f.zip"), 2000);
            DownloadException e = assertThrows(DownloadException.class, () -> downloader().fetch(file));
            assertTrue(e.getMessage().contains("1000 bytes, expected 2000"), e.getMessage());
            assertEquals(2, server.requests.size(), "one clean retry");
            try (var files = Files.list(tmp.resolve("cache"))) {
                assertEquals(0, files.filter(f -> !f.getFileName().toString().equals(".lock")).count(), "no partial or final file may remain");
            }
        }
    }

    @Test
    void wrongChecksumIsRejected() throws Exception {
        byte[] body = payload(1000);
        try (LoopbackServer server = new LoopbackServer().serve("/f.zip", body)) {
            RemoteFile file = RemoteFile.of("f.zip", server.url("/f.zip"), 1000).withSha256("00".repeat(32));
            DownloadException e = assertThrows(DownloadException.class, () -> downloader().fetch(file));
            assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("cache/f.zip")));
        }
    }

    @Test
    void notFoundSaysSo() throws Exception {
        try (LoopbackServer server = new LoopbackServer()) {
            RemoteFile file = RemoteFile.of("f.zip", server.url("/missing.zip"), 10);
            DownloadException e = assertThrows(DownloadException.class, () -> downloader().fetch(file));
            assertTrue(e.getMessage().contains("404"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("cache/f.zip")));
        }
    }

    @Test
    void brokenConnectionKeepsPartialAndResumesWithRange() throws Exception {
        byte[] body = payload(200_000);
        try (LoopbackServer server = new LoopbackServer().serve("/f.zip", body).breakAfter("/f.zip", 50_000)) {
            RemoteFile file = RemoteFile.of("f.zip", server.url("/f.zip"), body.length).withSha256(sha(body));
            assertThrows(DownloadException.class, () -> downloader().fetch(file));
            Path part = tmp.resolve("cache/f.zip.part");
            assertTrue(Files.exists(part), "partial download is kept for resuming");
            assertFalse(Files.exists(tmp.resolve("cache/f.zip")));
            long have = Files.size(part);
            assertTrue(have > 0 && have < body.length, "partial size " + have);
            Path got = downloader().fetch(file);
            assertArrayEquals(body, Files.readAllBytes(got));
            assertTrue(server.requests.get(server.requests.size() - 1).contains("bytes=" + have + "-"),
                    server.requests.toString());
        }
    }

    @Test
    void corruptPartialFromResumeIsRetriedCleanly() throws Exception {
        byte[] body = payload(100_000);
        Files.createDirectories(tmp.resolve("cache"));
        byte[] wrongStart = Arrays.copyOf(payload(7), 30_000);
        Files.write(tmp.resolve("cache/f.zip.part"), wrongStart);
        try (LoopbackServer server = new LoopbackServer().serve("/f.zip", body)) {
            RemoteFile file = RemoteFile.of("f.zip", server.url("/f.zip"), body.length).withSha256(sha(body));
            Path got = downloader().fetch(file);
            assertArrayEquals(body, Files.readAllBytes(got));
            assertEquals(2, server.requests.size(), server.requests.toString());
        }
    }

    @Test
    void offlineErrorPointsToMirror() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RemoteFile file = new RemoteFile("f.zip", URI.create("http://127.0.0.1:" + port + "/f.zip"), 10, null);
        DownloadException e = assertThrows(DownloadException.class, () -> downloader().fetch(file));
        assertTrue(e.getMessage().contains("WORKBOOK_MIRROR"), e.getMessage());
    }

    @Test
    void mirrorIsUsedBeforeNetwork() throws Exception {
        byte[] body = payload(5000);
        Path mirror = Files.createDirectories(tmp.resolve("mirror"));
        Files.write(mirror.resolve("f.zip"), body);
        RemoteFile file = RemoteFile.of("f.zip", "http://127.0.0.1:9/never", body.length);
        Path got = new Downloader(tmp.resolve("cache"), Optional.of(mirror), Progress.silent()).fetch(file);
        assertArrayEquals(body, Files.readAllBytes(got));
    }

    @Test
    void damagedCacheIsSetAsideAndFetchedAgain() throws Exception {
        byte[] body = payload(4000);
        Files.createDirectories(tmp.resolve("cache"));
        Files.write(tmp.resolve("cache/f.zip"), payload(10));
        try (LoopbackServer server = new LoopbackServer().serve("/f.zip", body)) {
            Path got = downloader().fetch(RemoteFile.of("f.zip", server.url("/f.zip"), body.length));
            assertArrayEquals(body, Files.readAllBytes(got));
            assertEquals(10, Files.size(tmp.resolve("cache/f.zip.rejected")), "the bad copy is kept aside, not lost");
        }
    }

    @Test
    void progressCountsEveryByte() throws IOException {
        byte[] body = payload(123_456);
        long[] counted = new long[1];
        Progress p = new Progress() {
            public void start(String task, long total, String unit) { assertEquals(123_456, total); }
            public void advance(long units) { counted[0] += units; }
            public void done() { }
        };
        try (LoopbackServer server = new LoopbackServer().serve("/f.zip", body)) {
            new Downloader(tmp.resolve("cache"), Optional.empty(), p).fetch(RemoteFile.of("f.zip", server.url("/f.zip"), body.length));
        }
        assertEquals(body.length, counted[0]);
    }
}
