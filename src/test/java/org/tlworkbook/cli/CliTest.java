package org.tlworkbook.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tlworkbook.data.DataHome;
import org.tlworkbook.testing.CliTraining;
import org.tlworkbook.testing.TestImages;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The CLI refuses what it cannot do, at once and saying why, and takes the caller's paths as the caller meant them. */
class CliTest {
    @TempDir
    static Path tmp;
    static CliTraining fx;
    static Path weights;
    static Path images;

    @BeforeAll
    static void fixtures() throws Exception {
        fx = CliTraining.in(tmp, 6);
        weights = fx.weights();
        images = fx.images();
    }

    @AfterEach
    void clear() {
        System.clearProperty("workbook.mirror");
    }

    /** Runs the CLI in this JVM; returns {exit code, stderr}. */
    static String[] cli(String... argv) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            return new String[]{Integer.toString(Main.run(argv)), captured.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setErr(err);
        }
    }

    @Test
    void optionsThatNeedAValueRefuseToRunWithoutOne() {
        String[] r = cli("train", "--data", images.toString(), "--out");
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("--out needs a value"), r[1]);
        assertFalse(Files.exists(Path.of("true")), "nothing trains into a folder named 'true'");
        r = cli("summary", "--size");
        assertTrue(r[1].contains("--size needs a value"), r[1]);
        assertFalse(r[1].contains("'true'"), r[1]);
    }

    @Test
    void flagsTakeOnlyTrueFalseOrNothing() throws Exception {
        assertTrue(new Args(new String[]{"--augment"}).flag("augment"));
        assertTrue(new Args(new String[]{"--augment", "true"}).flag("augment"));
        assertFalse(new Args(new String[]{"--augment=false"}).flag("augment"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Args(new String[]{"--augment", "yes"}).flag("augment"));
        assertTrue(e.getMessage().contains("takes true or false"), e.getMessage());
        Path file = Files.writeString(tmp.resolve("a flag's neighbour.jpg"), "x");
        Args strict = new Args(new String[]{"--model", "m.zip", "first.jpg", "--strict", file.toString(), "last.jpg"});
        assertTrue(strict.flag("strict"), "a flag followed by a file is the flag, then the file");
        assertEquals(List.of("first.jpg", file.toString(), "last.jpg"), strict.positional(), "in the order given");
    }

    @Test
    void anUnusableMirrorIsAnError() throws Exception {
        System.setProperty("workbook.mirror", tmp.resolve("no-such-folder").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, DataHome::mirror);
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        System.setProperty("workbook.mirror", file.toString());
        e = assertThrows(IllegalArgumentException.class, DataHome::mirror);
        assertTrue(e.getMessage().contains("is not a folder"), e.getMessage());
    }

    @Test
    void anUnwritableOutIsRefusedByEveryCommandNamingThePathAndAFineTuneAtBeyondTheBaseBeforeAnyTraining() throws Exception {
        String[] r;
        Path blocker = Files.writeString(tmp.resolve("blocker"), "a file where a folder should go"), blocked = blocker.resolve("run");
        Path subs = Files.createDirectories(tmp.resolve("blocked-subs/ada"));
        String model = tmp.resolve("any-model.zip").toString(), image = images.resolve("cats/cats.0.jpg").toString();
        String[][] commands = {
                fx.train(blocked, "--epochs", "1"),
                {"exercises", "release", "--out", blocked.toString()},
                {"grade", subs.getParent().toString(), "--out", blocked.resolve("grades.csv").toString()},
                {"run", "--out", blocked.toString()},
                {"evaluate", "--model", model, "--data", images.toString(), "--out", blocked.toString()},
                {"predict", "--model", model, "--out", blocked.resolve("p.csv").toString(), image},
                {"export", "--model", model, "--out", blocked.resolve("m.onnx").toString()},
        };
        for (String[] c : commands) {
            String[] got = cli(c);
            assertEquals("2", got[0], c[0] + ": " + got[1]);
            assertTrue(got[1].contains("--out: " + blocker + " is a file, not a folder"), c[0] + ": " + got[1]);
        }
        assertEquals("a file where a folder should go", Files.readString(blocker));

        Path out = tmp.resolve("fine-tune-at");
        r = cli(fx.train(out, "--epochs", "1", "--fine-epochs", "1", "--fine-tune-at", "500"));
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("--fine-tune-at must be between 0 and 153"), r[1]);
        assertFalse(Files.exists(out.resolve("history.csv")), "no epoch was trained");
        assertFalse(Files.exists(out.resolve("checkpoint.zip")), "no epoch was trained");
    }

    private static Path trained;

    /** A model.zip trained once by the CLI for every test that uses one. */
    static synchronized Path trainedModel() {
        if (trained == null) {
            Path run = tmp.resolve("trained");
            String[] r = cli(fx.train(run, "--epochs", "1", "--fine-epochs", "0"));
            assertEquals("0", r[0], r[1]);
            trained = run.resolve("model.zip");
        }
        return trained;
    }

    @Test
    void predictSkipsWhatItCannotDecodeAndKeepsEveryPathExactlyAsGiven() throws Exception {
        Path model = trainedModel();
        Path dir = Files.createDirectories(tmp.resolve("predict-odd"));
        List<String> good = new ArrayList<>();
        for (int i = 0; i < 4; i++) good.add(images.resolve("cats/cats." + i + ".jpg").toString());
        byte[] png = Files.readAllBytes(TestImages.writePng(dir.resolve("whole.png"), TestImages.rgb(48, 48, 1)));
        Path truncatedPng = Files.write(dir.resolve("truncated.png"), java.util.Arrays.copyOf(png, 300));
        byte[] jpeg = Files.readAllBytes(images.resolve("dogs/dogs.0.jpg"));
        Path truncatedJpeg = Files.write(dir.resolve("truncated.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length - 100)); // cut in its image data, after the tables
        Path lead = Files.copy(Path.of(good.get(0)), dir.resolve(" lead space.jpg")), trail = Files.copy(Path.of(good.get(1)), dir.resolve("trail space.jpg "));
        List<String> argv = new ArrayList<>(List.of("predict", "--model", model.toString(), "--out", dir.resolve("p.csv").toString()));
        argv.addAll(good.subList(0, 2));
        argv.addAll(List.of(truncatedPng.toString(), truncatedJpeg.toString(), lead.toString(), trail.toString()));
        argv.addAll(good.subList(2, 4));
        String[] r = cli(argv.toArray(String[]::new));
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("skipped " + truncatedPng + ": cannot decode (damaged or truncated?)"), r[1]);
        assertTrue(r[1].contains("skipped " + truncatedJpeg + ": truncated: the file ends before its image data does"), r[1]);
        try (var parser = org.apache.commons.csv.CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build()
                .parse(Files.newBufferedReader(dir.resolve("p.csv")))) {
            List<String> paths = parser.getRecords().stream().map(rec -> rec.get("path")).toList();
            assertEquals(List.of(good.get(0), good.get(1), lead.toString(), trail.toString(), good.get(2), good.get(3)), paths,
                    "every readable image is predicted, in order, its path exactly as given");
            for (String p : paths) assertTrue(Files.isRegularFile(Path.of(p)), "the CSV's path names the file: '" + p + "'");
        }
        assertThrows(org.tlworkbook.data.UnreadableImageException.class, () -> org.tlworkbook.data.ImageDecoder.readRgb(truncatedJpeg),
                "a truncated JPEG is unreadable everywhere (training folders skip it too), as PIL and TensorFlow refuse it");
    }

    @Test
    void aWebSiteIsExportedToAFolderAndServedOnlyFromOne() throws Exception {
        Path model = trainedModel();
        Path site = tmp.resolve("web/site");
        String[] r = cli("export", "--model", model.toString(), "--format", "web", "--out", site.toString());
        assertEquals("0", r[0], r[1]);
        for (String file : List.of("index.html", "workbook-web.js", "model.onnx", "model.json", "onnxruntime-web/ort.wasm.bundle.min.mjs",
                "onnxruntime-web/ort-wasm-simd-threaded.wasm.gz")) {
            assertTrue(Files.isRegularFile(site.resolve(file)), file);
        }
        String json = Files.readString(site.resolve("model.json"));
        assertTrue(json.contains("\"classes\" : [ \"cats\", \"dogs\" ]") && json.contains("\"image_size\" : 32"), json);
        Files.writeString(site.resolve("model.json"), json.replace("\"image_size\" : 32", "\"image_size\" : 33"));
        byte[] runtime = Files.readAllBytes(site.resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm.gz"));
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(runtime));
             var original = org.tlworkbook.model.Classifier.class.getResourceAsStream("web/onnxruntime-web/ort-wasm-simd-threaded.wasm")) {
            assertArrayEquals(original.readAllBytes(), in.readAllBytes(), "the page's runtime is onnxruntime-web's, gzipped");
        }
        assertEquals("0", cli("export", "--model", model.toString(), "--format", "web", "--out", site.toString())[0], "an earlier site is replaced");
        assertTrue(Files.readString(site.resolve("model.json")).contains("\"image_size\" : 32"));
        assertArrayEquals(runtime, Files.readAllBytes(site.resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm.gz")), "each site gets the same runtime bytes");
        try (var left = Files.list(site.getParent())) {
            assertEquals(List.of(site), left.toList(), "no temporary folder is left beside the site");
        }

        Path someonesFolder = Files.createDirectories(tmp.resolve("web/photos"));
        Files.writeString(someonesFolder.resolve("holiday.txt"), "keep me");
        r = cli("export", "--model", model.toString(), "--format", "web", "--out", someonesFolder.toString());
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("holds other files"), r[1]);
        assertEquals("keep me", Files.readString(someonesFolder.resolve("holiday.txt")));
        r = cli("export", "--model", model.toString(), "--format", "web", "--out", tmp.resolve("web/site.onnx").toString());
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("--format web writes a folder"), r[1]);
        r = cli("export", "--model", model.toString(), "--format", "web", "--pixels-in", "--out", tmp.resolve("web/other").toString());
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("scales pixels itself"), r[1]);

        String[][] refusals = {
                {"serve"}, {"serve", site.toString(), someonesFolder.toString()}, {"serve", someonesFolder.toString()},
                {"serve", tmp.resolve("nowhere").toString()}, {"serve", site.toString(), "--port", "70000"}, {"serve", site.toString(), "--port", "http"}};
        String[] says = {"serve takes one folder", "got 2", "no index.html", "no folder", "a port is 0-65535", "needs a whole number"};
        for (int i = 0; i < refusals.length; i++) {
            r = cli(refusals[i]);
            assertEquals("2", r[0], String.join(" ", refusals[i]) + ": " + r[1]);
            assertTrue(r[1].contains(says[i]), r[1]);
        }
    }

    @Test
    void everyModelFileIsToldByWhatItIsAndMistakesAreRefusedWithWhatToGive() throws Exception {
        Path model = trainedModel();
        Path dir = Files.createDirectories(tmp.resolve("model-files"));
        String image = images.resolve("cats/cats.0.jpg").toString();
        byte[] zip = Files.readAllBytes(model);
        Path truncatedZip = Files.write(dir.resolve("truncated.zip"), java.util.Arrays.copyOf(zip, zip.length * 2 / 5));
        Path h5 = dir.resolve("whole.h5");
        assertEquals("0", cli("export", "--model", model.toString(), "--out", h5.toString())[0], "the format follows --out's ending");
        byte[] hdf = Files.readAllBytes(h5);
        Path truncatedH5 = Files.write(dir.resolve("truncated.h5"), java.util.Arrays.copyOf(hdf, hdf.length / 3));
        Path text = Files.writeString(dir.resolve("text.h5"), "just some text\n");
        Path v1 = dir.resolve("mobilenet_v1.h5");
        try (io.jhdf.WritableHdfFile w = io.jhdf.HdfFile.write(v1)) {
            w.putAttribute("layer_names", new String[]{"conv1", "conv_dw_13", "conv_pw_13"});
            w.putGroup("conv_pw_13");
        }
        Path dotKeras = dir.resolve("model.keras");
        try (var kerasZip = new java.util.zip.ZipOutputStream(Files.newOutputStream(dotKeras))) {
            for (String entry : List.of("metadata.json", "config.json", "model.weights.h5")) {
                kerasZip.putNextEntry(new java.util.zip.ZipEntry(entry));
                kerasZip.write("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        Path fresh = dir.resolve("saved-before-fit.zip");
        org.tlworkbook.model.Classifier.of(org.tlworkbook.model.Architecture.MOBILENET_V2.fromWeights(32, 0.35, weights),
                org.tlworkbook.model.Head.binary(), List.of("cats", "dogs")).compile(org.tlworkbook.model.Optimizer.rmsprop(1e-4)).save(fresh);
        String[][] cases = {
                {truncatedZip.toString(), "is a zip file that cannot be read to its end: truncated or damaged"},
                {truncatedH5.toString(), "is an HDF5 file that cannot be read: truncated or damaged"},
                {text.toString(), "is not a model file (it is text)"},
                {weights.toString(), "holds the weights of a mobilenet_v2 base (Keras weights only, no model and no head)"},
                {v1.toString(), "of a MobileNet (v1), a base this workbook does not build"},
                {model.getParent().toString(), "is a folder, not a model file: give its model, " + model},
                {image, "is not a model file (a JPEG image)"},
                {dotKeras.toString(), "is a Keras 3 .keras file, which the workbook does not read: save the model in Keras as model.h5"},
        };
        for (String[] c : cases) {
            for (String command : List.of("predict", "export")) {
                String[] r = command.equals("predict") ? cli("predict", "--model", c[0], image)
                        : cli("export", "--model", c[0], "--out", dir.resolve("out.onnx").toString());
                assertEquals("2", r[0], command + " " + c[0] + ": " + r[1]);
                assertTrue(r[1].contains(c[1]) && r[1].lines().count() == 1, command + " " + c[0] + ": " + r[1]);
            }
        }
        String[] r = cli("export", "--model", fresh.toString(), "--out", dir.resolve("fresh.onnx").toString());
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("was saved before any training"), r[1]);
        assertFalse(Files.exists(dir.resolve("fresh.onnx")));

        // a Keras .h5 without class names says what it calls them; names that do not fit the head are refused
        r = cli("predict", "--model", h5.toString(), image);
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("holds no class names, so they are class_0, class_1; name them in output order with --classes"), r[1]);
        r = cli("predict", "--model", h5.toString(), "--classes", "a,b,c", image);
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("the model has 2 classes") && r[1].contains("not the 3 of a, b, c"), r[1]);
        r = cli("predict", "--model", h5.toString(), "--classes", "a,,b", image);
        assertEquals("2", r[0], r[1]);
        // export: the format and the file name agree, options are given once, --out is a file
        r = cli("export", "--model", model.toString(), "--format", "keras", "--out", dir.resolve("m.onnx").toString());
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("--out m.onnx names an ONNX file: give --out m.h5, or --format onnx"), r[1]);
        r = cli("export", "--model", model.toString(), "--out", dir.resolve("m.keras").toString());
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("Keras 3's .keras format is a zip the workbook does not write; give --out m.h5"), r[1]);
        r = cli("export", "--model", model.toString(), "--format", "onnx", "--format", "keras", "--out", dir.resolve("m.onnx").toString());
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("--format is given twice ('onnx' and 'keras')"), r[1]);
        r = cli("export", "--model", model.toString(), "--out", dir.toString());
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("is a folder: give a file name, such as " + dir.resolve("model.onnx")), r[1]);
        assertFalse(Files.exists(dir.resolve("m.onnx")) || Files.exists(dir.resolve("m.h5")), "nothing was written by a refused export");
        // evaluate: a folder of other classes is refused by name, for a workbook model and a Keras one
        Path three = TestImages.folder(tmp.resolve("three-classes"), 40, 2, "a", "b", "c");
        for (Path m : List.of(model, h5)) {
            r = cli("evaluate", "--model", m.toString(), "--data", three.toString(), "--out", dir.resolve("eval").toString());
            assertEquals("2", r[0], r[1]);
            assertTrue(r[1].contains("has 3 class folders (a, b, c)") || r[1].contains("has the class folders a, b, c"), r[1]);
        }
    }

    @Test
    void aTrainedModelPredictsAndEvaluatesFromTheCommandLine() throws Exception {
        Path model = trainedModel();
        String[] r;

        Path csv = tmp.resolve("predictions.csv");
        String cat = images.resolve("cats/cats.0.jpg").toString(), dog = images.resolve("dogs/dogs.1.jpg").toString();
        r = cli("predict", "--model", model.toString(), "--out", csv.toString(), cat, dog);
        assertEquals("0", r[0], r[1]);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("path,predicted,probability,p_cats,p_dogs", lines.get(0));
        assertEquals(3, lines.size());
        for (String line : lines.subList(1, 3)) {
            String[] f = line.split(",");
            double pc = Double.parseDouble(f[3]), pd = Double.parseDouble(f[4]);
            assertEquals(1.0, pc + pd, 1e-5, line);
            assertEquals(pc > pd ? "cats" : "dogs", f[1], line);
            assertEquals(Math.max(pc, pd), Double.parseDouble(f[2]), 1e-6, line);
        }
        assertTrue(lines.get(1).startsWith(cat + ","));

        Path out = tmp.resolve("evaluation");
        String[] printed = cliOut("evaluate", "--model", model.toString(), "--data", images.toString(), "--out", out.toString());
        assertEquals("0", printed[0], printed[2]);
        assertTrue(printed[1].contains("precision") && !printed[1].matches("(?s).*\\d\\.\\d{5,}.*"),
                "shares are printed to four decimals, as the accuracy beside them: " + printed[1]);
        String metrics = Files.readString(out.resolve("metrics.json"));
        assertTrue(metrics.contains("\"images\": 12") && metrics.contains("\"class\": \"dogs\"") && metrics.contains("\"confusion\": [["), metrics);
        double accuracy = Double.parseDouble(metrics.replaceAll("(?s).*\"accuracy\": ([0-9.]+).*", "$1"));
        var loaded = org.tlworkbook.model.Classifier.load(model);
        var folder = org.tlworkbook.data.ImageFolder.from(images);
        assertEquals(loaded.evaluate(folder.validation(loaded.base()).build()).accuracy(), accuracy, 1e-4);

        Path dataset = Files.createDirectories(tmp.resolve("dataset")); // train/ and validation/, as cats_and_dogs_filtered
        for (String part : List.of("train", "validation")) {
            for (String c : List.of("cats", "dogs")) {
                Path to = Files.createDirectories(dataset.resolve(part).resolve(c));
                try (var files = Files.list(images.resolve(c))) {
                    for (Path f : files.limit(3).toList()) Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
        String[] whole = cliOut("evaluate", "--model", model.toString(), "--data", dataset.toString(), "--out", tmp.resolve("whole").toString());
        assertEquals("0", whole[0], whole[2]);
        assertTrue(whole[1].contains("Evaluating on " + dataset.resolve("validation") + " (the dataset's validation images"),
                "a dataset folder is evaluated on its validation part, and says so: " + whole[1]);

        Path text = Files.writeString(tmp.resolve("not-an-image.jpg"), "just text");
        r = cli("predict", "--model", model.toString(), text.toString());
        assertEquals("1", r[0]);
        assertTrue(r[1].contains("not-an-image.jpg"), "an unreadable image is named: " + r[1]);

        // a path with a comma and a quote stays one field; one bad file among good ones costs only itself
        Path odd = Files.copy(Path.of(cat), tmp.resolve("a,b \"c\".jpg"));
        Path oddCsv = tmp.resolve("odd.csv");
        r = cli("predict", "--model", model.toString(), "--out", oddCsv.toString(), odd.toString(), text.toString(), tmp.resolve("missing.jpg").toString(), dog);
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("skipped " + text) && r[1].contains("skipped " + tmp.resolve("missing.jpg") + ": no such file"), r[1]);
        tech.tablesaw.api.Table back = tech.tablesaw.api.Table.read().csv(oddCsv.toFile());
        assertEquals(2, back.rowCount());
        assertEquals(5, back.columnCount());
        assertEquals(odd.toString(), back.stringColumn("path").get(0));
        assertEquals(dog, back.stringColumn("path").get(1));
        assertEquals("1", cli("predict", "--model", model.toString(), "--strict", "--out", oddCsv.toString(), odd.toString(), text.toString())[0],
                "--strict fails when anything was skipped");
        // embed writes the same kind of CSV: a header, and the odd path as one field
        String[] embedded = cliOut("embed", "--base", "mobilenet_v2", "--size", "32", "--alpha", "0.35", "--weights", weights.toString(),
                odd.toString(), dog);
        assertEquals("0", embedded[0], embedded[2]);
        try (var parser = org.apache.commons.csv.CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build()
                .parse(new java.io.StringReader(embedded[1]))) {
            List<org.apache.commons.csv.CSVRecord> rows = parser.getRecords();
            assertEquals(2, rows.size(), embedded[1]);
            assertEquals(odd.toString(), rows.get(0).get("path"));
            int columns = parser.getHeaderNames().size();
            assertTrue(columns > 2 && rows.get(0).size() == columns && rows.get(1).size() == columns, "every row has the header's fields");
            assertEquals("feature_" + (columns - 2), parser.getHeaderNames().get(columns - 1));
        }
        // export: ONNX and a Keras .h5, which predict and evaluate then read as they read model.zip
        Path onnxFile = tmp.resolve("exported/model.onnx"), h5 = tmp.resolve("exported/model.h5");
        r = cli("export", "--model", model.toString(), "--format", "onnx", "--out", onnxFile.toString());
        assertEquals("0", r[0], r[1]);
        var proto = onnx.Onnx.ModelProto.parseFrom(Files.readAllBytes(onnxFile));
        assertTrue(proto.getMetadataPropsList().stream().anyMatch(m -> m.getKey().equals("class_names") && m.getValue().equals("[\"cats\", \"dogs\"]")));
        r = cli("export", "--model", model.toString(), "--format", "keras", "--out", h5.toString());
        assertEquals("0", r[0], r[1]);
        Path fromH5 = tmp.resolve("from-h5.csv");
        r = cli("predict", "--model", h5.toString(), "--classes", "cats,dogs", "--out", fromH5.toString(), cat, dog);
        assertEquals("0", r[0], r[1]);
        assertEquals(lines, Files.readAllLines(fromH5), "the .h5 predicts what model.zip predicts");
        Path h5Eval = tmp.resolve("evaluation-h5");
        r = cli("evaluate", "--model", h5.toString(), "--data", images.toString(), "--out", h5Eval.toString());
        assertEquals("0", r[0], r[1]);
        assertEquals(metrics, Files.readString(h5Eval.resolve("metrics.json")), "classes come from the folder; the same metrics");
        Path fromKeras = tmp.resolve("exported/from-keras.onnx");
        r = cli("export", "--model", h5.toString(), "--classes", "cats,dogs", "--format", "onnx", "--out", fromKeras.toString());
        assertEquals("0", r[0], r[1]);
        assertEquals(proto.getGraph().getNodeCount(), onnx.Onnx.ModelProto.parseFrom(Files.readAllBytes(fromKeras)).getGraph().getNodeCount(),
                "a Keras .h5 converts to the same ONNX graph");
        r = cli("export", "--model", model.toString(), "--format", "tflite", "--out", tmp.resolve("m.tflite").toString());
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("use onnx, keras or web"), r[1]);
        r = cli("predict", "--model", model.toString(), "--classes", "a,b", cat);
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("--classes and --preprocessing are for Keras .h5 models"), r[1]);

        String[] intoFolder = cli("predict", "--model", model.toString(), "--out", tmp.toString(), cat);
        assertEquals("2", intoFolder[0]);
        assertTrue(intoFolder[1].contains("is a folder"), intoFolder[1]);
    }

    @Test
    void relativePathsAreTheCallersNotTheRepositorys() throws Exception {
        Path caller = Files.createDirectories(tmp.resolve("caller"));
        Files.copy(weights, caller.resolve("w.h5"));
        Files.copy(images.resolve("cats/cats.0.jpg"), caller.resolve("cat.jpg"));
        List<String> keep = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) if (!e.contains("test-classes")) keep.add(e);
        ProcessBuilder pb = new ProcessBuilder("bash", Path.of("workbook").toAbsolutePath().toString(), "embed", "--base", "mobilenet_v2",
                "--size", "32", "--alpha", "0.35", "--weights", "w.h5", "cat.jpg").directory(caller.toFile());
        pb.environment().put("WORKBOOK_CLASSPATH", String.join(File.pathSeparator, keep));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("cat.jpg,")), out);
    }

    /**
     * A fresh Debian system or a plain container sets no locale, and LANG=C / LC_ALL=C say ASCII: the launcher still
     * reads and writes UTF-8, so an accented file name arrives whole in the CSV and its messages keep their characters.
     */
    @Test
    void aFileNameWithAccentsSurvivesACLocale() throws Exception {
        Path caller = Files.createDirectories(tmp.resolve("locale"));
        Files.copy(weights, caller.resolve("w.h5"));
        String name = "chat noir \u00e9t\u00e9 \u2713.jpg";
        Files.copy(images.resolve("cats/cats.0.jpg"), caller.resolve(name));
        List<String> keep = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) if (!e.contains("test-classes")) keep.add(e);
        for (Map<String, String> locale : List.of(Map.of("LANG", "C", "LC_ALL", "C"), Map.of("LANG", "C"))) {
            ProcessBuilder pb = new ProcessBuilder("bash", Path.of("workbook").toAbsolutePath().toString(), "embed", "--base", "mobilenet_v2",
                    "--size", "32", "--alpha", "0.35", "--weights", "w.h5", name, "missing \u00e9.jpg").directory(caller.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("LC_") || k.equals("LANG") || k.equals("LANGUAGE"));
            pb.environment().putAll(locale);
            pb.environment().put("WORKBOOK_CLASSPATH", String.join(File.pathSeparator, keep));
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertTrue(err.contains("missing \u00e9.jpg"), locale + ": the message names the file as typed: " + err);
            Process ok = pb.command("bash", Path.of("workbook").toAbsolutePath().toString(), "embed", "--base", "mobilenet_v2",
                    "--size", "32", "--alpha", "0.35", "--weights", "w.h5", name).start();
            String csv = new String(ok.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String okErr = new String(ok.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(ok.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, ok.exitValue(), locale + ": " + okErr);
            assertTrue(csv.lines().anyMatch(l -> l.startsWith("\"" + name + "\",") || l.startsWith(name + ",")), locale + ": " + csv);
        }
    }

    /** Runs the CLI in this JVM; returns {exit code, stdout, stderr}. */
    static String[] cliOut(String... argv) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            String[] r = cli(argv);
            return new String[]{r[0], captured.toString(StandardCharsets.UTF_8), r[1]};
        } finally {
            System.setOut(out);
        }
    }

    /** The second probe round's answers: each request that cannot be done is refused at once (exit 2), saying what to change. */
    @Test
    void requestsThatCannotBeDoneAreRefusedAtOnceSayingWhatToChange() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("round-two"));
        Path text = Files.writeString(dir.resolve("notes.h5"), "not weights");
        Path otherBase = dir.resolve("mobilenet_v1.h5");
        try (io.jhdf.WritableHdfFile w = io.jhdf.HdfFile.write(otherBase)) {
            w.putAttribute("layer_names", new String[]{"conv1", "conv_pw_13"});
            w.putGroup("conv_pw_13");
        }
        String image = images.resolve("cats/cats.0.jpg").toString();
        String[][] cases = {
                {"No command 'foo'.", "--help", "foo"},
                {"download takes no arguments without an option name; got ['extra']", "download", "extra"},
                {"unknown bench 'foo': choose one of model, generator, vgg16, grade", "bench", "foo"},
                {"--batch-size must be 1 or more; got 0", "bench", "model", "--batch-size", "0"},
                {"--iterations must be 1 or more; got 0", "bench", "model", "--iterations", "0"},
                {"--notebooks " + dir.resolve("missing") + ": no such folder", "run", "--notebooks", dir.resolve("missing").toString()},
                {"no exercises command 'relase' (did you mean 'release'?)", "exercises", "relase", "--out", dir.resolve("x").toString()},
                {"--source " + dir.resolve("missing") + ": no such folder", "exercises", "release", "--source", dir.resolve("missing").toString(),
                        "--out", dir.resolve("x").toString()},
                {"embed needs image files", "embed", "--base", "mobilenet_v2", "--size", "32"},
                {"--weights " + dir.resolve("none.h5") + ": no such file", "embed", "--weights", dir.resolve("none.h5").toString(), image},
                {"--weights: " + text + " is not a model file (it is text): give a base's Keras weights (.h5)", "embed", "--weights", text.toString(), image},
                {"holds the weights of a MobileNet (v1) base, not of mobilenet_v2, and the workbook builds no such base",
                        "train", "--data", images.toString(), "--weights", otherBase.toString(), "--out", dir.resolve("o").toString()},
                {"is a whole workbook model, not a base's weights: give it as --model", "train", "--data", images.toString(), "--weights",
                        trainedModel().toString(), "--out", dir.resolve("o").toString()},
                {"--batch-size must be 1 or more (32 is Keras' default); got 0", "evaluate", "--model", trainedModel().toString(), "--data",
                        images.toString(), "--batch-size", "0"},
                {"--fine-tune-at must be between 0 and 154 for mobilenet_v2", "summary", "--size", "32", "--alpha", "0.35", "--fine-tune-at", "999"},
                {"--fine-tune-at must be between 0 and 18 for vgg16 (19 layers; its recipe's is 15), got 100", "train", "--data", images.toString(),
                        "--base", "vgg16", "--fine-tune-at", "100", "--out", dir.resolve("o").toString()},
                {"(it is a file): give the folder that holds one sub-folder per student", "grade", text.toString()},
                {"holds no notebooks (*.ipynb)", "run", "--notebooks", dir.toString()},
                {"holds notebooks with no exercise cells (no nbgrader metadata)", "exercises", "release", "--source",
                        Path.of("notebooks").toAbsolutePath().toString(), "--out", dir.resolve("x").toString()},
                {"--size 100000 is more than 1024 px", "train", "--data", images.toString(), "--size", "100000"},
                {"has no training images left after the validation split 0.99", "train", "--data", images.toString(), "--weights", weights.toString(),
                        "--size", "32", "--alpha", "0.35", "--validation-split", "0.99", "--out", dir.resolve("o").toString()},
                {"the validation split 0.2 holds out no image of 1 per class", "train", "--data", images.toString(), "--weights", weights.toString(),
                        "--size", "32", "--alpha", "0.35", "--limit-per-class", "1", "--out", dir.resolve("o").toString()},
                {"is inside --data " + images + ": its files (curves.png) would be read as images", "train", "--data", images.toString(),
                        "--weights", weights.toString(), "--size", "32", "--alpha", "0.35", "--out", images.resolve("cats/run").toString()},
                {"--pixels-in is given twice: give it once", "export", "--model", "m.zip", "--out", "m.onnx", "--pixels-in", "--pixels-in"},
        };
        for (String[] c : cases) {
            String[] r = cliOut(java.util.Arrays.copyOfRange(c, 1, c.length));
            assertEquals("2", r[0], String.join(" ", c) + ": " + r[2]);
            assertTrue(r[2].contains(c[0]), String.join(" ", c) + ": " + r[2]);
            assertFalse(r[1].contains("Using the 224 px") || r[2].contains("Did you mean 'run'"), "refused before any work, no unrelated name: " + r[1] + r[2]);
        }
        assertFalse(Files.exists(dir.resolve("o")) || Files.exists(dir.resolve("x")), "refused requests write nothing");
        assertFalse(Files.exists(images.resolve("cats/run")), "nothing was written into the data folder");
        String[] force = cli("download", "--force");
        assertTrue(force[1].contains("unknown option --force") && !force[1].contains("did you mean"), "no unrelated suggestion: " + force[1]);
        System.setProperty("workbook.max_pixels", "abc");
        try {
            String[] pixels = cli("predict", "--model", trainedModel().toString(), image);
            assertEquals("2", pixels[0], pixels[1]);
            assertTrue(pixels[1].contains("WORKBOOK_MAX_PIXELS must be a whole number of pixels, got 'abc'") && !pixels[1].contains("skipped"), pixels[1]);
        } finally {
            System.clearProperty("workbook.max_pixels");
        }
        // "--" ends the options: a file whose name starts with -- is an image like any other
        Path dashed = Files.copy(Path.of(image), dir.resolve("--odd.jpg"));
        String[] r = cliOut("predict", "--model", trainedModel().toString(), "--", dashed.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains(dashed + ",cats,") || r[1].contains(dashed + ",dogs,"), r[1]);
    }

    @Test
    void everyCommandExplainsItselfAndTyposGetTheNearestName() throws Exception {
        for (String command : List.of("run", "download", "summary", "embed", "train", "predict", "evaluate", "export", "kernel", "lab", "exercises", "grade", "bench")) {
            String[] r = cliOut(command, "--help");
            assertEquals("0", r[0], command + " --help: " + r[2]);
            assertTrue(r[1].startsWith("usage: ./workbook " + command), r[1]);
            assertTrue(r[1].contains("example: ./workbook " + command), command + " has an example: " + r[1]);
        }
        String pom = Files.readString(Path.of("pom.xml"));
        String version = pom.substring(pom.indexOf("<version>") + 9, pom.indexOf("</version>"));
        assertEquals("transfer-learning-workbook " + version, cliOut("--version")[1].strip());
        assertEquals(version, org.tlworkbook.Workbook.version());
        String[] typo = cli("trian");
        assertEquals("2", typo[0]);
        assertTrue(typo[1].contains("Did you mean 'train'?"), typo[1]);
        String[] option = cli("summary", "--bse", "mobilenet_v2", "--size", "32");
        assertEquals("2", option[0]);
        assertTrue(option[1].contains("unknown option --bse (did you mean --base?)"), option[1]);

        // help and version as a user types them: on standard output, with the short forms, from any command
        for (String h : List.of("--help", "-h", "help")) {
            String[] r = cliOut(h);
            assertEquals("0", r[0], h);
            assertTrue(r[1].startsWith("usage: ./workbook COMMAND") && r[2].isEmpty(), h + ": the usage goes to standard output: " + r[1] + r[2]);
        }
        assertEquals("2", cliOut()[0], "no command at all is a refused request");
        for (String[] v : List.of(new String[]{"-V"}, new String[]{"predict", "--version"}, new String[]{"train", "-V"})) {
            assertEquals("transfer-learning-workbook " + version, cliOut(v)[1].strip(), String.join(" ", v));
        }
        String[] trainHelp = cliOut("train", "-h");
        assertEquals("0", trainHelp[0], trainHelp[2]);
        assertTrue(trainHelp[1].startsWith("usage: ./workbook train"), trainHelp[1]);
        String[] misspelt = cliOut("--verison");
        assertEquals("2", misspelt[0]);
        assertTrue(misspelt[2].contains("Unknown option '--verison'. Did you mean '--version'?"), misspelt[2]);
        assertTrue(cliOut("lab", "--help")[1].contains("--profile quick|full"), "lab's help names --profile");
        String[] exercisesGrade = cli("exercises", "grade", "subs");
        assertEquals("2", exercisesGrade[0]);
        assertTrue(exercisesGrade[1].contains("./workbook grade SUBMISSIONS_DIR --out"), "points to the grade command: " + exercisesGrade[1]);
        Path subs = Files.createDirectories(tmp.resolve("subs/ada"));
        String[] intoFolder = cli("grade", subs.getParent().toString(), "--out", tmp.toString());
        assertEquals("2", intoFolder[0]);
        assertTrue(intoFolder[1].contains("is a folder: give a file name, such as " + tmp.resolve("grades.csv")), intoFolder[1]);
    }

    @Test
    void trainRefusesUnusableSettingsBeforeAnyWorkAndLeavesNothingBehind() throws Exception {
        // the mirror is empty: a refusal that came after loading the dataset or the weights would name a missing file instead
        System.setProperty("workbook.mirror", Files.createDirectories(tmp.resolve("empty-mirror")).toString());
        Path out = tmp.resolve("refused");
        String[][] cases = {
                {"--epochs 0 --fine-epochs 0", "leave nothing to train"},
                {"--epochs -1", "numbers of epochs, 0 or more; got -1"},
                {"--fine-epochs -2", "got 10 and -2"},
                {"--size 7", "--size: MobileNetV2 needs inputs of at least 32x32 pixels; got 7"},
                {"--alpha 0.9", "--alpha: MobileNetV2 comes in the widths (alpha) 0.35, 0.5, 0.75, 1.0, 1.3 and 1.4"},
                {"--fine-tune-at 999", "--fine-tune-at must be between 0 and 153 for mobilenet_v2"},
                {"--batch-size 0", "--batch-size is the number of images per step, at least 1"},
                {"--batch 8", "unknown option --batch (did you mean --batch-size?)"},
                {"--lr 0", "--lr and --fine-lr must be above 0"},
                {"--weights " + tmp.resolve("no-such.h5"), "no-such.h5: no such file"},
        };
        for (String[] c : cases) {
            List<String> argv = new ArrayList<>(List.of("train", "--dataset", "cats_and_dogs_filtered", "--out", out.toString()));
            argv.addAll(List.of(c[0].split(" ")));
            String[] r = cli(argv.toArray(String[]::new));
            assertEquals("2", r[0], c[0] + ": " + r[1]);
            assertTrue(r[1].contains(c[1]) && !r[1].contains("is not here"), c[0] + ": " + r[1]);
            assertFalse(Files.exists(out), c[0] + ": a refused run leaves no --out behind");
        }
        Path oneClass = TestImages.folder(tmp.resolve("one-class"), 40, 3, "cats");
        String[] r = cli(fx.train(oneClass, out));
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("has one class folder (cats): a classifier needs at least 2 classes"), r[1]);
        assertFalse(Files.exists(out));

        Path damaged = Files.writeString(tmp.resolve("damaged.h5"), "not HDF5");
        r = cli("train", "--data", images.toString(), "--weights", damaged.toString(), "--size", "32", "--alpha", "0.35", "--out", out.toString());
        assertNotEquals("0", r[0], r[1]);
        assertFalse(Files.exists(out), "a run that failed before its first epoch removes its .lock and the folder it made");
        Path existing = Files.createDirectories(tmp.resolve("existing-out"));
        cli("train", "--data", images.toString(), "--weights", damaged.toString(), "--size", "32", "--alpha", "0.35", "--out", existing.toString());
        assertTrue(Files.isDirectory(existing) && !Files.exists(existing.resolve(".lock")), "a folder the user made stays, without a .lock");
    }

    @Test
    void aRunWithoutFrozenEpochsFinishesAndARepeatedRunKeepsItsTimes() throws Exception {
        Path run = tmp.resolve("fine-only");
        String[] r = cli(fx.train(run, "--epochs", "0", "--fine-epochs", "1"));
        assertEquals("0", r[0], r[1]);
        assertTrue(Files.size(run.resolve("curves.png")) > 0);
        String first = Files.readString(run.resolve("metrics.json"));
        assertTrue(first.contains("\"seconds_fine_tune\": ") && first.contains("\"val_accuracy_frozen\": null"), first);
        var written = Files.getLastModifiedTime(run.resolve("metrics.json"));
        Thread.sleep(20);
        PrintStream stdout = System.out;
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        System.setOut(new PrintStream(said, true, StandardCharsets.UTF_8));
        try {
            r = cli(fx.train(run, "--epochs", "0", "--fine-epochs", "1"));
        } finally {
            System.setOut(stdout);
        }
        assertEquals("0", r[0], r[1]);
        assertTrue(said.toString(StandardCharsets.UTF_8).contains("Nothing left to train"), said.toString(StandardCharsets.UTF_8));
        assertEquals(first, Files.readString(run.resolve("metrics.json")), "a finished run started again keeps the times it trained, not 0");
        assertEquals(written, Files.getLastModifiedTime(run.resolve("metrics.json")));
    }

    @Test
    void limitAndSplitOfZeroAreRefusedInTheCommandLinesOwnTerms() {
        Path out = tmp.resolve("zero");
        String[] r = cli(fx.train(out, "--limit-per-class", "0"));
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("--limit-per-class takes a number of images per class, at least 1"), r[1]);
        r = cli(fx.train(out, "--validation-split", "0"));
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("--validation-split must be above 0 and below 1") && !r[1].contains("validationSplit("), r[1]);
        assertFalse(Files.exists(out), "refused before anything was written");
    }

    @Test
    void errorsSayWhatHappenedNotJustAPathAndOnlyRefusedRequestsExitWith2() throws Exception {
        String[] r = cli("embed", "--base", "mobilenet_v2", "--size", "32", "--alpha", "0.35", "--weights", weights.toString(), "");
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("embed: an empty argument is not a file name"), r[1]);
        Path missing = tmp.resolve("missing.jpg");
        r = cli("embed", "--base", "mobilenet_v2", "--size", "32", "--alpha", "0.35", "--weights", weights.toString(), missing.toString());
        assertTrue(r[1].contains("no such file: '" + missing + "'") && !r[1].contains("cannot decode"), r[1]);
        r = cli("embed", "--base", "mobilenet_v2", "--size", "32", "--alpha", "0.35", "--weights", weights.toString(), tmp.toString());
        assertTrue(r[1].contains("is a folder: give its image files"), r[1]);
        Path aFile = Files.writeString(tmp.resolve("afile.txt"), "x");
        r = cli("evaluate", "--model", tmp.resolve("no-model.zip").toString(), "--data", images.toString(), "--out", aFile.resolve("metrics").toString());
        assertEquals("2", r[0]);
        assertTrue(r[1].contains(aFile + " is a file, not a folder"), r[1]);
        assertEquals("no such file or folder: /x/y", Main.describe(new java.nio.file.NoSuchFileException("/x/y")));
        IllegalArgumentException ours = new IllegalArgumentException("ours"), theirs = new IllegalArgumentException("Zero length string");
        ours.setStackTrace(new StackTraceElement[]{new StackTraceElement("org.tlworkbook.cli.Args", "get", "Args.java", 1)});
        theirs.setStackTrace(new StackTraceElement[]{new StackTraceElement("java.awt.font.TextLayout", "<init>", "TextLayout.java", 1)});
        assertEquals(2, Main.exitCode(ours), "the workbook refused the request");
        assertEquals(1, Main.exitCode(theirs), "a library underneath failed: the work failed, not the usage");
        assertEquals(1, Main.exitCode(new java.io.IOException("disk full")));
    }
}
