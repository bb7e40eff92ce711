package org.tlworkbook.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.testing.LoopbackServer;
import org.tlworkbook.testing.TestImages;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class DatasetTest {
    @TempDir
    Path tmp;

    byte[] smallCatsAndDogs(int train, int val) throws Exception {
        Path tree = tmp.resolve("tree");
        TestImages.folder(tree.resolve("train"), 24, train, "cats", "dogs");
        TestImages.folder(tree.resolve("validation"), 24, val, "cats", "dogs");
        return TestImages.zip(tree, "mini");
    }

    Dataset mini(String url, long size) {
        return new Dataset("mini", RemoteFile.of("mini.zip", url, size),
                Map.of("train/cats", 4, "train/dogs", 4, "validation/cats", 2, "validation/dogs", 2));
    }

    @Test
    void downloadsExtractsAndVerifiesCounts() throws Exception {
        byte[] zip = smallCatsAndDogs(4, 2);
        try (LoopbackServer server = new LoopbackServer().serve("/mini.zip", zip)) {
            Downloader d = new Downloader(tmp.resolve("cache"), Optional.empty(), Progress.silent());
            Path root = mini(server.url("/mini.zip"), zip.length).load(d, Progress.silent());
            assertEquals(tmp.resolve("cache/mini"), root);
            assertEquals(Map.of("train/cats", 4L, "train/dogs", 4L, "validation/cats", 2L, "validation/dogs", 2L),
                    Dataset.countFiles(root));
            mini(server.url("/mini.zip"), zip.length).load(d, Progress.silent());
            assertEquals(1, server.requests.size());
        }
    }

    @Test
    void wrongContentIsRefusedAndNotLeftHalfExtracted() throws Exception {
        byte[] zip = smallCatsAndDogs(3, 2);
        try (LoopbackServer server = new LoopbackServer().serve("/mini.zip", zip)) {
            Downloader d = new Downloader(tmp.resolve("cache"), Optional.empty(), Progress.silent());
            DownloadException e = assertThrows(DownloadException.class,
                    () -> mini(server.url("/mini.zip"), zip.length).load(d, Progress.silent()));
            assertTrue(e.getMessage().contains("train/cats has 3 files, expected 4"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("cache/mini")));
            assertFalse(Files.exists(tmp.resolve("cache/.mini.unzipped")));
        }
    }

    @Test
    void catsAndDogsKeepsTheOfficialAddress() {
        Dataset cd = Dataset.catsAndDogsFiltered();
        assertEquals("https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip", cd.archive().url().toString());
        assertEquals(68_606_236L, cd.archive().size());
        assertEquals(3000, cd.expectedCounts().values().stream().mapToInt(Integer::intValue).sum());
    }
}
