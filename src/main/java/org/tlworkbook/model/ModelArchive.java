package org.tlworkbook.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.tlworkbook.data.AtomicFiles;
import org.tlworkbook.data.Preprocessing;
import org.tlworkbook.engine.OptimizerState;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A classifier's file: its graph, optimizer state, history and settings (base, size, head, classes, preprocessing), as
 * the zip {@link ModelSerializer} reads (its entry names and encodings), written in one pass. {@code ModelSerializer.addObjectToFile} rewrites and recompresses the whole archive for each
 * entry; with a checkpoint after every epoch that cost seconds per epoch. Weights and optimizer state are stored
 * without compression, as PyTorch stores tensors: float weights shrink by a tenth at best, and deflating VGG16's 59 MB
 * took 3 s per save (0.5 s stored); the small entries keep the fastest deflate level.
 */
final class ModelArchive {
    private ModelArchive() { }

    /** Writes {@code model} with what is needed to use it again, and the caller's text entries, atomically. */
    static void save(Classifier model, Path file, Map<String, String> extraEntries) throws IOException {
        AtomicFiles.write(file, tmp -> {
            Properties p = new Properties();
            p.setProperty("base", model.base().name());
            p.setProperty("size", Integer.toString(model.base().size()));
            p.setProperty("alpha", Double.toString(model.base().alpha()));
            p.setProperty("head", model.head().kind().label());
            p.setProperty("head_hidden", Integer.toString(model.head().hidden()));
            p.setProperty("head_dropout", Double.toString(model.head().dropout()));
            if (model.head().spec() != null) p.setProperty("head_spec", model.head().spec());
            p.setProperty("classes", String.join("\n", model.classes()));
            p.setProperty("preprocessing", model.base().preprocessing().name());
            p.setProperty("trainable_from", Integer.toString(model.compiledTrainableFrom));
            p.setProperty("optimizer", model.optimizer().name());
            p.setProperty("learning_rate", Double.toString(model.optimizer().learningRate()));
            p.setProperty("optimizer_state", OptimizerState.isInitialized(model.graph()) ? "trained" : "fresh");
            p.setProperty("trained", Boolean.toString(model.trained()));
            java.io.StringWriter w = new java.io.StringWriter();
            p.store(w, "transfer-learning-workbook model");
            Map<String, String> objects = new java.util.LinkedHashMap<>();
            objects.put("workbook.properties", w.toString());
            objects.put("history.csv", model.history().toCsv());
            objects.putAll(extraEntries);
            write(model.graph(), tmp, objects);
        });
    }

    /** A text entry that {@link #save} added to {@code file}, or null when it has none. */
    static String entry(Path file, String name) throws IOException {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            return zip.getEntry("objects/" + name) == null ? null : ModelSerializer.getObjectFromFile(file.toFile(), name);
        }
    }

    /** A saved model: a few entries, weights and optimizer state stored as they are, text deflated. */
    private static final org.tlworkbook.data.SafeUnzip MODEL_LIMITS = new org.tlworkbook.data.SafeUnzip(1_000, 8L << 30);

    /** What {@link #save} wrote, history included, compiled with the saved optimizer and state. */
    static Classifier read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("No saved model at " + file);
        if (Classifier.isHdf5(file)) {
            throw new IOException(file + " is an HDF5 file (a Keras .h5?), not a model.zip this workbook saved: read a Keras classifier with "
                    + "Classifier.importKeras(file)");
        }
        try {
            MODEL_LIMITS.check(file); // DL4J reads each entry whole into memory
        } catch (IOException e) {
            throw new IOException(file + " is not a model saved by this workbook: " + e.getMessage(), e);
        }
        Properties p = new Properties();
        try {
            String props = ModelSerializer.getObjectFromFile(file.toFile(), "workbook.properties");
            p.load(new java.io.StringReader(props));
        } catch (RuntimeException e) {
            throw new IOException(file + " is not a model saved by this workbook (" + e.getMessage() + ")", e);
        }
        int size = Integer.parseInt(p.getProperty("size"));
        double alpha = Double.parseDouble(p.getProperty("alpha"));
        BaseModel base = Architecture.named(p.getProperty("base")).create(size, alpha, 0);
        int trainableFrom = Integer.parseInt(p.getProperty("trainable_from"));
        base.unfreezeFrom(trainableFrom);
        if (p.getProperty("preprocessing") != null) base.withPreprocessing(Preprocessing.named(p.getProperty("preprocessing")));
        List<String> classes = List.of(p.getProperty("classes").split("\n"));
        Head head = p.getProperty("head_spec") != null ? Head.keras(p.getProperty("head_spec")) : Head.named(p.getProperty("head"));
        if (p.getProperty("head_hidden") != null && !head.isBinary() && head.kind() != Head.Kind.KERAS) {
            int hidden = Integer.parseInt(p.getProperty("head_hidden"));
            head = head.kind() == Head.Kind.POOLED_DENSE ? Head.pooledDense(hidden)
                    : Head.flattenDense(hidden, Double.parseDouble(p.getProperty("head_dropout")));
        }
        Classifier c = new Classifier(base, head, classes);
        c.loadedFrom = file.toAbsolutePath().normalize();
        c.graph = ModelSerializer.restoreComputationGraph(file.toFile(), true);
        if ("trained".equals(p.getProperty("optimizer_state"))) OptimizerState.markInitialized(c.graph);
        // files from before the "trained" property: trained unless they carry an empty history and a fresh optimizer
        c.trainedWhenSaved = p.getProperty("trained") != null ? Boolean.parseBoolean(p.getProperty("trained"))
                : "trained".equals(p.getProperty("optimizer_state")) || !emptyHistory(file);
        c.optimizer = Optimizer.named(p.getProperty("optimizer"), Double.parseDouble(p.getProperty("learning_rate")));
        c.compiledTrainableFrom = trainableFrom;
        try {
            c.history().append(History.parseCsv(ModelSerializer.getObjectFromFile(file.toFile(), "history.csv")));
        } catch (RuntimeException e) {
            // saved before histories travelled with the model: the epochs start again at 1
        }
        return c;
    }

    private static boolean emptyHistory(Path file) {
        try {
            return History.parseCsv(ModelSerializer.getObjectFromFile(file.toFile(), "history.csv")).size() == 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static void write(ComputationGraph graph, Path file, Map<String, String> objects) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            zip.setLevel(Deflater.BEST_SPEED);
            entry(zip, "configuration.json", graph.getConfiguration().toJson().getBytes());
            INDArray params = graph.params();
            if (params != null) {
                array(zip, "coefficients.bin", params);
            } else {
                entry(zip, "noParams.marker", new byte[0]);
            }
            var updater = graph.getUpdater();
            INDArray state = updater == null ? null : updater.getStateViewArray();
            if (state != null && state.length() > 0) array(zip, "updaterState.bin", state);
            for (Map.Entry<String, String> e : objects.entrySet()) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                    out.writeObject(e.getValue());
                }
                entry(zip, "objects/" + e.getKey(), bytes.toByteArray());
            }
        }
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    private static void array(ZipOutputStream zip, String name, INDArray a) throws IOException {
        zip.setLevel(Deflater.NO_COMPRESSION);
        zip.putNextEntry(new ZipEntry(name));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FilterOutputStream(zip) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() { } // the zip stays open for the next entry
        }, 1 << 16));
        Nd4j.write(a, out);
        out.flush();
        zip.closeEntry();
        zip.setLevel(Deflater.BEST_SPEED);
    }
}
