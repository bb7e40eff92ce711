package org.tlworkbook.notebook;

import org.tlworkbook.notebook.internal.NotebookJson;

import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.tlworkbook.data.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Executed notebooks as a small static site ({@code build/site/}): one page per notebook with its markdown,
 * code and outputs (plots, HTML tables, progress in its final state), and an index, so a learner can read
 * every result without running anything. Needs neither Python nor Jupyter.
 */
public final class Gallery {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Parser MARKDOWN = Parser.builder().build();
    private static final HtmlRenderer HTML = HtmlRenderer.builder().build();
    private static final String STYLE = """
            body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.45;color:#222}
            pre{background:#f6f8fa;padding:.6em .8em;overflow-x:auto;border-radius:4px;font-size:.9em}
            pre.code{border-left:3px solid #4a7dc9} pre.out{background:#fff;border-left:3px solid #ccc}
            table.dataframe{border-collapse:collapse;margin:.5em 0;font-size:.9em}
            table.dataframe td,table.dataframe th{border:1px solid #ddd;padding:.2em .6em}
            table.dataframe caption{text-align:left;color:#666}
            img{max-width:100%} .error{color:#b00020} nav a{margin-right:1em}""";

    private Gallery() { }

    /** Writes one page per notebook and {@code index.html} into {@code site}; returns the pages. */
    public static List<Path> write(List<Path> executed, Path site) throws IOException {
        Files.createDirectories(site);
        List<Path> pages = new ArrayList<>();
        StringBuilder index = new StringBuilder("<h1>Transfer Learning Workbook: executed notebooks</h1><ol>");
        for (Path nb : executed) {
            JsonNode root = JSON.readTree(nb.toFile());
            String title = title(root, nb);
            Path page = site.resolve(nb.getFileName().toString().replaceAll("\\.ipynb$", ".html"));
            String body = "<nav><a href=\"index.html\">all notebooks</a></nav>" + cells(root);
            AtomicFiles.writeString(page, page(title, body));
            pages.add(page);
            index.append("<li><a href=\"").append(page.getFileName()).append("\">").append(MimeBundle.escape(title)).append("</a>");
            String failure = failure(root);
            if (failure != null) index.append(" <span class=\"error\">(failed: ").append(MimeBundle.escape(failure)).append(")</span>");
            index.append("</li>");
        }
        AtomicFiles.writeString(site.resolve("index.html"), page("Transfer Learning Workbook", index.append("</ol>").toString()));
        return pages;
    }

    /** The first error a notebook's cells hold, as "cell N: message", or null when every cell ran. */
    static String failure(JsonNode root) {
        int count = 0;
        for (JsonNode cell : root.path("cells")) {
            if (!"code".equals(cell.path("cell_type").asText())) continue;
            count++;
            for (JsonNode out : cell.path("outputs")) {
                if ("error".equals(out.path("output_type").asText())) return "cell " + count + ": " + NotebookJson.text(out.get("evalue"));
            }
        }
        return null;
    }

    private static String page(String title, String body) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + MimeBundle.escape(title)
                + "</title><style>" + STYLE + "</style></head><body>" + body + "</body></html>\n";
    }

    private static String title(JsonNode root, Path nb) {
        for (JsonNode cell : root.path("cells")) {
            if (!"markdown".equals(cell.path("cell_type").asText())) continue;
            for (String line : NotebookJson.text(cell.get("source")).split("\n")) if (line.startsWith("# ")) return line.substring(2).strip();
        }
        return nb.getFileName().toString();
    }

    private static String cells(JsonNode root) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode cell : root.path("cells")) {
            String source = NotebookJson.text(cell.get("source"));
            if ("markdown".equals(cell.path("cell_type").asText())) {
                sb.append(HTML.render(MARKDOWN.parse(source)));
                continue;
            }
            sb.append("<pre class=\"code\"><code>").append(MimeBundle.escape(source)).append("</code></pre>");
            for (JsonNode out : cell.path("outputs")) sb.append(output(out));
        }
        return sb.toString();
    }

    private static String output(JsonNode out) {
        String type = out.path("output_type").asText();
        if (type.equals("stream")) return "<pre class=\"out\">" + MimeBundle.escape(NotebookJson.text(out.get("text"))) + "</pre>";
        if (type.equals("error")) return "<pre class=\"out error\">" + MimeBundle.escape(NotebookJson.text(out.get("evalue"))) + "</pre>";
        JsonNode data = out.path("data");
        if (data.has("image/png")) return "<p><img alt=\"plot\" src=\"data:image/png;base64," + NotebookJson.text(data.get("image/png")).strip() + "\"></p>";
        if (data.has("text/html")) return "<div class=\"out\">" + NotebookJson.text(data.get("text/html")) + "</div>";
        if (data.has("text/plain")) return "<pre class=\"out\">" + MimeBundle.escape(NotebookJson.text(data.get("text/plain"))) + "</pre>";
        return "";
    }
}
