package org.tlworkbook.classroom;

import org.tlworkbook.notebook.internal.NotebookJson;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.notebook.NotebookRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * Student notebooks made from the instructor's sources, as a class would hand them in: the released version with
 * an answer of one's choice, or edited cell by cell. The grader's tests and its benchmark build their classes
 * with it.
 */
public final class Submissions {
    private final Path source;

    public Submissions(Path source) {
        this.source = source;
    }

    /** The instructor's solution code of {@code notebook} (its solution cell, markers included). */
    public String solution(String notebook) throws IOException {
        for (JsonNode c : Exercises.JSON.readTree(source.resolve(notebook).toFile()).path("cells")) {
            if (Exercises.flag(c, "solution") && "code".equals(c.path("cell_type").asText())) return NotebookJson.text(c.get("source"));
        }
        throw new IllegalArgumentException("no solution cell in " + notebook);
    }

    /** The student version of {@code notebook} with its code solution cell holding {@code code}, as notebook JSON. */
    public String withAnswer(String notebook, String code) throws IOException {
        return edit(notebook, cells -> {
            for (JsonNode c : cells) {
                if (Exercises.flag(c, "solution") && "code".equals(c.path("cell_type").asText())) ((ObjectNode) c).set("source", Exercises.lines(code));
            }
            return cells;
        });
    }

    /** The student version of {@code notebook} with its cells changed by {@code change}, as notebook JSON. */
    public String edit(String notebook, UnaryOperator<ArrayNode> change) throws IOException {
        ObjectNode doc = Exercises.studentVersion((ObjectNode) Exercises.JSON.readTree(source.resolve(notebook).toFile()), source.resolve(notebook));
        doc.set("cells", change.apply((ArrayNode) doc.get("cells")));
        return doc.toString();
    }

    /** The released (blank) version of {@code notebook}. */
    public String blank(String notebook) throws IOException {
        return edit(notebook, cells -> cells);
    }

    /** Writes {@code json} as {@code dir/<student>/<name>}. */
    public static Path write(Path dir, String student, String name, String json) throws IOException {
        Path file = Files.createDirectories(dir.resolve(student)).resolve(name);
        Files.writeString(file, json);
        return file;
    }
}
