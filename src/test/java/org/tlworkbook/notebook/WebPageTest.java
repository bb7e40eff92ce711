package org.tlworkbook.notebook;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Predictions;
import org.tlworkbook.testing.TestImages;
import org.tlworkbook.testing.TrainedModels;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The exported web site in a real browser: headless Chromium loads the served page, a test image goes in through the
 * page's own file input, and the probabilities the page shows are the workbook's. Bad files get a message on the page,
 * and the page goes on working after them.
 */
@Tag("slow") // a browser per model: about 10 s each
class WebPageTest {
    /** PNGs the page need not resize, or resizes as the workbook does, agree to float32 rounding. */
    static final double PNG_TOLERANCE = 1e-4;
    /** Chromium decodes JPEG with libjpeg-turbo and Java with its own decoder: pixels differ by a level or two. */
    static final double JPEG_TOLERANCE = 0.02;

    @TempDir
    static Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0} {1}px, {3} head, {4} classes")
    @CsvSource({"mobilenet_v2, 64, 0.35, binary, 2", "vgg16, 32, 1.0, flatten_dense, 3", "mobilenet_v2, 48, 0.5, pooled_dense, 3"})
    void thePageInChromiumGivesTheWorkbooksProbabilities(String base, int size, double alpha, String head, int classes) throws Exception {
        assumeTrue(HeadlessBrowser.available(), "no Chromium on the PATH (Debian: apt-get install chromium): the browser test is skipped");
        Classifier model = TrainedModels.get(base, size, alpha, head, classes).model();
        Path site = tmp.resolve(base + size + head + classes);
        model.exportWeb(site);
        JsonNode meta = JSON.readTree(site.resolve("model.json").toFile());
        assertEquals(size, meta.path("image_size").asInt());
        assertEquals(model.classes().size(), meta.path("classes").size());

        Path images = Files.createDirectories(tmp.resolve("images-" + base + size + classes));
        List<Path> pngs = new ArrayList<>();
        for (int c = 0; c < classes; c++) pngs.add(TestImages.writePng(images.resolve("class" + c + ".png"), TestImages.classImage(size, c, 11 + c)));
        Path resized = TestImages.writePng(images.resolve("odd size.png"), TestImages.classImage(97, 1, 5).getSubimage(0, 0, 97, 61));
        Path gray = TestImages.grayscalePng(images.resolve("gray.png"), 70, 50);
        Path jpeg = TestImages.writeJpeg(images.resolve("photo.jpg"), TestImages.classImage(120, 0, 9));
        Path cmyk = TestImages.cmykJpeg(images.resolve("cmyk.jpg"), TestImages.classImage(64, 1, 4), TestImages.CmykKind.ADOBE_CMYK);
        Path text = Files.writeString(images.resolve("notes.jpg"), "not an image at all\n");
        Path huge = hugeHeaderPng(images.resolve("huge.png"), 40_000, 40_000);
        Path empty = Files.createFile(images.resolve("empty.png"));

        Predictions ours = model.predict(Stream.concat(pngs.stream(), Stream.of(resized, gray, jpeg, cmyk)).toArray(Path[]::new));
        try (WebServer server = WebServer.serve(site, 0); HeadlessBrowser browser = HeadlessBrowser.start(900, 640)) {
            browser.open(server.url(), "window.workbook && workbook.state !== 'loading'", Duration.ofSeconds(90));
            assertEquals("ready", browser.value("workbook.state").asText(), "the page loaded its model: " + browser.value("workbook.error"));

            double largest = 0;
            List<Double> millis = new ArrayList<>();
            for (int i = 0; i < pngs.size() + 2; i++) {
                Path image = i < pngs.size() ? pngs.get(i) : i == pngs.size() ? resized : gray;
                JsonNode result = choose(browser, image);
                assertEquals("done", result.path("state").asText(), image + ": " + result);
                double diff = difference(result.path("result").path("probabilities"), ours, i);
                largest = Math.max(largest, diff);
                assertTrue(diff <= PNG_TOLERANCE, image.getFileName() + ": page vs workbook " + diff);
                assertEquals(ours.get(i).label(), result.path("result").path("label").asText());
                millis.add(result.path("result").path("millis").asDouble());
            }
            assertTrue(choose(browser, gray).path("notes").toString().contains("grayscale"), "a grayscale image gets a note");

            JsonNode photo = choose(browser, jpeg);
            assertEquals("done", photo.path("state").asText(), photo.toString());
            double jpegDiff = difference(photo.path("result").path("probabilities"), ours, pngs.size() + 2);
            assertTrue(jpegDiff <= JPEG_TOLERANCE, "JPEG: page vs workbook " + jpegDiff);
            JsonNode printer = choose(browser, cmyk);
            assertEquals("done", printer.path("state").asText(), printer.toString());
            assertTrue(printer.path("notes").toString().contains("CMYK"), printer.toString());
            double cmykDiff = difference(printer.path("result").path("probabilities"), ours, pngs.size() + 3);

            for (Path bad : List.of(text, huge, empty)) {
                JsonNode refused = choose(browser, bad);
                assertEquals("refused", refused.path("state").asText(), bad + ": " + refused);
                String message = browser.value("document.getElementById('message').textContent").asText();
                assertEquals(refused.path("error").asText(), message, "the reason is on the page");
                assertTrue(message.contains(bad.getFileName().toString()), message);
            }
            assertTrue(choose(browser, huge).path("error").asText().contains("pixel limit"));
            assertTrue(choose(browser, text).path("error").asText().contains("not an image"));
            JsonNode after = choose(browser, pngs.get(0));
            assertEquals("done", after.path("state").asText(), "the page still works after refusing files: " + after);
            browser.value(DROP_A_PHOTO);
            browser.waitUntil(WebPage.ANSWERED, Duration.ofSeconds(60));
            assertEquals("dropped.png", browser.value("workbook.result && workbook.result.file").asText(), "a dropped photo is classified too");
            assertEquals("[]", browser.value("workbook.notes").toString(), "an opaque PNG with an alpha channel gets no transparency note");
            JsonNode transparent = choose(browser, TestImages.alphaPng(images.resolve("alpha.png"), 40, 40));
            assertTrue(transparent.path("notes").toString().contains("transparent pixels"), transparent.toString());

            BufferedImage shot = browser.screenshot();
            Path png = Files.createDirectories(Path.of("target", "web")).resolve("page-" + base + "-" + classes + ".png");
            ImageIO.write(shot, "png", png.toFile());
            assertTrue(countNear(shot, 0x2f6fdf) > 200, "the screenshot shows the top class's bar (" + png + ")");
            millis.remove(0); // the first run includes onnxruntime's warm-up
            System.out.printf(Locale.ROOT, "web page %s %dpx %d classes: largest PNG difference %.1e, JPEG %.1e, CMYK JPEG %.1e; %.1f ms per image (median); site %,d bytes%n",
                    base, size, classes, largest, jpegDiff, cmykDiff, millis.stream().sorted().toList().get(millis.size() / 2), siteBytes(site));
        }
    }

    /** What dropping a file on the page does: a 40 x 30 PNG made in the page, in a drop event's DataTransfer. */
    static final String DROP_A_PHOTO = """
            new Promise((resolve) => {
              const canvas = document.createElement('canvas');
              canvas.width = 40;
              canvas.height = 30;
              const g = canvas.getContext('2d');
              g.fillStyle = '#c83';
              g.fillRect(0, 0, 40, 30);
              canvas.toBlob((blob) => {
                const dt = new DataTransfer();
                dt.items.add(new File([blob], 'dropped.png', { type: 'image/png' }));
                workbook.state = 'chosen';
                document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
                resolve(true);
              }, 'image/png');
            })""";

    @Test
    void aPageOpenedAsAFileOrWithoutItsRuntimeSaysWhatToDo() throws Exception {
        assumeTrue(HeadlessBrowser.available(), "no Chromium on the PATH (Debian: apt-get install chromium): the browser test is skipped");
        Path site = tmp.resolve("as-file");
        TrainedModels.get("mobilenet_v2", 64, 0.35, "binary", 2).model().exportWeb(site);
        Path broken = tmp.resolve("without-runtime");
        TrainedModels.get("mobilenet_v2", 64, 0.35, "binary", 2).model().exportWeb(broken);
        Files.delete(broken.resolve("onnxruntime-web/ort.wasm.bundle.min.mjs"));
        try (HeadlessBrowser browser = HeadlessBrowser.start(800, 600); WebServer server = WebServer.serve(broken, 0)) {
            browser.open(site.resolve("index.html").toUri(), "window.workbook && workbook.state === 'failed'", Duration.ofSeconds(30));
            assertTrue(browser.value("document.getElementById('message').textContent").asText().contains("./workbook serve"));
            browser.open(server.url(), "window.workbook && workbook.state === 'failed'", Duration.ofSeconds(30));
            assertTrue(browser.value("document.getElementById('message').textContent").asText().contains("serve the whole folder"));
            assertTrue(browser.value("document.getElementById('file').disabled").asBoolean(), "no file can be chosen without a model");
        }
    }

    @Test
    void theServerServesTheSiteAndNothingOutsideIt() throws Exception {
        Path site = Files.createDirectories(tmp.resolve("plain-site"));
        Files.writeString(site.resolve("index.html"), "<p>hello</p>");
        Files.writeString(tmp.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(site.resolve("link.txt"), tmp.resolve("secret.txt"));
        HttpClient http = HttpClient.newHttpClient();
        try (WebServer server = WebServer.serve(site, 0)) {
            assertEquals("127.0.0.1", server.url().getHost());
            HttpResponse<String> index = http.send(HttpRequest.newBuilder(server.url()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, index.statusCode());
            assertEquals("<p>hello</p>", index.body());
            assertTrue(index.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
            for (String path : List.of("../secret.txt", "%2e%2e/secret.txt", "link.txt", "missing.js", "..%2fsecret.txt")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(404, r.statusCode(), path);
                assertFalse(r.body().contains("secret"), path);
            }
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(server.url()).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
        }
        IllegalArgumentException notSite = assertThrows(IllegalArgumentException.class, () -> WebServer.serve(tmp, 0));
        assertTrue(notSite.getMessage().contains("no index.html"), notSite.getMessage());
    }

    /** Chooses {@code image} in the page's file input and waits for its answer: state, result, error and notes. */
    static JsonNode choose(HeadlessBrowser browser, Path image) throws IOException {
        return JSON.readTree(WebPage.classify(browser, image));
    }

    static double difference(JsonNode page, Predictions ours, int i) {
        float[] expected = ours.probabilities()[i];
        assertEquals(expected.length, page.size(), "one probability per class");
        double max = 0;
        for (int c = 0; c < expected.length; c++) max = Math.max(max, Math.abs(page.get(c).asDouble() - expected[c]));
        return max;
    }

    private static int countNear(BufferedImage image, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                int d = Math.abs(((p >> 16) & 255) - ((rgb >> 16) & 255)) + Math.abs(((p >> 8) & 255) - ((rgb >> 8) & 255)) + Math.abs((p & 255) - (rgb & 255));
                if (d < 12) n++;
            }
        }
        return n;
    }

    static long siteBytes(Path site) throws IOException {
        try (Stream<Path> s = Files.walk(site)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** A PNG whose header claims {@code w} x {@code h} pixels, with a few bytes of data: what a decompression bomb looks like. */
    static Path hugeHeaderPng(Path file, int w, int h) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(ihdr);
        d.writeInt(w);
        d.writeInt(h);
        d.write(new byte[]{8, 2, 0, 0, 0});
        chunk(out, "IHDR", ihdr.toByteArray());
        chunk(out, "IDAT", new byte[]{0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return Files.write(file, bytes.toByteArray());
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        out.writeInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
