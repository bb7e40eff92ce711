package org.tlworkbook.notebook;

import org.tlworkbook.notebook.internal.NotebookJson;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a learner should find in an executed notebook, whoever executed it (the headless runner, IJava, JJava):
 * no errors, no display id or {@code PrintStream@} left as a cell's value, output in whole lines, a few stream
 * lines per training cell (progress is a bar updated in place), history tables as HTML.
 */
final class NotebookChecks {
    static final int MAX_STREAM_LINES_PER_TRAINING_CELL = 12;
    private static final Pattern DISPLAY_ID = Pattern.compile("\\s*\"?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\"?\\s*");

    private NotebookChecks() { }

    /** Problems found in the executed notebook {@code file}; {@code images} counts its PNG outputs into {@code imageCount[0]}. */
    static List<String> problems(Path file, int[] imageCount) throws IOException {
        JsonNode nb = new ObjectMapper().readTree(file.toFile());
        List<String> problems = new ArrayList<>();
        String name = file.getFileName().toString();
        int index = 0;
        for (JsonNode cell : nb.get("cells")) {
            index++;
            if (!"code".equals(cell.path("cell_type").asText())) continue;
            String source = NotebookJson.text(cell.get("source"));
            String where = name + " cell " + index;
            int streamLines = 0;
            boolean html = false;
            for (JsonNode out : cell.path("outputs")) {
                String type = out.path("output_type").asText();
                if (type.equals("error")) problems.add(where + ": error " + NotebookJson.text(out.get("evalue")));
                if (type.equals("stream")) {
                    String t = NotebookJson.text(out.get("text"));
                    streamLines += (int) t.chars().filter(c -> c == '\n').count();
                    if (!t.endsWith("\n")) problems.add(where + ": a stream message is not a whole line: '" + t + "'");
                }
                if (out.path("data").has("image/png")) imageCount[0]++;
                if (type.equals("execute_result")) {
                    String plain = NotebookJson.text(out.path("data").get("text/plain"));
                    if (DISPLAY_ID.matcher(plain).matches()) problems.add(where + ": a display id is the cell's value: " + plain);
                    if (plain.contains("java.io.PrintStream@")) problems.add(where + ": a PrintStream is the cell's value");
                    html |= out.path("data").has("text/html");
                }
            }
            if (source.contains(".fit(") && streamLines > MAX_STREAM_LINES_PER_TRAINING_CELL) {
                problems.add(where + ": " + streamLines + " stream lines in a training cell (at most " + MAX_STREAM_LINES_PER_TRAINING_CELL + ")");
            }
            if (source.strip().endsWith("toTable()") && !html) problems.add(where + ": the table is not shown as HTML");
        }
        return problems;
    }
}
