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

    /**
     * One learning-rate story: the seed's head at 1e-4, fine-tuning at 2e-5. The current TensorFlow tutorial's 1e-5
     * (its 1e-4 divided by ten) is named once, where notebook 4 says so; no other rate for fine-tuning appears.
     */
    @Test
    void oneLearningRatePairAcrossNotebooksExercisesAndReadme() throws Exception {
        List<Path> files = new ArrayList<>(notebooks());
        files.addAll(NotebookRunner.notebooks(Path.of("src/exercises")));
        files.addAll(NotebookRunner.notebooks(Path.of("notebooks/exercises")));
        files.add(Path.of("README.md"));
        int tutorialMentions = 0;
        for (Path f : files) {
            for (String line : java.nio.file.Files.readAllLines(f)) {
                if (line.contains("1e-5")) {
                    assertTrue(line.contains("tutorial"), f + ": 1e-5 is only the TF tutorial's rate, named as such: " + line.strip());
                    tutorialMentions++;
                }
                assertFalse(line.contains("frozenRate / 10") || line.contains("five times lower (2e-5; the tutorial"), f + ": another story: " + line.strip());
            }
        }
        assertTrue(tutorialMentions >= 1, "notebook 4 names the tutorial's rate");
        for (Path f : List.of(Path.of("notebooks/04_fine_tuning.ipynb"), Path.of("notebooks/06_your_own_dataset.ipynb"),
                Path.of("src/exercises/05_fine_tuning.ipynb"), Path.of("README.md"))) {
            assertTrue(java.nio.file.Files.readString(f).contains("2e-5"), f + " fine-tunes at the seed's 2e-5");
        }
    }
}
