package org.tlworkbook.notebook;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Helpers for checking executed notebooks in a real browser: nbconvert, headless Chromium, pixel search. */
final class BrowserCheck {
    private BrowserCheck() { }

    static String chromium() {
        return HeadlessBrowser.chromium().map(Path::toString).orElse(null);
    }

    static boolean python(String code) {
        return org.tlworkbook.testing.Processes.python(code);
    }

    static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        if (p.exitValue() != 0) throw new AssertionError(command + " failed:\n" + out);
        return out;
    }

    static void screenshot(String chromium, Path html, Path png, int width, int height) throws Exception {
        screenshot(chromium, html.toAbsolutePath().toUri().toString(), png, width, height, 0);
    }

    /** Screenshots {@code url}; a positive {@code settleMillis} lets a script-built page (JupyterLab) finish rendering first. */
    static void screenshot(String chromium, String url, Path png, int width, int height, int settleMillis) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--window-size=" + width + "," + height, "--screenshot=" + png.toAbsolutePath()));
        if (settleMillis > 0) cmd.add("--virtual-time-budget=" + settleMillis);
        cmd.add(url);
        run(cmd);
        if (!Files.isRegularFile(png)) throw new AssertionError("chromium wrote no screenshot at " + png);
    }

    /** The first PNG output of an executed notebook. */
    static BufferedImage firstPng(Path notebook) throws IOException {
        JsonNode nb = new ObjectMapper().readTree(notebook.toFile());
        for (JsonNode cell : nb.get("cells")) {
            for (JsonNode out : cell.path("outputs")) {
                JsonNode png = out.path("data").path("image/png");
                if (!png.isMissingNode()) {
                    String b64 = png.isArray() ? String.join("", textOf(png)) : png.asText();
                    return ImageIO.read(new ByteArrayInputStream(Base64.getMimeDecoder().decode(b64)));
                }
            }
        }
        throw new AssertionError(notebook + " has no PNG output");
    }

    private static List<String> textOf(JsonNode array) {
        List<String> parts = new ArrayList<>();
        array.forEach(n -> parts.add(n.asText()));
        return parts;
    }

    /**
     * Whether {@code needle} appears unscaled somewhere in {@code page}: 400 of its non-white pixels (spread
     * over the whole image) must all match within a small tolerance (browsers may round colours slightly).
     */
    static boolean contains(BufferedImage page, BufferedImage needle) {
        List<int[]> samples = new ArrayList<>();
        java.util.Random r = new java.util.Random(1);
        for (int tries = 0; tries < 100_000 && samples.size() < 400; tries++) {
            int x = r.nextInt(needle.getWidth()), y = r.nextInt(needle.getHeight());
            int rgb = needle.getRGB(x, y) & 0xFFFFFF;
            if (rgb != 0xFFFFFF) samples.add(new int[]{x, y, rgb});
        }
        if (samples.size() < 50) throw new IllegalArgumentException("needle image is blank");
        int[] anchor = samples.get(0);
        for (int py = 0; py + needle.getHeight() <= page.getHeight(); py++) {
            for (int px = 0; px + needle.getWidth() <= page.getWidth(); px++) {
                if (!close(page.getRGB(px + anchor[0], py + anchor[1]), anchor[2])) continue;
                boolean all = true;
                for (int[] s : samples) {
                    if (!close(page.getRGB(px + s[0], py + s[1]), s[2])) {
                        all = false;
                        break;
                    }
                }
                if (all) return true;
            }
        }
        return false;
    }

    private static boolean close(int a, int b) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((a >> shift) & 0xFF) - ((b >> shift) & 0xFF)) > 6) return false;
        }
        return true;
    }
}
