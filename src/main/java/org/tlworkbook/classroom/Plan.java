package org.tlworkbook.classroom;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the grader runs of a submission, decided before anything runs and outside the sandbox: the student's
 * cells as written and the locked cells as the instructor wrote them (hidden tests removed, so no code in the
 * sandbox can read them), whatever the submission holds in their place. A deleted, retyped, renamed or duplicated
 * locked cell costs the checks from there on. A rule no sandbox can enforce, such as "do not call X", becomes a
 * hint beside the verdict, never a verdict.
 */
record Plan(List<RunCell> cells, List<String> checks, Map<String, String> invalid, Map<String, String> manual, Map<String, List<String>> hints) {

    /** A code cell as it will run in the sandbox. */
    record RunCell(int index, String gradeId, boolean locked, boolean check, String source) { }

    private static String gradeId(JsonNode metadata) {
        JsonNode id = metadata.path("nbgrader").path("grade_id");
        return id.isTextual() && !id.asText().isBlank() ? id.asText() : null;
    }

    private static boolean flag(JsonNode metadata, String key) {
        return metadata.path("nbgrader").path(key).asBoolean();
    }

    static Plan of(String notebook, JsonNode instructor, List<SubmissionReader.Cell> submitted) {
        Map<String, SubmissionReader.Cell> locked = new LinkedHashMap<>();
        List<String> checkOrder = new ArrayList<>();
        Map<String, Integer> position = new HashMap<>();
        Set<String> manualIds = new LinkedHashSet<>();
        Map<String, Set<String>> forbidden = new LinkedHashMap<>();
        int pos = 0;
        for (SubmissionReader.Cell cell : SubmissionReader.cells(instructor)) {
            pos++;
            String id = gradeId(cell.metadata());
            if (id == null) continue;
            position.put(id, pos);
            if (flag(cell.metadata(), "locked")) locked.put(id, cell);
            if (flag(cell.metadata(), "grade") && !flag(cell.metadata(), "solution")) checkOrder.add(id);
            if (flag(cell.metadata(), "grade") && flag(cell.metadata(), "solution")) manualIds.add(id);
            Set<String> names = new LinkedHashSet<>();
            cell.metadata().path("workbook").path("forbidden").forEach(n -> names.add(n.asText()));
            if (!names.isEmpty()) forbidden.put(id, names);
        }
        Map<String, Integer> seen = new HashMap<>();
        List<RunCell> cells = new ArrayList<>();
        Map<String, String> manual = new LinkedHashMap<>();
        Set<String> graded = new LinkedHashSet<>();
        int index = 0;
        for (SubmissionReader.Cell cell : submitted) {
            index++;
            String id = gradeId(cell.metadata());
            SubmissionReader.Cell original = id == null ? null : locked.get(id);
            if (original != null) {
                boolean sameType = original.type().equals(cell.type());
                if (sameType) seen.merge(id, 1, Integer::sum);
                if (!"code".equals(original.type()) || !sameType) continue;
                boolean check = checkOrder.contains(id) && graded.add(id); // a duplicated check counts once
                String source = original.source().contains("BEGIN HIDDEN TESTS")
                        ? Exercises.region(original.source(), Path.of(notebook), id, "HIDDEN TESTS", null) : original.source();
                cells.add(new RunCell(index, id, true, check, source));
            } else if ("code".equals(cell.type())) {
                cells.add(new RunCell(index, id, false, false, cell.source()));
            } else if (id != null && manualIds.contains(id) && !manual.containsKey(id)) {
                manual.put(id, Check.cut(cell.source(), 20_000));
            }
        }
        Map<String, String> invalid = new LinkedHashMap<>();
        for (String id : locked.keySet()) {
            int n = seen.getOrDefault(id, 0);
            if (n == 1) continue;
            String why = n == 0 ? "the locked cell '" + id + "' is missing (deleted, or its type or grade_id changed): restore it from the released notebook"
                    : "the locked cell '" + id + "' appears " + n + " times: keep one copy, as released";
            for (String check : checkOrder) if (position.get(check) >= position.get(id)) invalid.putIfAbsent(check, why);
        }
        for (String check : checkOrder) {
            if (!graded.contains(check)) invalid.putIfAbsent(check, "the check cell '" + check + "' is missing: restore it from the released notebook");
        }
        Set<String> studentNames = new LinkedHashSet<>();
        for (RunCell c : cells) if (!c.locked()) studentNames.addAll(Names.all(c.source()));
        Map<String, List<String>> hints = new LinkedHashMap<>();
        for (var f : forbidden.entrySet()) {
            for (String name : f.getValue()) {
                if (studentNames.contains(name)) {
                    hints.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add("the exercise asks you to work this out without " + name
                            + "(), and your cells call it: a hint to try it by hand, not a penalty");
                }
            }
        }
        return new Plan(cells, checkOrder, invalid, manual, hints);
    }

    /** The checks the checker decides: every check not voided before running. */
    List<String> decidable() {
        return checks.stream().filter(c -> !invalid.containsKey(c)).toList();
    }

    /** The cells as the sandboxed runner reads them. */
    ObjectNode json() {
        ObjectNode doc = Exercises.JSON.createObjectNode();
        ArrayNode a = doc.putArray("cells");
        for (RunCell c : cells) a.addObject().put("index", c.index()).put("source", c.source());
        return doc;
    }
}
