package org.tlworkbook.data;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** Optional: runs only where ../shared/data holds the real cats_and_dogs_filtered.zip (a user's clone has none). */
class RealDataTest {
    @TempDir
    Path tmp;

    @Test
    void realCatsAndDogsLoadThroughTheMirror() throws Exception {
        Path shared = Path.of("..", "shared", "data").toAbsolutePath().normalize();
        Assumptions.assumeTrue(Files.isRegularFile(shared.resolve("cats_and_dogs_filtered.zip")), "no ../shared/data here");
        Downloader d = new Downloader(tmp, Optional.of(shared), Progress.silent());
        Path root = Dataset.catsAndDogsFiltered().load(d, Progress.silent());
        assertEquals(Map.of("train/cats", 1000L, "train/dogs", 1000L, "validation/cats", 500L, "validation/dogs", 500L),
                Dataset.countFiles(root));
        int decoded = 0;
        for (String split : new String[]{"train", "validation"}) {
            ImageFolder folder = ImageFolder.from(root.resolve(split));
            assertEquals(java.util.List.of("cats", "dogs"), folder.classes());
            assertTrue(folder.skipped().isEmpty(), folder.report());
            ImageGenerator gen = folder.training().targetSize(32).batchSize(100).shuffle(false).build();
            while (gen.hasNext()) decoded += gen.next().numExamples();
        }
        assertEquals(3000, decoded, "every image decodes");
    }
}
