package org.tlworkbook.classroom;

import jdk.jshell.JShell;
import jdk.jshell.execution.LocalExecutionControlProvider;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.tlworkbook.notebook.NotebookRunner;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a notebook inside the grader's sandbox: every cell in order in one JShell, as a kernel would, going on
 * after a failing cell, with a time limit per cell. It writes what each cell printed and its error, for the
 * feedback page. Nothing here is trusted: it runs beside the submission's code, which can change anything in
 * this process; the grader only shows what it writes and decides nothing on it.
 */
public final class SandboxRun {
    private static final long GRACE_SECONDS = 5;

    private SandboxRun() { }

    /** {@code grade-run NOTEBOOK_JSON RECORDS_FILE CELL_SECONDS OUTPUT_CAP}: the runnable cells in, one JSON line per cell out. */
    public static int run(List<String> args) throws IOException {
        if (args.size() != 4) throw new IllegalArgumentException("usage: grade-run NOTEBOOK RECORDS CELL_SECONDS OUTPUT_CAP (started by ./workbook grade)");
        JsonNode plan = Exercises.JSON.readTree(Path.of(args.get(0)).toFile());
        Path records = Path.of(args.get(1));
        long cellSeconds = Long.parseLong(args.get(2));
        long cap = Long.parseLong(args.get(3));
        PrintStream realOut = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        Capped captured = new Capped(cap);
        PrintStream cellOut = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setProperty("workbook.notebook", "true");
        try (JShell shell = JShell.builder().executionEngine(new LocalExecutionControlProvider(), null).out(cellOut).err(cellOut).build()) {
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) if (!entry.isBlank()) shell.addToClasspath(entry);
            ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "cell-time-limit");
                t.setDaemon(true);
                return t;
            });
            for (JsonNode cell : plan.path("cells")) {
                int index = cell.path("index").asInt();
                java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
                ScheduledFuture<?> limit = watchdog.schedule(() -> {
                    stopped.set(true);
                    try {
                        shell.stop();
                    } catch (RuntimeException e) {
                        // nothing running
                    }
                    watchdog.schedule(() -> { // a cell that catches the interruption and goes on: end the kernel, as Jupyter's restart would
                        write(records, index, captured.take(), "the cell ran past its time limit of " + cellSeconds
                                + " s and ignored the interruption; the kernel was stopped, and no later cell ran");
                        Runtime.getRuntime().halt(3);
                    }, GRACE_SECONDS, TimeUnit.SECONDS);
                }, cellSeconds, TimeUnit.SECONDS);
                System.setOut(cellOut);
                System.setErr(cellOut);
                String[] r;
                try {
                    r = NotebookRunner.evaluate(shell, cell.path("source").asText(), stopped::get);
                } catch (IllegalStateException e) {
                    r = new String[]{"the kernel's Java process ended while this cell ran", null};
                } finally {
                    limit.cancel(false);
                    System.setOut(realOut);
                }
                String error = stopped.get() ? "stopped: the cell ran longer than its time limit of " + cellSeconds
                        + " s (an endless loop?); the rest of the cell did not run" : r[0];
                String output = captured.take();
                if (error == null && r[1] != null) output += r[1] + "\n";
                write(records, index, output, error);
            }
        }
        realOut.flush();
        return 0;
    }

    private static synchronized void write(Path records, int index, String output, String error) {
        var node = Exercises.JSON.createObjectNode().put("index", index).put("output", output);
        if (error != null) node.put("error", Check.cut(error, 4000));
        try {
            Files.writeString(records, Exercises.compact(node) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the feedback page will lack this cell's output
        }
    }

    /** What cells print, up to a cap for the whole notebook. */
    private static final class Capped extends OutputStream {
        private final long cap;
        private long total;
        private boolean truncated;
        private ByteArrayOutputStream cell = new ByteArrayOutputStream();

        Capped(long cap) {
            this.cap = cap;
        }

        @Override
        public synchronized void write(int b) {
            if (total++ < cap) cell.write(b);
            else truncated = true;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            long room = Math.max(0, cap - total);
            cell.write(b, off, (int) Math.min(room, len));
            if (len > room) truncated = true;
            total += len;
        }

        synchronized String take() {
            String s = cell.toString(StandardCharsets.UTF_8);
            cell = new ByteArrayOutputStream();
            if (truncated) {
                s += "\n[output cut: the notebook printed more than " + cap + " bytes]\n";
                truncated = false;
            }
            return s;
        }
    }
}
