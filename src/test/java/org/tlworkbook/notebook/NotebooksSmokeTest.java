package org.tlworkbook.notebook;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.tlworkbook.testing.SmokeFixtures;
import org.tlworkbook.testing.TestImages;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Every notebook runs top to bottom in the smoke profile, offline, on data and weights made here. */
@org.junit.jupiter.api.Tag("slow") // sandboxes, kernels, processes or round trips: minutes; -DexcludedGroups=slow leaves them out
class NotebooksSmokeTest {
    @TempDir
    static Path tmp;
    static List<NotebookRunner.Result> results;
    static final Path OUT = Path.of("target", "executed-notebooks");

    @BeforeAll
    static void runAll() throws Exception {
        Path mirror = SmokeFixtures.mirror(tmp);
        System.setProperty("workbook.data", tmp.resolve("data").toString());
        System.setProperty("workbook.mirror", mirror.toString());
        System.setProperty("workbook.profile", "smoke");
        System.setProperty("workbook.notebook", "true");
        System.setProperty("workbook.own_data", TestImages.folder(tmp.resolve("own"), 40, 6, "kitesurfing", "surfing", "windsurfing").toString());
        results = NotebookRunner.runAll(Path.of("notebooks"), OUT);
    }

    @AfterAll
    static void clear() {
        for (String p : new String[]{"workbook.data", "workbook.mirror", "workbook.profile", "workbook.notebook", "workbook.own_data"}) {
            System.clearProperty(p);
        }
    }

    @Test
    void everyNotebookRunsWithoutErrors() throws Exception {
        assertEquals(8, results.size(), "all eight notebooks ran: " + results);
        for (NotebookRunner.Result r : results) {
            assertTrue(r.ok(), r.output() + " failed: " + r.error());
            assertEquals(List.of(), NotebookChecks.problems(r.output(), new int[1]));
        }
        String frozen = Files.readString(OUT.resolve("03_frozen_base_training.ipynb"));
        assertTrue(frozen.contains("<progress value="), "progress is a live bar, saved in its last state");
        assertTrue(frozen.contains("<table class=\\\"dataframe\\\">"), "tables render as HTML");
    }

    @Test
    void plotNotebooksShowImages() throws Exception {
        for (String name : new String[]{"01_dataset_download.ipynb", "02_image_generators.ipynb", "03_frozen_base_training.ipynb",
                "05_learning_curves_and_evaluation.ipynb", "06_your_own_dataset.ipynb", "07_vgg16_with_augmentation.ipynb",
                "08_what_the_model_learned.ipynb"}) {
            NotebookRunner.Result r = results.stream().filter(x -> x.output().getFileName().toString().equals(name)).findFirst().orElseThrow();
            assertTrue(r.images() > 0, name + " displayed no image");
        }
        String curves = Files.readString(OUT.resolve("05_learning_curves_and_evaluation.ipynb"));
        assertTrue(curves.contains("\"image/png\""));
        assertTrue(curves.contains("validation accuracy"), "evaluation printed its accuracy");
        assertTrue(curves.contains("val_accuracy"), "the history table (a trailing call's value) is shown");
        assertTrue(curves.contains("precision"), "the per-class table is shown");
        String fine = Files.readString(OUT.resolve("04_fine_tuning.ipynb"));
        assertTrue(fine.contains("block_11_expand_relu"), "fine-tuning starts at layer 100");
        assertTrue(fine.contains("trainable arrays: 56"), "54 base arrays + 2 head arrays, as in Keras");
    }

    @Test
    void executedNotebooksAreValidNbformat() throws Exception {
        Process probe = new ProcessBuilder("python3", "-c", "import nbformat").redirectErrorStream(true).start();
        boolean available = probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0;
        org.junit.jupiter.api.Assumptions.assumeTrue(available,
                "python3 with nbformat not installed (CI installs it)");
        List<String> cmd = new ArrayList<>(List.of("python3", "-c",
                "import sys, json, nbformat\nfor p in sys.argv[1:]:\n    raw = json.load(open(p))\n"
                + "    assert (raw['nbformat'], raw['nbformat_minor']) >= (4, 5) and all('id' in c for c in raw['cells']), p + ' lacks cell ids'\n"
                + "    nbformat.validate(nbformat.reads(json.dumps(raw), as_version=4))\nprint('valid', len(sys.argv) - 1)"));
        for (NotebookRunner.Result r : results) cmd.add(r.output().toString());
        try (var sources = Files.list(Path.of("notebooks"))) {
            sources.filter(n -> n.toString().endsWith(".ipynb")).sorted().forEach(n -> cmd.add(n.toString()));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("valid 16"), "the 8 executed and the 8 source notebooks: " + out);
    }

    @Test
    void theGalleryHasAPagePerNotebookWithItsOutputs() throws Exception {
        List<Path> pages = Gallery.write(results.stream().map(NotebookRunner.Result::output).toList(), OUT.resolve("site"));
        assertEquals(8, pages.size());
        String index = Files.readString(OUT.resolve("site/index.html"));
        for (Path p : pages) assertTrue(index.contains("href=\"" + p.getFileName() + "\""), p + " is linked from the index");
        assertTrue(index.contains("5. Learning curves and evaluation"), "pages are titled by their first heading");
        String curves = Files.readString(OUT.resolve("site/05_learning_curves_and_evaluation.html"));
        assertTrue(curves.contains("<img alt=\"plot\" src=\"data:image/png;base64,"), "plots are inline images");
        assertTrue(curves.contains("<table class=\"dataframe\">"), "tables are HTML");
        assertTrue(curves.contains("<h2>How good is it, and where does it fail?</h2>"), "markdown is rendered");
        assertFalse(curves.contains("<script"), "no script: the page reads offline as it is");
    }

    /** The gallery page of notebook 05 shows its learning curves in a real browser. */
    @Test
    void galleryPageShowsTheCurvesInHeadlessChromium() throws Exception {
        assertTrue(galleryShowsFirstPlot("05_learning_curves_and_evaluation", 2600), "the learning-curves plot is visible on the gallery page");
    }

    /** Notebook 08 printed its figures, and its gallery page shows its first plot (the feature space) in a real browser. */
    @Test
    void galleryPageOfNotebook08ShowsItsPlotsInHeadlessChromium() throws Exception {
        String executed = Files.readString(OUT.resolve("08_what_the_model_learned.ipynb"));
        for (String part : new String[]{"LearningRateFinder.Result(", "test images: ECE", "Data efficiency", "images per class"}) {
            assertTrue(executed.contains(part), "08 printed " + part);
        }
        assertTrue(galleryShowsFirstPlot("08_what_the_model_learned", 3000), "the feature-space plot is visible on the gallery page");
    }

    private static boolean galleryWritten;

    /** Writes the gallery of the executed notebooks (once), screenshots {@code name}'s page and looks for its first plot's pixels. */
    private static boolean galleryShowsFirstPlot(String name, int height) throws Exception {
        String chromium = BrowserCheck.chromium();
        org.junit.jupiter.api.Assumptions.assumeTrue(chromium != null, "needs chromium (.ci/run installs it)");
        Path site = OUT.resolve("site-browser");
        if (!galleryWritten) { // this run's notebooks, never a gallery left in target/ by an earlier run
            Gallery.write(results.stream().map(NotebookRunner.Result::output).toList(), site);
            galleryWritten = true;
        }
        Path shot = OUT.resolve("gallery_" + name.substring(0, 2) + ".png");
        Files.deleteIfExists(shot);
        BrowserCheck.screenshot(chromium, site.resolve(name + ".html"), shot, 1400, height);
        java.awt.image.BufferedImage page = javax.imageio.ImageIO.read(shot.toFile());
        assertNotNull(page, "chromium wrote a PNG screenshot " + shot);
        return BrowserCheck.contains(page, BrowserCheck.firstPng(OUT.resolve(name + ".ipynb")));
    }

    /**
     * Renders the executed learning-curves notebook to HTML with nbconvert, screenshots it in headless
     * Chromium, and finds the plot's own pixels on the screenshot: the chart really shows in a browser.
     */
    @Test
    void learningCurvesShowInHeadlessChromium() throws Exception {
        String chromium = BrowserCheck.chromium();
        org.junit.jupiter.api.Assumptions.assumeTrue(chromium != null && BrowserCheck.python("import nbconvert"),
                "needs chromium and python3 nbconvert (.ci/run installs both)");
        Path notebook = OUT.resolve("05_learning_curves_and_evaluation.ipynb");
        BrowserCheck.run(List.of("python3", "-m", "nbconvert", "--to", "html", "--output-dir", OUT.toString(), notebook.toString()));
        Path html = OUT.resolve("05_learning_curves_and_evaluation.html");
        assertTrue(Files.isRegularFile(html), "nbconvert wrote " + html);
        Path shot = OUT.resolve("05_learning_curves_screenshot.png");
        Files.deleteIfExists(shot);
        BrowserCheck.screenshot(chromium, html, shot, 1400, 2600);
        java.awt.image.BufferedImage page = javax.imageio.ImageIO.read(shot.toFile());
        assertNotNull(page, "chromium wrote a PNG screenshot");
        java.awt.image.BufferedImage curves = BrowserCheck.firstPng(notebook);
        assertTrue(BrowserCheck.contains(page, curves), "the learning-curves plot is visible in the rendered page " + shot);
        java.awt.image.BufferedImage blank = new java.awt.image.BufferedImage(curves.getWidth(), curves.getHeight(),
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < blank.getHeight(); y++) for (int x = 0; x < blank.getWidth(); x++) blank.setRGB(x, y, (x * 7 + y * 13) * 0x010305);
        assertFalse(BrowserCheck.contains(page, blank), "the search does not find pixels that are not there");
    }
}
