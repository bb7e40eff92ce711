package org.tlworkbook.bench;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Head;
import org.tlworkbook.model.MobileNetV2;
import org.tlworkbook.model.Optimizer;
import org.tlworkbook.model.Predictions;
import org.tlworkbook.model.SyntheticWeights;
import org.tlworkbook.notebook.DemoImages;
import org.tlworkbook.notebook.HeadlessBrowser;
import org.tlworkbook.notebook.WebPage;
import org.tlworkbook.notebook.WebServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The exported web site at full size: a MobileNetV2 (alpha 1.0) classifier of the three demo classes, its site's size
 * file by file, and, where Chromium is installed, the page's time per prediction in headless Chromium (onnxruntime-web,
 * WebAssembly, one thread) and its largest probability difference from the workbook.
 * {@code ./workbook bench web [--size 224] [--iterations 20] [--weights FILE] [--out build/web-bench]}.
 */
public final class WebBench {
    private static final org.nd4j.shade.jackson.databind.ObjectMapper JSON = new org.nd4j.shade.jackson.databind.ObjectMapper();

    private WebBench() { }

    public static void run(int size, int images, Path weights, Path out) throws Exception {
        Path data = DemoImages.threeClasses(out.resolve("images"), 12, Math.max(size, 96));
        ImageFolder folder = ImageFolder.from(data).validationSplit(0.25).seed(1);
        BaseModel base = weights != null ? MobileNetV2.fromWeights(size, 1.0, weights) : MobileNetV2.create(size, 1.0, 1);
        if (weights == null) SyntheticWeights.calibrate(base, folder.training(base).batchSize(16).build().next().getFeatures());
        Classifier model = Classifier.of(base.freeze(), Head.pooledDense(64), folder.classes()).compile(Optimizer.adam(1e-3)).progress(Progress.silent());
        model.fit(folder.training(base).batchSize(8).build(), folder.validation(base).batchSize(8).build(), 2);

        Path site = out.resolve("site");
        long started = System.nanoTime();
        model.exportWeb(site);
        System.out.printf(Locale.ROOT, "mobilenet_v2 %dpx alpha 1.0 (%s weights): site written in %.1f s%n", size,
                weights == null ? "synthetic" : "ImageNet", (System.nanoTime() - started) / 1e9);
        long total = 0;
        try (Stream<Path> files = Files.walk(site)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                System.out.printf(Locale.ROOT, "  %-45s %,12d bytes%n", site.relativize(f), Files.size(f));
                total += Files.size(f);
            }
        }
        System.out.printf(Locale.ROOT, "  %-45s %,12d bytes (%.1f MB)%n", "total", total, total / 1e6);
        if (!HeadlessBrowser.available()) {
            System.out.println("no Chromium on the PATH: the page's timing is skipped (Debian: apt-get install chromium)");
            return;
        }
        List<Path> photos = folder.validationSamples().stream().map(ImageFolder.Sample::path).toList();
        Predictions ours = model.predict(photos.toArray(Path[]::new));
        List<Double> millis = new ArrayList<>();
        double largest = 0;
        try (WebServer server = WebServer.serve(site, 0); HeadlessBrowser browser = HeadlessBrowser.start(900, 640)) {
            started = System.nanoTime();
            WebPage.open(browser, server.url());
            System.out.printf(Locale.ROOT, "  page ready (runtime and model loaded) in %.2f s%n", (System.nanoTime() - started) / 1e9);
            for (int k = 0; k <= images; k++) {
                int i = k % photos.size();
                JsonNode answer = JSON.readTree(WebPage.classify(browser, photos.get(i)));
                JsonNode result = answer.path("result");
                if (!result.isObject()) throw new IllegalStateException(photos.get(i) + ": " + answer.path("error").asText());
                millis.add(result.path("millis").asDouble());
                for (int c = 0; c < model.classes().size(); c++) {
                    largest = Math.max(largest, Math.abs(result.path("probabilities").get(c).asDouble() - ours.probabilities()[i][c]));
                }
            }
        }
        double first = millis.remove(0);
        List<Double> sorted = millis.stream().sorted().toList();
        System.out.printf(Locale.ROOT, "  prediction in the page: first %.1f ms (warm-up), then median %.1f ms, fastest %.1f ms over %d images%n",
                first, sorted.get(sorted.size() / 2), sorted.get(0), sorted.size());
        System.out.printf(Locale.ROOT, "  largest probability difference from the workbook: %.1e (%d validation images)%n", largest, photos.size());
    }
}
