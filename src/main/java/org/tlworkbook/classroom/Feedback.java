package org.tlworkbook.classroom;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What grading writes for people: the long {@code grades.csv} (a row per graded cell and a TOTAL per student), the
 * wide {@code gradebook.csv} (student by notebook, as a gradebook imports it) and, per student and notebook, an
 * HTML page of the executed cells with each check's verdict and hint, as nbgrader's {@code generate_feedback}.
 */
final class Feedback {
    private Feedback() { }

    static String gradesCsv(List<Grader.Row> rows) {
        StringBuilder sb = new StringBuilder();
        try (CSVPrinter csv = new CSVPrinter(sb, CSV.builder().setHeader("student", "notebook", "grade_id", "points", "max_points", "feedback").build())) {
            Map<String, double[]> totals = new LinkedHashMap<>();
            for (Grader.Row r : rows) {
                csv.printRecord(text(r.student()), text(r.notebook()), text(r.gradeId()), r.points() == null ? "" : number(r.points()),
                        number(r.maxPoints()), text(r.feedback()));
                double[] t = totals.computeIfAbsent(r.student(), k -> new double[2]);
                t[0] += r.points() == null ? 0 : r.points();
                t[1] += r.maxPoints();
            }
            for (var t : totals.entrySet()) {
                csv.printRecord(text(t.getKey()), "TOTAL", "", number(t.getValue()[0]), number(t.getValue()[1]), "");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }

    /** Rows of a grades.csv this class wrote (TOTAL rows skipped). */
    static List<Grader.Row> parseGrades(String csv) {
        List<Grader.Row> rows = new ArrayList<>();
        try (CSVParser parser = CSV.builder().setHeader().setSkipHeaderRecord(true).build().parse(new StringReader(csv))) {
            for (CSVRecord f : parser) {
                if (f.size() < 6 || f.get(1).equals("TOTAL")) continue;
                rows.add(new Grader.Row(untext(f.get(0)), untext(f.get(1)), untext(f.get(2)), f.get(3).isEmpty() ? null : Double.parseDouble(f.get(3)),
                        Double.parseDouble(f.get(4)), untext(f.get(5))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    /** Student by notebook totals; {@code max} holds each notebook's points, in column order. */
    static String gradebookCsv(List<Grader.Row> rows, Map<String, Double> max) {
        List<String> notebooks = new ArrayList<>(max.keySet());
        Map<String, Map<String, Double>> book = new LinkedHashMap<>();
        Set<String> students = new java.util.TreeSet<>();
        for (Grader.Row r : rows) {
            students.add(r.student());
            book.computeIfAbsent(r.student(), k -> new LinkedHashMap<>()).merge(r.notebook(), r.points() == null ? 0 : r.points(), Double::sum);
        }
        List<String> header = new ArrayList<>(List.of("student"));
        for (String nb : notebooks) header.add(text(nb.replace(".ipynb", "")));
        header.addAll(List.of("total", "max_points"));
        double maxTotal = 0;
        for (String nb : notebooks) maxTotal += max.getOrDefault(nb, 0.0);
        StringBuilder sb = new StringBuilder();
        try (CSVPrinter csv = new CSVPrinter(sb, CSV.builder().setHeader(header.toArray(String[]::new)).build())) {
            for (String s : students) {
                List<String> row = new ArrayList<>(List.of(text(s)));
                double total = 0;
                for (String nb : notebooks) {
                    Double p = book.get(s).get(nb);
                    row.add(p == null ? "" : number(p));
                    total += p == null ? 0 : p;
                }
                row.add(number(total));
                row.add(number(maxTotal));
                csv.printRecord(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }

    /** The feedback page of one graded notebook: every cell as it ran, its output, and the verdict of each check. */
    static String html(String student, String notebook, List<Grader.Row> rows, List<JsonNode> records, List<String> notes) {
        double points = rows.stream().mapToDouble(r -> r.points() == null ? 0 : r.points()).sum();
        double max = rows.stream().mapToDouble(Grader.Row::maxPoints).sum();
        Map<String, Grader.Row> byId = new LinkedHashMap<>();
        for (Grader.Row r : rows) byId.put(r.gradeId(), r);
        StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(esc(notebook)).append(" - ").append(esc(student)).append("</title><style>")
                .append("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}")
                .append("pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;white-space:pre-wrap}")
                .append(".out{background:#fff;border-left:3px solid #ccc}.err{color:#a00}")
                .append(".pass{background:#e6f4ea;border:1px solid #34a853;padding:.5rem}.fail{background:#fce8e6;border:1px solid #d93025;padding:.5rem}")
                .append(".manual{background:#fef7e0;border:1px solid #f9ab00;padding:.5rem}.locked{color:#666;font-size:.85rem}")
                .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .6rem;text-align:left}</style></head><body>\n");
        h.append("<h1>").append(esc(notebook)).append("</h1>\n<p>Student: <b>").append(esc(student)).append("</b>. Score: <b>")
                .append(number(points)).append(" of ").append(number(max)).append("</b>").append(rows.stream().anyMatch(r -> r.points() == null)
                        ? " (written answers still to be graded by hand)" : "").append(".</p>\n<table><tr><th>check</th><th>points</th><th>feedback</th></tr>\n");
        for (Grader.Row r : rows) {
            h.append("<tr><td>").append(esc(r.gradeId())).append("</td><td>").append(r.points() == null ? "by hand" : number(r.points()))
                    .append(" / ").append(number(r.maxPoints())).append("</td><td>").append(esc(r.feedback())).append("</td></tr>\n");
        }
        h.append("</table>\n");
        for (String note : notes) h.append("<p class=\"fail\">").append(esc(note)).append("</p>\n");
        for (JsonNode r : records) {
            switch (r.path("type").asText()) {
                case "cell" -> {
                    h.append("<h3>Cell ").append(r.path("index").asInt()).append(r.path("locked").asBoolean() ? " <span class=\"locked\">(locked: run as released)</span>" : "")
                            .append("</h3>\n<pre>").append(esc(r.path("source").asText())).append("</pre>\n");
                    if (!r.path("output").asText().isEmpty()) h.append("<pre class=\"out\">").append(esc(r.path("output").asText())).append("</pre>\n");
                    if (r.has("error")) h.append("<pre class=\"err\">").append(esc(r.path("error").asText())).append("</pre>\n");
                }
                case "check" -> {
                    Grader.Row row = byId.get(r.path("grade_id").asText());
                    boolean pass = row != null && row.points() != null && row.points() > 0;
                    h.append("<div class=\"").append(pass ? "pass" : "fail").append("\">").append(pass ? "&#10003; " : "&#10007; ")
                            .append(esc(r.path("grade_id").asText())).append(": ").append(esc(row == null ? r.path("feedback").asText() : row.feedback()))
                            .append("</div>\n");
                }
                case "manual" -> h.append("<h3>Written answer (").append(esc(r.path("grade_id").asText())).append(")</h3>\n<div class=\"manual\">")
                        .append(esc(r.path("answer").asText())).append("<br><i>graded by hand</i></div>\n");
                default -> { }
            }
        }
        return h.append("</body></html>\n").toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static final CSVFormat CSV = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').build();

    /**
     * A text field on one line, and never read as a formula: a spreadsheet opening the gradebook runs a cell that starts
     * with = + - or @ (a student's folder can be named so), so such a cell gets a leading apostrophe, as OWASP advises.
     */
    static String text(String s) {
        String one = s.replace("\r", " ").replace("\n", " ").strip();
        return !one.isEmpty() && "=+-@".indexOf(one.charAt(0)) >= 0 ? "'" + one : one;
    }

    static String untext(String s) {
        return s.length() > 1 && s.charAt(0) == '\'' && "=+-@".indexOf(s.charAt(1)) >= 0 ? s.substring(1) : s;
    }
}
