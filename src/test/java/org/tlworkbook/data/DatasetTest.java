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

    @Test
    void aTgzOfClassFoldersLoadsAsFlowerPhotosDoes() throws Exception {
        Path tree = tmp.resolve("flowers");
        TestImages.folder(tree, 24, 3, "daisy", "roses", "tulips");
        Files.writeString(tree.resolve("LICENSE.txt"), "CC-BY");
        byte[] tgz = TestImages.tgz(tree, "mini_flowers");
        try (LoopbackServer server = new LoopbackServer().serve("/mini_flowers.tgz", tgz)) {
            Downloader d = new Downloader(tmp.resolve("cache"), Optional.empty(), Progress.silent());
            Dataset flowers = new Dataset("mini_flowers", RemoteFile.of("mini_flowers.tgz", server.url("/mini_flowers.tgz"), -1),
                    Map.of("daisy", 3, "roses", 3, "tulips", 3));
            Path root = flowers.load(d, Progress.silent());
            assertEquals(Map.of("daisy", 3L, "roses", 3L, "tulips", 3L), Dataset.countFiles(root));
            ImageFolder two = ImageFolder.from(root).only("tulips", "daisy");
            assertEquals(java.util.List.of("daisy", "tulips"), two.classes());
            assertEquals(6, two.all().size());
            assertTrue(two.all().stream().filter(s -> s.label() == 1).allMatch(s -> s.path().getParent().getFileName().toString().equals("tulips")));
            Dataset wrong = new Dataset("mini_flowers", RemoteFile.of("mini_flowers.tgz", server.url("/mini_flowers.tgz"), -1), Map.of("daisy", 4));
            Downloader fresh = new Downloader(tmp.resolve("cache2"), Optional.empty(), Progress.silent());
            String message = assertThrows(DownloadException.class, () -> wrong.load(fresh, Progress.silent())).getMessage();
            assertTrue(message.contains("daisy has 3 files, expected 4"), message);
        }
        assertTrue(Dataset.flowerPhotos().archive().url().toString().endsWith("/example_images/flower_photos.tgz"));
        assertEquals(3670, Dataset.flowerPhotos().expectedCounts().values().stream().mapToInt(Integer::intValue).sum());
    }
}
