package org.tlworkbook.notebook;

import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The chapter layout every teaching notebook follows (d2l's): what you will learn first, takeaways and something to
 * try last; no learner cell that tests the profile's name; learning curves shown after every call to {@code fit}.
 */
class NotebookStructureTest {
    static List<Path> notebooks() throws Exception {
        List<Path> all = NotebookRunner.notebooks(Path.of("notebooks"));
        assertTrue(all.size() >= 7, "the seven chapters: " + all);
        return all;
    }

    static List<JsonNode> cells(Path nb) throws Exception {
        List<JsonNode> cells = new ArrayList<>();
        NotebookRunner.JSON.readTree(nb.toFile()).path("cells").forEach(cells::add);
        return cells;
    }

    @Test
    void everyNotebookOpensWithItsGoalsAndRunTimeAndClosesWithTakeawaysAndSomethingToTry() throws Exception {
        for (Path nb : notebooks()) {
            List<JsonNode> cells = cells(nb);
            assertTrue(NotebookRunner.text(cells.get(0).get("source")).startsWith("# "), nb + ": a title first");
            String opening = NotebookRunner.text(cells.get(1).get("source"));
            for (String part : List.of("## In this notebook", "You will learn", "Before this", "Run time on 2 cores", "quick", "full")) {
                assertTrue(opening.contains(part), nb + ": the second cell states its goals; missing '" + part + "'");
            }
            JsonNode last = cells.get(cells.size() - 1);
            assertEquals("markdown", last.path("cell_type").asText(), nb + ": ends in prose");
            String closing = NotebookRunner.text(last.get("source"));
            assertTrue(closing.contains("## Takeaways") && closing.contains("## Try this"), nb + ": ends with takeaways and something to try");
        }
    }

    @Test
    void noLearnerCellAsksWhichProfileRuns() throws Exception {
        for (Path nb : notebooks()) {
            for (JsonNode c : cells(nb)) {
                String source = NotebookRunner.text(c.get("source"));
                if ("code".equals(c.path("cell_type").asText())) {
                    assertFalse(source.contains("profile.name()"), nb + ": a learner cell tests the profile's name: " + source);
                }
            }
        }
    }

    @Test
    void learningCurvesFollowEveryTrainingCell() throws Exception {
        int fits = 0;
        for (Path nb : notebooks()) {
            boolean pending = false;
            for (JsonNode c : cells(nb)) {
                if (!"code".equals(c.path("cell_type").asText())) continue;
                String source = NotebookRunner.text(c.get("source"));
                if (source.contains("LearningCurves.plot(")) pending = false;
                if (source.contains(".fit(")) {
                    assertFalse(pending, nb + ": two training cells without curves between them");
                    pending = !source.contains("LearningCurves.plot(");
                    fits++;
                }
            }
            assertFalse(pending, nb + ": training without the curves after it");
        }
        assertTrue(fits >= 4, "03, 04, 06 and 07 train: " + fits);
    }
}
