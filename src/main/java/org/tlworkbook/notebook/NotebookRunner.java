package org.tlworkbook.notebook;

import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.execution.LocalExecutionControlProvider;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.notebook.internal.NotebookJson;

import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Runs a Jupyter notebook's Java cells top to bottom in JShell, the engine the IJava and JJava kernels
 * use, without a Jupyter kernel: each cell's printed text and {@code display(...)}ed images become the
 * cell's outputs, and the executed notebook is written as nbformat 4. The first failing cell stops the
 * run with its error recorded in the notebook, as "Run All" would.
 */
public final class NotebookRunner {
    private static final ObjectMapper JSON = NotebookJson.JSON;

    /** What happened: cells run, images shown, and the first error (null when none). */
    public record Result(Path output, int cellsRun, int images, String error) {
        /** Whether every cell ran without an error. */
        public boolean ok() {
            return error == null;
        }
    }

    private NotebookRunner() { }

    /** Runs every code cell of {@code notebook} in a fresh JShell, writing the executed notebook into {@code outputDir}. */
    public static Result run(Path notebook, Path outputDir) throws IOException {
        JsonNode nb = JSON.readTree(notebook.toFile());
        ObjectNode out = (ObjectNode) nb.deepCopy();
        ArrayNode cells = (ArrayNode) out.get("cells");
        int run = 0;
        int images = 0;
        String error = null;
        PrintStream realOut = System.out;
        try (JShell shell = shell(realOut)) {
            Jupyter.install();
            int count = 0;
            for (JsonNode c : cells) {
                ObjectNode cell = (ObjectNode) c;
                if (!"code".equals(cell.path("cell_type").asText())) continue;
                String source = NotebookJson.text(cell.get("source"));
                ArrayNode outputs = JSON.createArrayNode();
                cell.set("outputs", outputs);
                if (error != null) {
                    cell.putNull("execution_count");
                    continue;
                }
                count++;
                cell.put("execution_count", count);
                realOut.println("[" + notebook.getFileName() + " cell " + count + "]");
                ByteArrayOutputStream captured = new ByteArrayOutputStream();
                PrintStream tee = new PrintStream(new TeeStream(realOut, captured), true, StandardCharsets.UTF_8);
                Capture.startCell(captured::size);
                System.setOut(tee);
                String[] r;
                try {
                    r = evalAll(shell, source);
                    if (r[0] == null && r[2] != null) evalAll(shell, "org.tlworkbook.notebook.Capture.value(" + r[2] + ");");
                } finally {
                    tee.flush();
                    System.setOut(realOut);
                }
                byte[] printed = captured.toByteArray();
                int from = 0;
                for (Capture.Shown shown : Capture.shown()) {
                    int upTo = (int) Math.min(printed.length, shown.printedBefore());
                    if (upTo > from) outputs.add(stream(new String(printed, from, upTo - from, StandardCharsets.UTF_8)));
                    from = Math.max(from, upTo);
                    outputs.add(output("display_data", MimeBundle.of(shown.object()), 0));
                    if (shown.object() instanceof RenderedImage) images++;
                }
                if (printed.length > from) outputs.add(stream(new String(printed, from, printed.length - from, StandardCharsets.UTF_8)));
                if (r[0] != null) {
                    error = "cell " + count + ": " + r[0];
                    outputs.add(errorOutput(r[0]));
                } else if (r[1] != null) {
                    outputs.add(output("execute_result", Capture.hasValue() ? MimeBundle.of(Capture.value()) : Map.of("text/plain", r[1]), count));
                }
                run++;
            }
        }
        Files.createDirectories(outputDir);
        Path target = outputDir.resolve(notebook.getFileName());
        org.tlworkbook.data.AtomicFiles.write(target, tmp -> JSON.writeValue(tmp.toFile(), out));
        return new Result(target, run, images, error);
    }

    /** A JShell running in this JVM on this JVM's class path, as the kernels run cells; notebook mode is switched on. */
    static JShell shell(PrintStream out) {
        JShell shell = JShell.builder().executionEngine(new LocalExecutionControlProvider(), null).out(out).err(System.err).build();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isBlank()) shell.addToClasspath(entry);
        }
        System.setProperty("workbook.notebook", "true");
        return shell;
    }

    /** The {@code *.ipynb} files of {@code dir}, in name order. */
    public static List<Path> notebooks(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".ipynb")).sorted().toList();
        }
    }

    /**
     * Runs one cell's source in {@code shell}, snippet by snippet, stopping at the first error: {error or null, the
     * text of a trailing expression's value or null}. The grader's sandboxed runner uses it.
     */
    public static String[] evaluate(JShell shell, String source, java.util.function.BooleanSupplier stopped) {
        String[] r = evalAll(shell, source, stopped);
        return new String[]{r[0], r[1]};
    }

    /**
     * Evaluates every snippet of {@code source}; returns {error or null, text of a trailing expression's value or
     * null, the name JShell gave that value (a variable or {@code $N}) or null}.
     */
    static String[] evalAll(JShell shell, String source) {
        return evalAll(shell, source, () -> false);
    }

    private static String[] evalAll(JShell shell, String source, java.util.function.BooleanSupplier stopped) {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String remaining = source;
        String value = null;
        String name = null;
        while (!remaining.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            String snippet = info.source();
            if (snippet == null || snippet.isBlank() || info.completeness() == SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE) {
                return new String[]{"incomplete code: " + remaining.strip(), null, null};
            }
            remaining = info.remaining();
            value = null;
            name = null;
            if (stopped.getAsBoolean()) return new String[]{"stopped", null, null};
            for (SnippetEvent e : shell.eval(snippet)) {
                if (e.exception() != null) {
                    return new String[]{describe(e.exception()), null, null};
                }
                if (e.status() == Snippet.Status.REJECTED) {
                    String diags = shell.diagnostics(e.snippet())
                            .map(d -> d.getMessage(null))
                            .collect(Collectors.joining("; "));
                    return new String[]{"does not compile: " + snippet.strip() + " -- " + diags, null, null};
                }
                // a trailing expression: a bare name (EXPRESSION) or a call JShell stores in a temporary $N variable
                boolean expression = e.snippet().kind() == Snippet.Kind.EXPRESSION
                        || e.snippet().subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND;
                if (e.causeSnippet() == null && expression && e.value() != null) {
                    value = e.value();
                    name = e.snippet() instanceof jdk.jshell.VarSnippet v ? v.name()
                            : e.snippet() instanceof jdk.jshell.ExpressionSnippet x ? x.name() : null;
                }
            }
            if (stopped.getAsBoolean()) return new String[]{"stopped", null, null};
        }
        return new String[]{null, value, name};
    }

    /** An exception as JShell reports it from the code it ran: class, message, and each cause. */
    public static String describe(Throwable t) {
        String name = t instanceof EvalException ee ? ee.getExceptionClassName() : t.getClass().getName();
        StringBuilder sb = new StringBuilder(name + ": " + t.getMessage());
        Throwable cause = t.getCause();
        while (cause != null) {
            sb.append(" / caused by ").append(cause instanceof EvalException ee ? ee.getExceptionClassName() : cause.getClass().getName())
                    .append(": ").append(cause.getMessage());
            cause = cause.getCause();
        }
        return sb.toString();
    }

    private static ArrayNode lines(String s) {
        ArrayNode a = JSON.createArrayNode();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                a.add(s.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < s.length()) a.add(s.substring(start));
        return a;
    }

    private static ObjectNode stream(String text) {
        ObjectNode o = JSON.createObjectNode();
        o.put("output_type", "stream");
        o.put("name", "stdout");
        o.set("text", lines(text));
        return o;
    }

    /** A display_data or execute_result output holding {@code bundle}. */
    private static ObjectNode output(String type, Map<String, String> bundle, int count) {
        ObjectNode o = JSON.createObjectNode();
        o.put("output_type", type);
        if (type.equals("execute_result")) o.put("execution_count", count);
        ObjectNode data = JSON.createObjectNode();
        bundle.forEach((mime, text) -> {
            if (mime.startsWith("image/")) data.put(mime, text);
            else data.set(mime, lines(text));
        });
        o.set("data", data);
        o.set("metadata", JSON.createObjectNode());
        return o;
    }

    private static ObjectNode errorOutput(String failure) {
        ObjectNode o = JSON.createObjectNode();
        o.put("output_type", "error");
        int colon = failure.indexOf(':');
        o.put("ename", colon > 0 ? failure.substring(0, colon) : "Error");
        o.put("evalue", failure);
        o.set("traceback", JSON.createArrayNode().add(failure));
        return o;
    }

    /** Runs every {@code *.ipynb} in {@code dir} in name order; stops at the first failing notebook. */
    public static List<Result> runAll(Path dir, Path outputDir) throws IOException {
        List<Path> notebooks = notebooks(dir);
        List<Result> results = new ArrayList<>();
        for (Path nb : notebooks) {
            long t0 = System.nanoTime();
            Result r = run(nb, outputDir);
            results.add(r);
            // like a fresh kernel per notebook: what the closed shell held (models, caches, off-heap buffers) goes now
            System.gc();
            System.out.printf(java.util.Locale.ROOT, "%s: %d cells, %d images, %.1fs%s%n", nb.getFileName(), r.cellsRun(), r.images(),
                    (System.nanoTime() - t0) / 1e9, r.ok() ? "" : " FAILED at " + r.error());
            if (!r.ok()) break;
        }
        return results;
    }

    private static final class TeeStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }
}
