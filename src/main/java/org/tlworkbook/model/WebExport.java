package org.tlworkbook.model;

import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.Workbook;
import org.tlworkbook.data.ImageDecoder;
import org.tlworkbook.data.SafeUnzip;
import org.tlworkbook.engine.KerasLayer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * A classifier as a static web site that predicts in the browser: the model as ONNX with the pixel scaling in the
 * graph, its metadata as {@code model.json}, a page and its script, and onnxruntime-web's WebAssembly build (pinned in
 * the pom, vendored here so the page loads nothing from elsewhere). The WASM binary is stored gzipped and unpacked by
 * the page, since a static host need not compress it: that keeps a MobileNetV2 site near 13 MB instead of 24.
 * The site is built beside its folder and renamed into place, so a folder holds a whole site or none.
 */
final class WebExport {
    /** What {@code model.json}'s {@code format} says, and how an earlier export is recognised before it is replaced. */
    static final String FORMAT = "transfer-learning-workbook web site 1";
    static final String RESIZE = "bilinear, sample points at (i + 0.5) * source / target - 0.5, edges repeated, no antialiasing";
    private static final String RUNTIME = "onnxruntime-web/";
    private static final List<String> PAGE = List.of("index.html", "workbook-web.js");
    private static final ObjectMapper JSON = new ObjectMapper();

    private WebExport() { }

    static void write(Classifier model, List<KerasLayer> layers, Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        checkReplaceable(target);
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".");
        try {
            OnnxExport.write(model, layers, tmp.resolve("model.onnx"), true);
            Files.writeString(tmp.resolve("model.json"), metadata(model, runtimeVersion()));
            for (String file : PAGE) copy("web/" + file, tmp.resolve(file));
            Path runtime = Files.createDirectories(tmp.resolve(RUNTIME));
            copy("web/" + RUNTIME + "ort.wasm.bundle.min.mjs", runtime.resolve("ort.wasm.bundle.min.mjs"));
            copy("web/" + RUNTIME + "package.json", runtime.resolve("package.json"));
            Files.write(runtime.resolve("ort-wasm-simd-threaded.wasm.gz"), gzippedRuntime());
            replace(tmp, target);
        } finally {
            SafeUnzip.deleteTree(tmp);
        }
    }

    private static byte[] gzippedRuntime;

    /** The runtime's 15 MB of WebAssembly, gzipped once per JVM: the same bytes for every site, and a second of CPU each time. */
    private static synchronized byte[] gzippedRuntime() throws IOException {
        if (gzippedRuntime == null) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(4 << 20);
            try (InputStream in = resource("web/" + RUNTIME + "ort-wasm-simd-threaded.wasm");
                 OutputStream out = new GZIPOutputStream(bytes, 1 << 16) {
                     { def.setLevel(Deflater.BEST_COMPRESSION); }
                 }) {
                in.transferTo(out);
            }
            gzippedRuntime = bytes.toByteArray();
        }
        return gzippedRuntime;
    }

    /** The page's contract: what it feeds the graph and how it reads the output. */
    static String metadata(Classifier model, String runtimeVersion) throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT);
        m.putPOJO("classes", model.classes());
        m.put("image_size", model.base().size());
        m.put("input", "float32 (1, " + model.base().size() + ", " + model.base().size() + ", 3): RGB values 0-255 after resizing; the graph scales them ("
                + OnnxExport.formula(model.base().preprocessing()) + ")");
        m.put("output", model.head().isBinary() ? "sigmoid" : "probabilities");
        m.put("resize", RESIZE);
        m.put("max_pixels", ImageDecoder.DEFAULT_MAX_PIXELS);
        m.put("base", model.base().name());
        m.put("head", model.head().kind().label());
        m.put("preprocessing", model.base().preprocessing().name());
        m.put("workbook_version", Workbook.version());
        m.put("onnxruntime_web", runtimeVersion);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n";
    }

    static String runtimeVersion() throws IOException {
        try (InputStream in = resource("web/" + RUNTIME + "package.json")) {
            return JSON.readTree(in).path("version").asText("unknown");
        }
    }

    /** Only an empty folder or an earlier site is replaced: a wrong {@code --out} must not delete someone's files. */
    private static void checkReplaceable(Path target) throws IOException {
        if (!Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        if (!Files.isDirectory(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("cannot write a web site to " + target + ": it is a file; give a folder name such as build/site");
        }
        if (isEmpty(target) || isSite(target)) return;
        throw new IllegalArgumentException("cannot write a web site to " + target + ": the folder holds other files, which a site export would replace;"
                + " give a new or empty folder (an earlier site export there is replaced)");
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static boolean isSite(Path dir) {
        Path json = dir.resolve("model.json");
        try {
            return Files.isRegularFile(json, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.size(json) < 1 << 20
                    && FORMAT.equals(JSON.readTree(json.toFile()).path("format").asText());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void replace(Path built, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old.");
            Files.move(target, old.resolve("site"), StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(built, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (old != null) Files.move(old.resolve("site"), target, StandardCopyOption.ATOMIC_MOVE);
            throw e;
        } finally {
            if (old != null) SafeUnzip.deleteTree(old);
        }
    }

    private static void copy(String name, Path to) throws IOException {
        try (InputStream in = resource(name)) {
            Files.copy(in, to);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = WebExport.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException("the web page's file " + name + " is missing from the workbook's build: rebuild it with ./mvnw -B package"
                    + " (which fetches onnxruntime-web from the npm registry once)");
        }
        return in;
    }
}
