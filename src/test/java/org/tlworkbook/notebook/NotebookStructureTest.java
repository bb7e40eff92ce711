package org.tlworkbook.notebook;

import org.tlworkbook.notebook.internal.NotebookJson;

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
        NotebookJson.JSON.readTree(nb.toFile()).path("cells").forEach(cells::add);
        return cells;
    }

    @Test
    void everyNotebookOpensWithItsGoalsAndRunTimeAndClosesWithTakeawaysAndSomethingToTry() throws Exception {
        for (Path nb : notebooks()) {
            List<JsonNode> cells = cells(nb);
            assertTrue(NotebookJson.text(cells.get(0).get("source")).startsWith("# "), nb + ": a title first");
            String opening = NotebookJson.text(cells.get(1).get("source"));
            for (String part : List.of("## In this notebook", "You will learn", "Before this", "Run time on 2 cores", "quick", "full")) {
                assertTrue(opening.contains(part), nb + ": the second cell states its goals; missing '" + part + "'");
            }
            JsonNode last = cells.get(cells.size() - 1);
            assertEquals("markdown", last.path("cell_type").asText(), nb + ": ends in prose");
            String closing = NotebookJson.text(last.get("source"));
            assertTrue(closing.contains("## Takeaways") && closing.contains("## Try this"), nb + ": ends with takeaways and something to try");
        }
    }

    @Test
    void noLearnerCellAsksWhichProfileRuns() throws Exception {
        for (Path nb : notebooks()) {
            for (JsonNode c : cells(nb)) {
                String source = NotebookJson.text(c.get("source"));
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
                String source = NotebookJson.text(c.get("source"));
                boolean curves = source.contains("LearningCurves.plot(") || source.contains("LearningCurves.compare(");
                if (curves) pending = false;
                if (source.contains(".fit(")) {
                    assertFalse(pending, nb + ": two training cells without curves between them");
                    pending = !curves;
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
                Path.of("src/exercises/04_fine_tuning.ipynb"), Path.of("README.md"))) {
            assertTrue(java.nio.file.Files.readString(f).contains("2e-5"), f + " fine-tunes at the seed's 2e-5");
        }
    }

    private static final java.util.regex.Pattern MEASURED = java.util.regex.Pattern.compile("\\b0\\.\\d{2,}\\b|\\d+(\\.\\d+)?\\s?%|~\\s?\\d");

    /**
     * An accuracy the text states can contradict the output beside it (another run, another CPU, another profile), so
     * the text states none: notebooks print them from their own results ({@code history.describe()}, evaluations).
     * Chance (0.5, one in three) and the 20% of a split are facts, not results, and stay.
     */
    @Test
    void noMarkdownStatesAnAccuracyTheOutputDoesNotPrint() throws Exception {
        List<Path> files = new ArrayList<>(notebooks()); // an exercise's bar ("at least 0.6") is a requirement, not a result
        List<String> found = new ArrayList<>();
        for (Path nb : files) {
            for (JsonNode c : cells(nb)) {
                if (!"markdown".equals(c.path("cell_type").asText())) continue;
                for (String sentence : NotebookJson.text(c.get("source")).split("(?<=[.:;!?])\\s+")) {
                    if (!sentence.toLowerCase(java.util.Locale.ROOT).matches("(?s).*(accura|reaches|up from|gain).*")) continue;
                    if (MEASURED.matcher(sentence).find()) found.add(nb.getFileName() + ": " + sentence.replace('\n', ' '));
                }
            }
        }
        assertEquals(List.of(), found, "accuracies stated in prose; print them from the notebook's own results instead");
        assertTrue(MEASURED.matcher("validation accuracy about 0.95, up from 0.87").find() && MEASURED.matcher("~94% accuracy").find()
                && !MEASURED.matcher("chance is 0.5; hold out 20 images").find(), "the pattern catches what it is for");
    }

    /**
     * Learning curves zoom the accuracy axis to the data (LearningCurvesTest checks how): every notebook draws them with
     * the one default call, and the first to draw them says the axis is zoomed.
     */
    @Test
    void curvesAreDrawnZoomedToTheDataAndTheCourseSaysSo() throws Exception {
        boolean explained = false;
        for (Path nb : notebooks()) {
            for (JsonNode c : cells(nb)) {
                String source = NotebookJson.text(c.get("source"));
                if ("markdown".equals(c.path("cell_type").asText()) && source.contains("zoomed to the data")) explained = true;
                if (!"code".equals(c.path("cell_type").asText())) continue;
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("LearningCurves\\.plot\\(([^;]*)\\);").matcher(source);
                while (m.find()) {
                    assertTrue(m.group(1).matches("[\\w.]*history\\(?\\)?\\)?"), nb + ": curves drawn with another range or size: " + m.group());
                    assertTrue(explained, nb + " draws curves before the course says their accuracy axis is zoomed");
                }
            }
        }
    }
}
