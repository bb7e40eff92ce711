package org.tlworkbook.notebook;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.data.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The exercise notebooks in nbgrader's format: cells carry {@code metadata.nbgrader} ({@code grade},
 * {@code solution}, {@code locked}, {@code points}, {@code grade_id}, {@code schema_version}), and solutions sit
 * between {@code BEGIN SOLUTION} / {@code END SOLUTION} lines. {@link #release} writes the student version, as
 * nbgrader's {@code generate_assignment} does, so instructors can use either tool.
 */
public final class Exercises {
    static final ObjectMapper JSON = NotebookRunner.JSON;
    static final String CODE_STUB = "// YOUR CODE HERE";
    static final String MARKDOWN_STUB = "YOUR ANSWER HERE";

    private Exercises() { }

    /** A cell's nbgrader metadata, or null for a cell nbgrader does not manage. */
    static JsonNode nbgrader(JsonNode cell) {
        JsonNode n = cell.path("metadata").path("nbgrader");
        return n.isObject() ? n : null;
    }

    /**
     * Writes the student version of every notebook in {@code source} to {@code out}: solution regions become a
     * stub ({@code // YOUR CODE HERE}; a solution markdown cell becomes {@code YOUR ANSWER HERE}), outputs are
     * cleared, check cells stay locked. Fails when a solution region is not closed, so no solution can leak.
     */
    public static List<Path> release(Path source, Path out) throws IOException {
        List<Path> written = new ArrayList<>();
        for (Path nb : NotebookRunner.notebooks(source)) {
            ObjectNode doc = (ObjectNode) JSON.readTree(nb.toFile());
            for (JsonNode c : doc.withArray("cells")) {
                ObjectNode cell = (ObjectNode) c;
                JsonNode meta = nbgrader(cell);
                if ("code".equals(cell.path("cell_type").asText())) {
                    cell.set("outputs", JSON.createArrayNode());
                    cell.putNull("execution_count");
                }
                if (meta == null || !meta.path("solution").asBoolean()) continue;
                String text = NotebookRunner.text(cell.get("source"));
                String stubbed = "markdown".equals(cell.path("cell_type").asText()) ? MARKDOWN_STUB : stub(text, nb, meta.path("grade_id").asText());
                cell.set("source", lines(stubbed));
            }
            Path target = out.resolve(nb.getFileName());
            AtomicFiles.write(target, tmp -> JSON.writeValue(tmp.toFile(), doc));
            written.add(target);
        }
        return written;
    }

    /** {@code text} with each solution region replaced by the stub, indented as its BEGIN line. */
    static String stub(String text, Path nb, String gradeId) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (String line : text.split("\n", -1)) {
            if (line.contains("BEGIN SOLUTION")) {
                if (inside) throw new IllegalArgumentException(nb + " cell " + gradeId + ": BEGIN SOLUTION inside a solution region");
                inside = true;
                out.append(line, 0, line.indexOf(line.strip())).append(CODE_STUB).append('\n');
            } else if (line.contains("END SOLUTION")) {
                if (!inside) throw new IllegalArgumentException(nb + " cell " + gradeId + ": END SOLUTION without BEGIN SOLUTION");
                inside = false;
            } else if (!inside) {
                out.append(line).append('\n');
            }
        }
        if (inside) throw new IllegalArgumentException(nb + " cell " + gradeId + ": a solution region is not closed by END SOLUTION");
        return out.substring(0, Math.max(0, out.length() - 1));
    }

    static ArrayNode lines(String text) {
        ArrayNode a = JSON.createArrayNode();
        String[] parts = text.split("\n", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i < parts.length - 1) a.add(parts[i] + "\n");
            else if (!parts[i].isEmpty()) a.add(parts[i]);
        }
        return a;
    }

    /** The graded cells of a notebook, in order: grade_id to points. */
    static Map<String, Double> gradeCells(JsonNode doc) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (JsonNode cell : doc.path("cells")) {
            JsonNode meta = nbgrader(cell);
            if (meta != null && meta.path("grade").asBoolean()) m.put(meta.path("grade_id").asText(), meta.path("points").asDouble());
        }
        return m;
    }
}
