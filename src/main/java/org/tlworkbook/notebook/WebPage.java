package org.tlworkbook.notebook;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a visitor of an exported web site sees: notebook 06 serves the site on this machine, opens it in headless
 * Chromium, chooses a photo in the page's own file input and shows the page as an image. Where there is no Chromium
 * (Binder, most laptops) it says how to open the page instead, so the notebook still runs top to bottom.
 */
public final class WebPage {
    private WebPage() { }

    /** The page with {@code photo} classified, as an image; or, without Chromium, a sentence saying how to see it. */
    public static Object show(Path site, Path photo) throws IOException {
        if (!HeadlessBrowser.available()) {
            return "No Chromium on this machine to take a picture of the page: run ./workbook serve " + site
                    + " in a terminal and open the address it prints in your browser.";
        }
        return screenshot(site, photo, 900, 560);
    }

    /** The page in a {@code width} x {@code height} window after classifying {@code photo}; needs Chromium. */
    public static BufferedImage screenshot(Path site, Path photo, int width, int height) throws IOException {
        try (WebServer server = WebServer.serve(site, 0); HeadlessBrowser browser = HeadlessBrowser.start(width, height)) {
            open(browser, server.url());
            classify(browser, photo);
            return browser.screenshot();
        }
    }

    /** Opens an exported page and waits until it has loaded its model; a page that could not says why. */
    public static void open(HeadlessBrowser browser, java.net.URI url) throws IOException {
        browser.open(url, "window.workbook && workbook.state !== 'loading'", Duration.ofSeconds(120));
        if (!browser.value("workbook.state").asText().equals("ready")) {
            throw new IOException("the page could not load its model: " + browser.value("workbook.error").asText());
        }
    }

    /**
     * Chooses {@code photo} in the open page's file input, as a visitor does, and waits for the page's answer: JSON
     * {@code {state: "done"|"refused", result: {file, label, probabilities, millis, ...}, error, notes}}.
     */
    public static String classify(HeadlessBrowser browser, Path photo) throws IOException {
        browser.evaluate("workbook.state = 'chosen'");
        browser.chooseFile("#file", photo);
        browser.waitUntil(ANSWERED, Duration.ofSeconds(60));
        return browser.evaluate("({state: workbook.state, result: workbook.result, error: workbook.error, notes: workbook.notes})");
    }

    /** The page has answered the last photo it was given. */
    static final String ANSWERED = "workbook.state === 'done' || workbook.state === 'refused'";
}
