package org.tlworkbook.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.testing.TestImages;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class SafeUnzipTest {
    @TempDir
    Path tmp;

    Path write(byte[] zip) throws Exception {
        return Files.write(tmp.resolve("a.zip"), zip);
    }

    void assertNothingLeft() throws Exception {
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "only the zip may remain, no temp folder");
        }
    }

    @Test
    void extractsIntoPlace() throws Exception {
        Path zip = write(TestImages.zipOf("d/x.txt", "hello", "d/sub/y.txt", "world"));
        Path out = SafeUnzip.defaults().extract(zip, tmp.resolve("out"), Progress.silent());
        assertEquals("hello", Files.readString(out.resolve("d/x.txt")));
        assertEquals("world", Files.readString(out.resolve("d/sub/y.txt")));
    }

    @Test
    void rejectsZipSlip() throws Exception {
        Path zip = write(TestImages.zipOf("ok.txt", "a", "../../evil.txt", "b"));
        DownloadException e = assertThrows(DownloadException.class,
                () -> SafeUnzip.defaults().extract(zip, tmp.resolve("out"), Progress.silent()));
        assertTrue(e.getMessage().contains("unsafe path"), e.getMessage());
        assertFalse(Files.exists(tmp.getParent().getParent().resolve("evil.txt")));
        assertNothingLeft();
    }

    @Test
    void rejectsAbsolutePaths() throws Exception {
        Path zip = write(TestImages.zipOf("/etc/evil.txt", "b"));
        assertThrows(DownloadException.class, () -> SafeUnzip.defaults().extract(zip, tmp.resolve("out"), Progress.silent()));
        assertNothingLeft();
    }

    @Test
    void enforcesEntryAndByteLimits() throws Exception {
        Path zip = write(TestImages.zipOf("a", "1", "b", "2", "c", "3"));
        DownloadException many = assertThrows(DownloadException.class,
                () -> new SafeUnzip(2, 1000).extract(zip, tmp.resolve("out"), Progress.silent()));
        assertTrue(many.getMessage().contains("more than 2"), many.getMessage());
        Path big = Files.write(tmp.resolve("a.zip"), TestImages.zipOf("zeros", "0".repeat(100_000)));
        DownloadException bomb = assertThrows(DownloadException.class,
                () -> new SafeUnzip(10, 50_000).extract(big, tmp.resolve("out"), Progress.silent()));
        assertTrue(bomb.getMessage().contains("inflates to"), bomb.getMessage());
        assertNothingLeft();
    }

    @Test
    void anEntryThatInflatesLikeABombIsRefusedWithinTheByteLimit() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(bytes)) {
            z.putNextEntry(new java.util.zip.ZipEntry("cats/cat.0.jpg"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) z.write(zeros); // 64 MiB that deflate to about 64 KB
            z.closeEntry();
        }
        assertTrue(bytes.size() < 200_000, "a small download: " + bytes.size());
        Path zip = write(bytes.toByteArray());
        DownloadException e = assertThrows(DownloadException.class, () -> SafeUnzip.defaults().extract(zip, tmp.resolve("out"), Progress.silent()));
        assertTrue(e.getMessage().contains("inflates more than 100 times its compressed size"), e.getMessage());
        assertNothingLeft();
        // an ordinary small file may compress well: text under 1 MiB is not a bomb
        Path text = write(TestImages.zipOf("notes.txt", "a".repeat(500_000)));
        assertTrue(Files.isRegularFile(SafeUnzip.defaults().extract(text, tmp.resolve("ok"), Progress.silent()).resolve("notes.txt")));
    }

    @Test
    void truncatedArchiveIsReportedAsDamaged() throws Exception {
        byte[] whole = TestImages.zipOf("a.txt", "x".repeat(50_000) + Math.random(), "b.txt", "y".repeat(10));
        Path zip = write(Arrays.copyOf(whole, 300));
        assertThrows(DownloadException.class, () -> SafeUnzip.defaults().extract(zip, tmp.resolve("out"), Progress.silent()));
        assertNothingLeft();
    }

    @Test
    void notAZip() throws Exception {
        Path zip = write("<html>not found</html>".getBytes());
        DownloadException e = assertThrows(DownloadException.class,
                () -> SafeUnzip.defaults().extract(zip, tmp.resolve("out"), Progress.silent()));
        assertTrue(e.getMessage().contains("not a zip"), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void extractsATgzAndRefusesItsUnsafePathsAndLinks() throws Exception {
        Path tgz = Files.write(tmp.resolve("a.tgz"), TestImages.tgzOf("file:d/x.txt", "file:d/sub/y.txt"));
        Path out = SafeUnzip.defaults().extract(tgz, tmp.resolve("out"), Progress.silent());
        assertEquals("x", Files.readString(out.resolve("d/sub/y.txt")));
        for (byte[] bad : java.util.List.of(TestImages.tgzOf("file:ok.txt", "file:../../evil.txt"), TestImages.tgzOf("link:d/passwd->/etc/passwd"))) {
            Path b = Files.write(tmp.resolve("b.tgz"), bad);
            DownloadException e = assertThrows(DownloadException.class, () -> SafeUnzip.defaults().extract(b, tmp.resolve("bad"), Progress.silent()));
            assertTrue(e.getMessage().contains("unsafe path") || e.getMessage().contains("a link"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("bad")));
            assertFalse(Files.exists(tmp.getParent().resolve("evil.txt")));
        }
        Path damaged = Files.write(tmp.resolve("c.tgz"), Arrays.copyOf(Files.readAllBytes(tgz), 20));
        assertTrue(assertThrows(DownloadException.class, () -> SafeUnzip.defaults().extract(damaged, tmp.resolve("c"), Progress.silent()))
                .getMessage().contains("damaged"));
    }
}
