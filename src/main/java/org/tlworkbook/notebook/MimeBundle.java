package org.tlworkbook.notebook;

import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

import javax.imageio.ImageIO;
import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a notebook output holds for an object, by MIME type, as Jupyter wants it: images as PNG, tables as
 * HTML (what a learner used to pandas expects) with the plain text kept for consoles, anything else as text.
 */
final class MimeBundle {
    private MimeBundle() { }

    /** A live progress line: text for consoles, a bar for the browser. */
    record ProgressView(String line, long done, long total) { }

    static Map<String, String> of(Object o) {
        Map<String, String> b = new LinkedHashMap<>();
        if (o instanceof RenderedImage img) {
            b.put("image/png", png(img));
            b.put("text/plain", "<image " + img.getWidth() + "x" + img.getHeight() + ">");
        } else if (o instanceof Table t) {
            b.put("text/html", html(t));
            b.put("text/plain", t.printAll());
        } else if (o instanceof ProgressView p) {
            String bar = p.total() > 0 ? "<progress value=\"" + p.done() + "\" max=\"" + p.total() + "\" style=\"width:16em\"></progress> " : "";
            b.put("text/html", "<div>" + bar + "<code>" + escape(p.line()) + "</code></div>");
            b.put("text/plain", p.line());
        } else {
            b.put("text/plain", String.valueOf(o));
        }
        return b;
    }

    private static String png(RenderedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    /** A pandas-like HTML table: header row, numbers right-aligned, fractions to 4 decimals. */
    static String html(Table t) {
        StringBuilder sb = new StringBuilder("<table class=\"dataframe\"><caption>").append(escape(t.name())).append("</caption><thead><tr>");
        for (String name : t.columnNames()) sb.append("<th>").append(escape(name)).append("</th>");
        sb.append("</tr></thead><tbody>");
        for (int r = 0; r < t.rowCount(); r++) {
            sb.append("<tr>");
            for (Column<?> c : t.columns()) {
                Object v = c.get(r);
                boolean number = v instanceof Number;
                sb.append(number ? "<td style=\"text-align:right\">" : "<td>").append(escape(cell(v))).append("</td>");
            }
            sb.append("</tr>");
        }
        return sb.append("</tbody></table>").toString();
    }

    private static String cell(Object v) {
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d)) return "";
            if (d != 0 && Math.abs(d) < 1e-3) return String.format(Locale.ROOT, "%.2e", d);
            return String.format(Locale.ROOT, "%.4f", d).replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return String.valueOf(v);
    }

    static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
