package org.tlworkbook.classroom;

import org.tlworkbook.notebook.internal.NotebookJson;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.data.AtomicFiles;
import org.tlworkbook.notebook.NotebookRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The exercise notebooks in nbgrader's format (schema version 4): cells carry {@code metadata.nbgrader}
 * ({@code grade}, {@code solution}, {@code locked}, {@code points}, {@code grade_id}, {@code schema_version}),
 * solutions sit between {@code BEGIN SOLUTION} / {@code END SOLUTION} lines and hidden tests between
 * {@code BEGIN HIDDEN TESTS} / {@code END HIDDEN TESTS}. The instructor's sources live in {@code src/exercises/},
 * apart from what learners open; {@link #release} writes the student version, as nbgrader's
 * {@code generate_assignment} does, so instructors can use either tool.
 */
public final class Exercises {
    static final ObjectMapper JSON = NotebookJson.JSON;

    /** {@code node} as one line of JSON. */
    static String compact(JsonNode node) {
        try {
            return JSON.writer().without(org.nd4j.shade.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
    static final String CODE_STUB = "// YOUR CODE HERE";
    static final String MARKDOWN_STUB = "YOUR ANSWER HERE";
    /** The nbgrader metadata schema this workbook writes (nbgrader 0.8 and later). */
    static final int SCHEMA_VERSION = 4;
    /** The kernelspec {@code environment/install-kernel.sh} installs. */
    static final String KERNEL = "workbook-java";

    /** A graded cell: its points, and whether a person grades it (a written answer) rather than its check. */
    record GradeCell(String id, double points, boolean manual) { }

    private Exercises() { }

    /** A cell's nbgrader metadata, or null for a cell nbgrader does not manage. */
    static JsonNode nbgrader(JsonNode cell) {
        JsonNode n = cell.path("metadata").path("nbgrader");
        return n.isObject() ? n : null;
    }

    static boolean flag(JsonNode cell, String key) {
        JsonNode meta = nbgrader(cell);
        return meta != null && meta.path(key).asBoolean();
    }

    static String gradeId(JsonNode cell) {
        JsonNode meta = nbgrader(cell);
        return meta == null ? null : meta.path("grade_id").asText(null);
    }

    /**
     * Writes the student version of every notebook in {@code source} to {@code out}: solution regions become a
     * stub ({@code // YOUR CODE HERE}; a solution cell without markers and a written answer become a whole stub),
     * hidden tests are removed, outputs are cleared, locked cells stay locked. Fails when a region is not closed,
     * so no solution can leak. Refuses to write into {@code source}, and over existing notebooks unless {@code force}.
     */
    public static List<Path> release(Path source, Path out, boolean force) throws IOException {
        List<Path> sources = NotebookRunner.notebooks(source);
        if (sources.isEmpty()) throw new IllegalArgumentException("No exercise notebooks (*.ipynb) in " + source);
        if (Files.isDirectory(out) && Files.isSameFile(source, out)) {
            throw new IllegalArgumentException("--out " + out + " is the source folder: releasing there would replace the solutions with stubs. "
                    + "Choose another folder.");
        }
        if (!force) {
            List<String> existing = new ArrayList<>();
            for (Path nb : sources) if (Files.exists(out.resolve(nb.getFileName()))) existing.add(nb.getFileName().toString());
            if (!existing.isEmpty()) {
                throw new IllegalArgumentException(out + " already holds " + existing + ": add --force to replace them, or choose an empty folder.");
            }
        }
        Map<Path, ObjectNode> released = new LinkedHashMap<>();
        List<String> plain = new ArrayList<>();
        for (Path nb : sources) {
            ObjectNode doc = (ObjectNode) JSON.readTree(nb.toFile());
            boolean exercise = false;
            for (JsonNode c : doc.withArray("cells")) exercise |= nbgrader((ObjectNode) c) != null;
            if (!exercise) plain.add(nb.getFileName().toString());
            released.put(nb, studentVersion(doc, nb));
        }
        if (!plain.isEmpty()) {
            throw new IllegalArgumentException(source + " holds notebooks with no exercise cells (no nbgrader metadata): " + plain
                    + ". Release from the instructor's exercises, src/exercises; the course notebooks need no release");
        }
        List<Path> written = new ArrayList<>();
        for (var e : released.entrySet()) {
            Path target = out.resolve(e.getKey().getFileName());
            AtomicFiles.write(target, tmp -> JSON.writeValue(tmp.toFile(), e.getValue()));
            written.add(target);
        }
        return written;
    }

    /** The student version of one instructor notebook (a copy; {@code doc} is not changed). */
    static ObjectNode studentVersion(ObjectNode source, Path nb) {
        ObjectNode doc = source.deepCopy();
        for (JsonNode c : doc.withArray("cells")) {
            ObjectNode cell = (ObjectNode) c;
            JsonNode meta = nbgrader(cell);
            boolean code = "code".equals(cell.path("cell_type").asText());
            if (code) {
                cell.set("outputs", JSON.createArrayNode());
                cell.putNull("execution_count");
            }
            if (meta == null) continue;
            ((ObjectNode) meta).put("cell_type", cell.path("cell_type").asText()); // as generate_assignment: a retyped cell is seen at grading
            String text = NotebookJson.text(cell.get("source"));
            String id = meta.path("grade_id").asText();
            if (meta.path("solution").asBoolean()) {
                String stubbed = !code ? MARKDOWN_STUB : text.contains("BEGIN SOLUTION") ? region(text, nb, id, "SOLUTION", CODE_STUB) : CODE_STUB;
                cell.set("source", lines(stubbed));
            } else if (text.contains("BEGIN HIDDEN TESTS")) {
                cell.set("source", lines(region(text, nb, id, "HIDDEN TESTS", null)));
            }
        }
        return doc;
    }

    /** {@code text} with each BEGIN/END {@code marker} region replaced by {@code stub} (indented as its BEGIN line), or dropped when null. */
    static String region(String text, Path nb, String gradeId, String marker, String stub) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (String line : text.split("\n", -1)) {
            if (line.contains("BEGIN " + marker)) {
                if (inside) throw new IllegalArgumentException(nb + " cell " + gradeId + ": BEGIN " + marker + " inside a region");
                inside = true;
                if (stub != null) out.append(line, 0, line.indexOf(line.strip())).append(stub).append('\n');
            } else if (line.contains("END " + marker)) {
                if (!inside) throw new IllegalArgumentException(nb + " cell " + gradeId + ": END " + marker + " without BEGIN " + marker);
                inside = false;
            } else if (!inside) {
                out.append(line).append('\n');
            }
        }
        if (inside) throw new IllegalArgumentException(nb + " cell " + gradeId + ": a region is not closed by END " + marker);
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

    /** The graded cells of a notebook, in order. */
    static List<GradeCell> gradeCells(JsonNode doc) {
        List<GradeCell> cells = new ArrayList<>();
        for (JsonNode cell : doc.path("cells")) {
            JsonNode meta = nbgrader(cell);
            if (meta == null || !meta.path("grade").asBoolean()) continue;
            boolean manual = meta.path("solution").asBoolean();
            cells.add(new GradeCell(meta.path("grade_id").asText(), meta.path("points").asDouble(), manual));
        }
        return cells;
    }

    /**
     * What nbgrader's validator would reject in {@code doc}, one line per problem (empty when valid): its rules for
     * schema version 4 metadata, grade ids, points, cell types and solution markers, plus this workbook's own:
     * locked cells are not editable or deletable, and the kernelspec is the installed one.
     */
    static List<String> problems(JsonNode doc) {
        List<String> problems = new ArrayList<>();
        if (!KERNEL.equals(doc.path("metadata").path("kernelspec").path("name").asText())) {
            problems.add("kernelspec name is not " + KERNEL);
        }
        java.util.Set<String> ids = new java.util.HashSet<>();
        int index = 0;
        for (JsonNode cell : doc.path("cells")) {
            index++;
            JsonNode meta = nbgrader(cell);
            String where = "cell " + index;
            if (meta == null) continue;
            String type = cell.path("cell_type").asText();
            for (String key : new String[]{"grade", "solution", "locked", "schema_version"}) {
                if (!meta.has(key)) problems.add(where + ": no " + key);
            }
            if (meta.path("schema_version").asInt() != SCHEMA_VERSION) problems.add(where + ": schema_version is not " + SCHEMA_VERSION);
            meta.fieldNames().forEachRemaining(k -> {
                if (!ALLOWED_KEYS.contains(k)) problems.add(where + ": nbgrader metadata has a key its schema does not allow: " + k);
            });
            if (meta.has("cell_type") && !meta.path("cell_type").asText().equals(type)) problems.add(where + ": nbgrader cell_type does not match the cell's type");
            boolean grade = meta.path("grade").asBoolean(), solution = meta.path("solution").asBoolean(), locked = meta.path("locked").asBoolean();
            String id = meta.path("grade_id").asText("");
            if ((grade || solution || locked) && id.isEmpty()) problems.add(where + ": no grade_id");
            if (!id.matches("[a-zA-Z0-9_\\-]*")) problems.add(where + ": grade_id '" + id + "' has characters nbgrader refuses");
            if ((grade || solution || locked) && !ids.add(id)) problems.add(where + ": duplicate grade id '" + id + "'");
            if (grade && !(meta.path("points").isNumber() && meta.path("points").asDouble() > 0)) problems.add(where + ": a graded cell needs points > 0");
            if ("markdown".equals(type) && solution && !grade) problems.add(where + ": a markdown solution cell must be graded (nbgrader's rule)");
            if ("markdown".equals(type) && grade && !solution) problems.add(where + ": a graded markdown cell must be a solution cell");
            if (solution && locked) problems.add(where + ": a solution cell cannot be locked");
            if (locked) {
                if (cell.path("metadata").path("editable").asBoolean(true)) problems.add(where + ": a locked cell must have editable: false");
                if (cell.path("metadata").path("deletable").asBoolean(true)) problems.add(where + ": a locked cell must have deletable: false");
            }
            String text = NotebookJson.text(cell.get("source"));
            int begins = count(text, "BEGIN SOLUTION"), ends = count(text, "END SOLUTION");
            if (begins != ends) problems.add(where + ": BEGIN SOLUTION and END SOLUTION do not pair up");
            if (begins > 0 && !solution) problems.add(where + ": solution markers in a cell that is not a solution cell");
            if (count(text, "BEGIN HIDDEN TESTS") != count(text, "END HIDDEN TESTS")) problems.add(where + ": hidden test markers do not pair up");
        }
        return problems;
    }

    private static final java.util.Set<String> ALLOWED_KEYS = java.util.Set.of("schema_version", "grade", "locked", "solution", "task",
            "grade_id", "points", "checksum", "cell_type", "duplicate");

    private static int count(String text, String marker) {
        int n = 0;
        for (int i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, i + 1)) n++;
        return n;
    }
}
