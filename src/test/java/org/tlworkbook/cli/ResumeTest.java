package org.tlworkbook.cli;

import org.tlworkbook.model.internal.ModelInternals;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.data.FolderLock;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.testing.ChildJvm;
import org.tlworkbook.testing.CliTraining;
import org.tlworkbook.testing.TestImages;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.tlworkbook.cli.CliTest.cli;

/** {@code train --out DIR} continues only its own run, extends a finished run, and belongs to one process at a time. */
class ResumeTest {
    @TempDir
    static Path tmp;
    static CliTraining fx;
    static Path images;
    static Path otherImages;

    @BeforeAll
    static void fixtures() throws Exception {
        fx = CliTraining.in(tmp, 10);
        images = fx.images();
        otherImages = TestImages.folder(tmp.resolve("other"), 40, 12, "cats", "dogs");
    }

    static String[] train(Path data, Path out, String... more) {
        List<String> argv = new ArrayList<>(List.of("--batch-size", "8", "--fine-tune-at", "100"));
        argv.addAll(Arrays.asList(more));
        return cli(fx.train(data, out, argv.toArray(String[]::new)));
    }

    @Test
    void anotherRunsCheckpointIsRefusedSayingWhatDiffersAndRestartMovesItAside() throws Exception {
        Path out = tmp.resolve("run");
        assertSucceeded(train(images, out, "--epochs", "1", "--fine-epochs", "0"));
        byte[] before = Files.readAllBytes(out.resolve("checkpoint.zip"));

        String[] r = train(otherImages, out, "--epochs", "1", "--fine-epochs", "0", "--lr", "0.001");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("holds a different training run"), r[1]);
        assertTrue(r[1].contains("data.training: "), "the data differs: " + r[1]);
        assertTrue(r[1].contains("data.training.images: 20 images: cats 10, dogs 10 in the checkpoint, 24 images: cats 12, dogs 12 now"),
                "and says how: " + r[1]);
        assertTrue(r[1].contains("learning_rate: 1.0E-4 in the checkpoint, 0.001 now"), r[1]);
        assertTrue(r[1].contains("--restart") && r[1].contains("another --out"), r[1]);
        assertArrayEquals(before, Files.readAllBytes(out.resolve("checkpoint.zip")), "the refused run changed nothing");

        r = train(otherImages, out, "--epochs", "1", "--fine-epochs", "0", "--lr", "0.001", "--restart");
        assertEquals("0", r[0], r[1]);
        List<Path> aside;
        try (var s = Files.list(tmp)) {
            aside = s.filter(p -> p.getFileName().toString().startsWith("run.before-restart-")).toList();
        }
        assertEquals(1, aside.size(), "the earlier run was moved aside");
        assertArrayEquals(before, Files.readAllBytes(aside.get(0).resolve("checkpoint.zip")), "nothing of it was lost");
        assertEquals(1, Classifier.load(out.resolve("checkpoint.zip")).history().lastEpoch(), "the new run started at epoch 1");
    }

    @Test
    void moreEpochsExtendAFinishedRunAsIfItHadAskedForThemAtOnce() throws Exception {
        Path extended = tmp.resolve("extended"), atOnce = tmp.resolve("at-once");
        assertSucceeded(train(images, extended, "--epochs", "1", "--fine-epochs", "1"));
        String[] r = train(images, extended, "--epochs", "1", "--fine-epochs", "2");
        assertEquals("0", r[0], r[1]);
        assertSucceeded(train(images, atOnce, "--epochs", "1", "--fine-epochs", "2"));

        List<String> h = KillAnywhereTest.withoutSeconds(extended.resolve("history.csv"));
        assertEquals(4, h.size(), "header and epochs 1, 2, 3: " + h);
        assertTrue(h.get(1).startsWith("1,frozen,") && h.get(2).startsWith("2,fine_tune,") && h.get(3).startsWith("3,fine_tune,"), h.toString());
        assertEquals(KillAnywhereTest.withoutSeconds(atOnce.resolve("history.csv")), h);
        assertArrayEquals(ModelInternals.graph(Classifier.load(atOnce.resolve("model.zip"))).params().toFloatVector(),
                ModelInternals.graph(Classifier.load(extended.resolve("model.zip"))).params().toFloatVector(), 1e-6f);

        r = train(images, extended, "--epochs", "2", "--fine-epochs", "2");
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("started fine-tuning after 1 frozen epochs") && r[1].contains("Keep --epochs 1"), r[1]);
        r = train(images, extended, "--epochs", "1", "--fine-epochs", "1");
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("already has 1 frozen and 2 fine-tuning epochs, more than the 1 and 1 asked for"), r[1]);
    }

    @Test
    void aSecondProcessTrainingIntoTheSameOutIsToldWhoHoldsIt() throws Exception {
        Path out = tmp.resolve("busy");
        try (FolderLock held = FolderLock.claim(out, "a test holding it", "")) {
            Process p = new ProcessBuilder(ChildJvm.command(List.of(), Main.class, List.of(fx.train(out, "--epochs", "1", "--fine-epochs", "0"))))
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertNotEquals(0, p.exitValue(), output);
            assertTrue(output.contains("is in use by PID " + ProcessHandle.current().pid() + " (a test holding it)"), output);
            assertTrue(output.contains("Wait for that run to finish, or give another --out."), output);
            assertFalse(Files.exists(out.resolve("checkpoint.zip")), "it trained nothing");
        }
    }

    private static void assertSucceeded(String[] result) {
        assertEquals("0", result[0], result[1]);
    }
}
