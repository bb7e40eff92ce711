package org.tlworkbook.notebook;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** One default profile for notebooks and exercises, and a switch inside a kernel that needs no restart. */
class ProfileTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clear() {
        System.clearProperty("workbook.profile");
        System.clearProperty("workbook.own_data");
    }

    @Test
    void notebooksAndExercisesDefaultToTheSameProfileAndUseSwitchesThisKernel() {
        Assumptions.assumeTrue(System.getenv("WORKBOOK_PROFILE") == null, "WORKBOOK_PROFILE is set here");
        System.clearProperty("workbook.profile");
        assertEquals("quick", Profile.current().name());
        assertEquals(Profile.current().name(), Profile.exercises().name(), "the exercises run on the notebooks' profile");
        assertEquals(Profile.current().imageSize(), Profile.exercises().imageSize());
        assertEquals("full", Profile.use("full").name());
        assertEquals("full", Profile.current().name(), "until the kernel restarts");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Profile.use("fast"));
        assertTrue(bad.getMessage().contains("smoke, quick or full; got fast"), bad.getMessage());
        assertEquals("full", Profile.current().name(), "a refused name changes nothing");
    }

    @Test
    void ownDataUseTakesAFolderAndRefusesAnythingElse() throws Exception {
        Path folder = java.nio.file.Files.createDirectories(tmp.resolve("mine"));
        OwnData.use(folder);
        assertEquals(folder.toAbsolutePath().toString(), System.getProperty("workbook.own_data"));
        Path file = java.nio.file.Files.writeString(tmp.resolve("a.txt"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OwnData.use(file));
        assertTrue(e.getMessage().contains("is not a folder"), e.getMessage());
    }
}
