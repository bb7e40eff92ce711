package org.tlworkbook.cli;

import org.tlworkbook.model.internal.ModelInternals;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.testing.ChildJvm;
import org.tlworkbook.testing.CliTraining;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kills {@code ./workbook train} (a halt, as {@code kill -9}) at every write point of an epoch, in the frozen and in
 * the fine-tuning phase, runs it again with the same command, and proves the resumed run ends where an uninterrupted
 * run ends: same history, weights and optimizer state. With augmentation on, so the resumed epochs must also draw
 * the same augmented images.
 */
@org.junit.jupiter.api.Tag("slow") // sandboxes, kernels, processes or round trips: minutes; -DexcludedGroups=slow leaves them out
class KillAnywhereTest {
    @TempDir
    static Path tmp;
    static CliTraining fx;
    static Path reference;

    @BeforeAll
    static void uninterrupted() throws Exception {
        fx = CliTraining.in(tmp, 10);
        reference = tmp.resolve("reference");
        Result r = train(reference, null);
        assertEquals(0, r.exit, r.output);
    }

    record Result(int exit, String output) { }

    static Result train(Path out, String crashAt) throws Exception {
        List<String> options = new ArrayList<>(List.of("-Xmx1g", "-XX:+UseSerialGC"));
        if (crashAt != null) options.add("-Dworkbook.crash_at=" + crashAt);
        List<String> cmd = ChildJvm.command(options, Main.class, List.of(fx.train(out, "--batch-size", "8", "--augment",
                "--epochs", "2", "--fine-epochs", "2", "--fine-tune-at", "100")));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(ChildJvm.sideBySide());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "train finished");
        return new Result(p.exitValue(), output);
    }

    @Test
    void aRunKilledAtAnyWritePointResumesToTheUninterruptedResult() throws Exception {
        List<String> points = List.of("checkpoint.zip:written", "checkpoint.zip:renamed", "history.csv:renamed");
        List<String> crashes = new ArrayList<>();
        for (int epoch : new int[]{1, 3}) for (String point : points) crashes.add(point + "@" + epoch);
        crashes.add("model.zip:written@1");
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2); // two JVMs at a time on CI's two cores
        try {
            List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
            for (String crash : crashes) runs.add(pool.submit(() -> {
                killAndResume(crash);
                return null;
            }));
            Throwable first = null;
            for (var run : runs) { // every run ends before the temp folder goes
                try {
                    run.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (first == null) first = e.getCause();
                }
            }
            if (first instanceof AssertionError a) throw a;
            if (first != null) throw new AssertionError(first);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void killAndResume(String crash) throws Exception {
        Path out = tmp.resolve("killed-" + crash.replace(':', '-').replace('@', '-'));
        Result killed = train(out, crash);
        assertEquals(137, killed.exit, crash + ": the crash point was reached\n" + killed.output);
        Result resumed = train(out, null);
        assertEquals(0, resumed.exit, crash + "\n" + resumed.output);
        boolean checkpointWasInPlace = !crash.equals("checkpoint.zip:written@1");
        assertEquals(checkpointWasInPlace, resumed.output.contains("Resuming " + out), crash + ": resumed from its checkpoint\n" + resumed.output);
        assertSameRun(reference, out, crash);
        try (var left = Files.list(out)) {
            List<String> tmpFiles = left.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
            assertEquals(List.of(), tmpFiles, crash + ": temp files of the killed run were cleaned up");
        }
    }

    static void assertSameRun(Path expected, Path actual, String what) throws Exception {
        assertEquals(withoutSeconds(expected.resolve("history.csv")), withoutSeconds(actual.resolve("history.csv")), what + ": history");
        Classifier a = Classifier.load(expected.resolve("checkpoint.zip")), b = Classifier.load(actual.resolve("checkpoint.zip"));
        assertEquals(4, b.history().lastEpoch(), what);
        assertArrayEquals(ModelInternals.graph(a).params().toFloatVector(), ModelInternals.graph(b).params().toFloatVector(), 1e-6f, what + ": weights");
        INDArray sa = ModelInternals.graph(a).getUpdater().getStateViewArray(), sb = ModelInternals.graph(b).getUpdater().getStateViewArray();
        assertNotNull(sb, what + ": optimizer state saved");
        assertArrayEquals(sa.toFloatVector(), sb.toFloatVector(), 1e-6f, what + ": optimizer state");
        Classifier finalA = Classifier.load(expected.resolve("model.zip")), finalB = Classifier.load(actual.resolve("model.zip"));
        assertArrayEquals(ModelInternals.graph(finalA).params().toFloatVector(), ModelInternals.graph(finalB).params().toFloatVector(), 1e-6f, what + ": model.zip");
    }

    /** history.csv without its wall-clock column. */
    static List<String> withoutSeconds(Path csv) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        int col = List.of(lines.get(0).split(",")).indexOf("seconds");
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            List<String> f = new ArrayList<>(List.of(l.split(",")));
            f.remove(col);
            out.add(String.join(",", f));
        }
        return out;
    }
}
