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
            browser.open(server.url(), "window.workbook && workbook.state !== 'loading'", Duration.ofSeconds(120));
            if (!browser.value("workbook.state").asText().equals("ready")) {
                throw new IOException("the page could not load its model: " + browser.value("workbook.error").asText());
            }
            browser.evaluate("workbook.state = 'chosen'");
            browser.chooseFile("#file", photo);
            browser.waitUntil("workbook.state === 'done' || workbook.state === 'refused'", Duration.ofSeconds(60));
            return browser.screenshot();
        }
    }
}
