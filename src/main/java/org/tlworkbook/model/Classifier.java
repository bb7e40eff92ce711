package org.tlworkbook.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.ClassMode;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Preprocessing;
import org.tlworkbook.data.Progress;
import org.tlworkbook.engine.FastForward;
import org.tlworkbook.engine.Fitting;
import org.tlworkbook.engine.GraphFactory;
import org.tlworkbook.engine.KerasLayer;
import org.tlworkbook.engine.Network;
import org.tlworkbook.engine.SplitGraph;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A pretrained base with a new head: Keras' {@code Sequential([base_model, head])}, with Keras' verbs.
 * {@link #fit} trains what is trainable and keeps the {@link #history()}: after {@code base.unfreezeFrom(100)}
 * and {@link #compile}, the next {@code fit} continues the epoch numbering as the {@link Phase#FINE_TUNE fine-tuning}
 * phase. How it runs (cached activations, which engine) is chosen inside. As in Keras, changing which base
 * layers are trainable takes effect on the next {@link #compile}, which keeps all weights and starts a fresh
 * optimizer.
 */
public final class Classifier {
    private final BaseModel base;
    private final Head head;
    private final List<String> classes;
    private final History history = new History();
    ComputationGraph graph;
    Optimizer optimizer;
    int compiledTrainableFrom;
    private boolean verbose = true;
    private boolean batchNormTraining;
    private volatile boolean stopRequested;
    private Progress progress;
    private Integer plannedFineTuneAt;
    private Fitting.Activations kept;
    Path loadedFrom;
    private boolean imported;
    /** Whether the loaded file was saved after training (or import); false for a model saved before any fit. */
    boolean trainedWhenSaved;

    static {
        org.tlworkbook.model.internal.ModelInternals.install(new org.tlworkbook.model.internal.ModelInternals.Access() {
            @Override public List<KerasLayer> layers(BaseModel base) { return base.kerasLayers(); }
            @Override public ComputationGraph graph(BaseModel base) { return base.graph(); }
            @Override public ComputationGraph graph(Classifier model) { return model.graph(); }
            @Override public Network network(Classifier model) { return model.network(); }
        });
    }

    Classifier(BaseModel base, Head head, List<String> classes) {
        this.base = base;
        this.head = head;
        this.classes = List.copyOf(classes);
    }

    /** Stacks {@code head} on {@code base}; {@code classes} name the outputs (sorted folder names, {@code folder.classes()}). */
    public static Classifier of(BaseModel base, Head head, List<String> classes) {
        if (classes.size() < 2) throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
        if (head.kind() == Head.Kind.KERAS && !head.isBinary() && head.outputs(classes.size()) != classes.size()) {
            throw new IllegalArgumentException("the head's last Dense has " + head.outputs(classes.size()) + " units, one per class, but "
                    + classes.size() + " classes were named: " + classes);
        }
        if (head.isBinary() && classes.size() != 2) {
            throw new IllegalArgumentException("Head.binary() is for 2 classes; the " + classes.size() + " classes " + classes
                    + " need a softmax head such as Head.pooledDense(64)");
        }
        return new Classifier(base, head, classes);
    }

    /** Builds the network with the current trainable flags; weights are kept, the optimizer starts afresh. */
    public Classifier compile(Optimizer optimizer) {
        ComputationGraphConfiguration conf = GraphFactory.build(layers(), base.size(), base.size(), frozenNow(),
                Updaters.of(optimizer), head.loss(), 12345);
        ComputationGraph next = new ComputationGraph(conf);
        next.init();
        Map<String, INDArray> source = graph != null ? graph.paramTable() : base.paramTable();
        for (Map.Entry<String, INDArray> e : next.paramTable().entrySet()) {
            INDArray from = source.get(e.getKey());
            if (from != null) e.getValue().assign(from);
        }
        this.graph = next;
        this.optimizer = optimizer;
        this.compiledTrainableFrom = base.trainableFrom();
        return this;
    }

    private java.util.function.Predicate<String> frozenNow() {
        int from = base.trainableFrom();
        return name -> base.indexOf(name) >= 0 && base.indexOf(name) < from;
    }

    /** Base layers, then the head's layers wired to the base's output. */
    List<KerasLayer> layers() {
        List<KerasLayer> all = new ArrayList<>(base.kerasLayers());
        all.addAll(headLayers());
        return all;
    }

    private List<KerasLayer> headLayers() {
        return head.layers(base.outputName(), classes.size());
    }

    /** The DL4J graph holding the weights (after {@link #compile}). */
    ComputationGraph graph() {
        if (graph == null) throw new IllegalStateException("call compile(Optimizer) first, e.g. model.compile(Optimizer.rmsprop(1e-4))");
        return graph;
    }

    /** The compiled network as the engine sees it (for benchmarks and engine tests). */
    Network network() {
        return new Network(layers(), base.layerCount(), compiledTrainableFrom, graph(), Updaters.of(optimizer), head.loss(), base.size(), batchNormTraining);
    }

    /** The pretrained base, with its trainable layers. */
    public BaseModel base() {
        return base;
    }

    /** The head recipe on top of the base. */
    public Head head() {
        return head;
    }

    /** Class names, in the order of the outputs. */
    public List<String> classes() {
        return classes;
    }

    /** The optimizer of the last {@code compile}. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** MobileNetV2's width multiplier (1.0 for other bases). */
    public double alpha() {
        return base.alpha();
    }

    /** The labels this model's head needs: one 0/1 column for {@link Head#binary()}, one-hot for softmax heads. */
    public ClassMode classMode() {
        return head.isBinary() ? ClassMode.BINARY : ClassMode.CATEGORICAL;
    }

    /** Every epoch trained so far, across phases and across {@link #save}/{@link #load}. */
    public History history() {
        return history;
    }

    /** What the next {@link #fit} trains, as compiled: only the head, or the head and the top of the base. */
    public Phase phase() {
        return compiledTrainableFrom >= base.layerCount() ? Phase.FROZEN : Phase.FINE_TUNE;
    }

    /** Where {@link #fit} reports progress ({@link Progress#console()} when not set: a live bar in a notebook). */
    public Classifier progress(Progress progress) {
        this.progress = progress;
        return this;
    }

    /**
     * Keras' {@code base_model(x, training=True)}, for experiments: the base's trainable batch-norm layers normalise
     * with each batch's statistics and update their moving ones while fine-tuning. The tutorials, and this workbook
     * by default, keep them in inference mode ({@code training=False}): a few hundred cats and dogs in batches of 32
     * would replace statistics learned on a million ImageNet images. Not saved with the model.
     */
    public Classifier batchNormTraining(boolean training) {
        this.batchNormTraining = training;
        return this;
    }

    /** Keras' {@code verbose}: {@code false} keeps {@link #fit} from printing its epoch lines and caching notes. */
    public Classifier verbose(boolean verbose) {
        this.verbose = verbose;
        return this;
    }

    /**
     * Announces that fine-tuning from base layer {@code fineTuneAt} follows on the same images: the frozen phase's
     * single pass over them then also keeps the input of the layers fine-tuning will train (memory permitting),
     * so the fine-tuning {@link #fit} decodes and runs no frozen layer again. Results are the same without it.
     */
    public Classifier planFineTuning(int fineTuneAt) {
        if (fineTuneAt < 0 || fineTuneAt > base.layerCount()) {
            throw new IllegalArgumentException("fine_tune_at must be between 0 and " + base.layerCount() + ", got " + fineTuneAt);
        }
        this.plannedFineTuneAt = fineTuneAt;
        return this;
    }

    /**
     * Keras' {@code model.fit(train, validation_data=validation, epochs=epochs, initial_epoch=...)}: trains
     * {@code epochs} more epochs, numbered after those in {@link #history()}, and returns this call's epochs
     * (they are also appended to the history). Validation runs after every epoch ({@code validation} may be null).
     * Interrupting the thread stops after the current batch; the model keeps the last completed epoch.
     */
    public History fit(ImageGenerator train, ImageGenerator validation, int epochs, Callback... callbacks) {
        graph();
        if (base.trainableFrom() != compiledTrainableFrom) {
            throw new IllegalStateException("The base's trainable layers changed since compile (now trainable from layer "
                    + base.trainableFrom() + ", compiled from " + compiledTrainableFrom + "): call model.compile(...) after "
                    + "freeze()/unfreezeFrom(...), as in Keras.");
        }
        checkLabels(train, "training");
        if (validation != null) {
            checkLabels(validation, "validation");
            checkDisjoint(train, validation);
        }
        Phase phase = phase();
        Network network = network();
        String keepAt = phase == Phase.FROZEN && plannedFineTuneAt != null ? SplitGraph.cutFor(withTrainableFrom(network, plannedFineTuneAt), plannedFineTuneAt) : null;
        History thisCall = new History();
        stopRequested = false;
        kept = Fitting.of(network).stopWhen(() -> stopRequested).epochs(epochs, history.lastEpoch()).phase(phase.label()).progress(progress != null ? progress : Progress.console())
                .log(verbose ? null : line -> { })
                .keepActivationsAt(keepAt).reuse(kept)
                .fit(train, validation, (e, loss, accuracy, valLoss, valAccuracy, seconds) -> {
                    History.Epoch row = new History.Epoch(e, phase, loss, accuracy, valLoss, valAccuracy, optimizer.learningRate(), seconds);
                    history.add(row);
                    thisCall.add(row);
                    for (Callback c : callbacks) {
                        try {
                            c.onEpochEnd(this, row);
                        } catch (IOException ex) {
                            throw new java.io.UncheckedIOException(ex.getMessage(), ex);
                        }
                    }
                });
        for (Callback c : callbacks) {
            try {
                c.onTrainEnd(this);
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException(ex.getMessage(), ex);
            }
        }
        return thisCall;
    }

    /** Keras' {@code model.stop_training = True}: the current {@link #fit} ends after the epoch in progress. */
    public void stopTraining() {
        stopRequested = true;
    }

    private static Network withTrainableFrom(Network n, int from) {
        return new Network(n.layers(), n.baseLayers(), from, n.graph(), n.updater(), n.loss(), n.size(), n.batchNormTraining());
    }

    void checkLabels(ImageGenerator images, String what) {
        if (!images.classes().equals(classes)) {
            throw new IllegalArgumentException("The " + what + " images have classes " + images.classes() + " but the model was built for "
                    + classes + "; build both from folders with the same class sub-folders.");
        }
        boolean binaryLabels = images.classMode() == ClassMode.BINARY;
        if (images.classMode() != classMode()) {
            throw new IllegalArgumentException("The " + what + " generator gives " + (binaryLabels ? "one 0/1 label column (ClassMode.BINARY)"
                    : "one-hot labels (ClassMode." + images.classMode() + ")") + " but the head " + head.description(classes.size())
                    + " needs ClassMode." + classMode() + ": set .classMode(...) on the generator.");
        }
    }

    private static void checkDisjoint(ImageGenerator train, ImageGenerator validation) {
        Set<Path> seen = new HashSet<>();
        for (ImageFolder.Sample s : train.sampleList()) seen.add(s.path().toAbsolutePath().normalize());
        int shared = 0;
        for (ImageFolder.Sample s : validation.sampleList()) if (seen.contains(s.path().toAbsolutePath().normalize())) shared++;
        if (shared > 0) {
            throw new IllegalArgumentException(shared + " validation images are also training images: validation would measure memory, "
                    + "not generalisation. Use ImageFolder.validationSplit(...) or a separate validation folder.");
        }
    }

    /** Class probabilities for preprocessed NCHW images: {@code [n, 1]} for a binary head, {@code [n, classes]} otherwise. */
    public INDArray predict(INDArray images) {
        return inference().apply(images);
    }

    /** Classifies image files, resized and scaled as the base expects. An unreadable file is an error naming it. */
    public Predictions predict(Path... images) throws IOException {
        UnaryOperator<INDArray> net = inference();
        List<INDArray> outputs = new java.util.ArrayList<>();
        for (int start = 0; start < images.length; start += 32) {
            outputs.add(net.apply(ImageGenerator.load(List.of(images).subList(start, Math.min(images.length, start + 32)), base)));
        }
        return Predictions.of(classes, List.of(images), org.nd4j.linalg.factory.Nd4j.concat(0, outputs.toArray(INDArray[]::new)));
    }

    /** Grad-CAM for the class the model predicts: where in {@code image} its evidence lies (see {@link GradCam}). */
    public GradCam gradCam(Path image) throws IOException {
        return GradCam.of(this, image, null);
    }

    /** Grad-CAM for {@code className}, whatever the model predicts. */
    public GradCam gradCam(Path image, String className) throws IOException {
        return GradCam.of(this, image, className);
    }

    /** The file {@link #load} read this model from, or null for a model built in this session. */
    public Path loadedFrom() {
        return loadedFrom;
    }

    /** Keras' {@code model.evaluate}: one in-order pass over {@code images}; accuracy, loss, confusion matrix, per-class metrics, mistakes. */
    public Evaluation evaluate(ImageGenerator images) {
        checkLabels(images, "evaluation");
        return Evaluation.of(inference(), classes, images);
    }

    /** A prediction function over a snapshot of the current weights; take a new one after training. */
    private UnaryOperator<INDArray> inference() {
        return FastForward.inference(layers(), graph());
    }

    /** All parameters, as Keras' {@code model.count_params()}. */
    public long countParams() {
        return graph().numParams();
    }

    /** Parameters that fitting updates now (batch-norm statistics excluded, as in Keras' summary). */
    public long countTrainableParams() {
        long n = base.countTrainableParams();
        for (KerasLayer k : headLayers()) n += BaseModel.trainableParams(graph(), k);
        return n;
    }

    /** Weight arrays that fitting updates, as {@code len(model.trainable_variables)}. */
    public int countTrainableArrays() {
        int n = base.countTrainableArrays();
        for (KerasLayer k : headLayers()) n += BaseModel.trainableArrays(k);
        return n;
    }

    /** Keras-style {@code model.summary()} as a table: index, name, type, output shape, params, trainable. */
    public Table summary() {
        IntColumn index = IntColumn.create("index");
        StringColumn name = StringColumn.create("name");
        StringColumn type = StringColumn.create("type");
        StringColumn shape = StringColumn.create("output_shape");
        LongColumn params = LongColumn.create("params");
        BooleanColumn trainable = BooleanColumn.create("trainable");
        var types = graph().getConfiguration().getLayerActivationTypes(
                org.deeplearning4j.nn.conf.inputs.InputType.convolutional(base.size(), base.size(), 3));
        List<KerasLayer> all = layers();
        for (int i = 0; i < all.size(); i++) {
            KerasLayer k = all.get(i);
            boolean inBase = i < base.layerCount();
            index.append(i);
            name.append(k.name());
            type.append(k.typeName());
            shape.append(BaseModel.shapeOf(types.get(k.name())));
            params.append(k.hasWeights() ? graph().getLayer(k.name()).numParams() : 0);
            trainable.append(k.hasWeights() && (!inBase || base.isTrainable(k.name())));
        }
        return Table.create(base.name() + " + head", index, name, type, shape, params, trainable);
    }

    /** Writes the graph, optimizer state, history and what is needed to use it again (classes, size, preprocessing), atomically. */
    public void save(Path file) throws IOException {
        save(file, Map.of());
    }

    /** {@link #save(Path)} plus text entries of the caller's (a training run's manifest), in the same atomic write. */
    public void save(Path file, Map<String, String> extraEntries) throws IOException {
        ModelArchive.save(this, file, extraEntries);
    }

    /**
     * Writes this classifier as one ONNX model (opset 13): a batch of preprocessed NHWC images in, the probabilities
     * {@link #predict(INDArray)} gives out. The metadata names the classes, the image size and the pixel scaling. For
     * onnxruntime in Java, Python or a browser, and every tool that reads ONNX.
     */
    public void exportOnnx(Path file) throws IOException {
        exportOnnx(file, false);
    }

    /** As {@link #exportOnnx(Path)}; with {@code pixelsIn} the graph also does the base's pixel scaling, so it takes 0-255 RGB. */
    public void exportOnnx(Path file, boolean pixelsIn) throws IOException {
        checkExportable(file);
        OnnxExport.write(this, layers(), file, pixelsIn);
    }

    /**
     * Writes this classifier as a static web site in {@code dir} that classifies a photo in the browser, with no server
     * code: {@code index.html}, the model as ONNX, and onnxruntime-web's WebAssembly runtime, vendored so the page
     * loads nothing from elsewhere. The page resizes and scales pixels as {@link #predict(Path...)} does, so a PNG at the
     * model's size gets the same probabilities. Browsers refuse WebAssembly from {@code file://}: serve the folder
     * ({@code ./workbook serve DIR}, or any static host). {@code dir} must be new, empty or an earlier site.
     */
    public void exportWeb(Path dir) throws IOException {
        checkTrained();
        WebExport.write(this, layers(), dir);
    }

    /**
     * Writes this classifier as a Keras legacy-HDF5 full model, as {@code model.save("x.h5")} does:
     * {@code keras.models.load_model(file)} reads it without custom objects and predicts what this model predicts, and
     * TensorFlow's TFLite converter takes it from there.
     */
    public void exportKeras(Path file) throws IOException {
        checkExportable(file);
        KerasExport.write(this, layers(), file);
    }

    /**
     * Reads a classifier Keras saved whole ({@code model.save("model.h5")}): a MobileNetV2 or VGG16 base from
     * {@code keras.applications} (nested or flat) with a head of pooling or Flatten, Dense and Dropout layers. It
     * predicts, evaluates and, after {@code base().unfreezeFrom(n)} and {@link #compile}, fine-tunes further. The file
     * holds neither class names nor pixel scaling: the classes are {@code class_0, class_1, ...} and the scaling is the
     * base's usual one; {@link #importKeras(Path, List, Preprocessing)} sets both. A layer it cannot take is named.
     */
    public static Classifier importKeras(Path file) throws IOException {
        return KerasImport.read(file, null, null);
    }

    /**
     * As {@link #importKeras(Path)}, naming the classes in output order (for a folder, {@code folder.classes()}) and the
     * pixel scaling the model was trained with (seed 000 used {@code Preprocessing.rescale(1.0 / 255)}; null keeps the base's).
     */
    public static Classifier importKeras(Path file, List<String> classes, Preprocessing preprocessing) throws IOException {
        return KerasImport.read(file, classes, preprocessing);
    }

    /** Whether {@code file} is an HDF5 file (by its signature), as a Keras .h5 is and a {@link #save}d model.zip is not. */
    public static boolean isHdf5(Path file) {
        byte[] signature = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return java.util.Arrays.equals(in.readNBytes(8), signature);
        } catch (IOException e) {
            return false;
        }
    }

    void markImported(Path file) {
        imported = true;
        loadedFrom = file.toAbsolutePath().normalize();
    }

    /** Trained here, imported from Keras, or loaded from a file saved after either. */
    boolean trained() {
        return history.size() > 0 || imported || trainedWhenSaved;
    }

    private void checkExportable(Path file) throws IOException {
        checkTrained();
        Path parent = file.toAbsolutePath().getParent();
        if (Files.isDirectory(file)) throw new IOException("cannot export to " + file + ": it is a folder; give a file name such as model.onnx");
        if (!Files.isDirectory(parent)) throw new IOException("cannot export to " + file + ": folder " + parent + " does not exist; create it first");
        if (!Files.isWritable(parent)) throw new IOException("cannot export to " + file + ": folder " + parent + " is not writable; choose another place");
    }

    private void checkTrained() {
        if (!trained()) {
            throw new IllegalArgumentException((loadedFrom == null ? "this model" : loadedFrom + " was saved before any training: it")
                    + " has not been trained: its head still has random weights. Train it with model.fit(...) (or ./workbook train), "
                    + "or load a trained one with Classifier.load, before exporting it.");
        }
        graph();
    }

    /** A text entry that {@link #save(Path, Map)} added to {@code file}, or null when it has none. */
    public static String savedEntry(Path file, String name) throws IOException {
        return ModelArchive.entry(file, name);
    }

    /** Loads what {@link #save} wrote, history included; the classifier is compiled with the saved optimizer and state. */
    public static Classifier load(Path file) throws IOException {
        return ModelArchive.read(file);
    }

    /** The settings, Tribuo-style: what this model is and how far it has trained. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Classifier(base=%s %dpx%s, head=%s, classes=%s, optimizer=%s, %s, %d epochs trained)",
                base.name(), base.size(), base.alpha() != 1.0 ? " alpha " + base.alpha() : "", head.description(classes.size()),
                classes, optimizer == null ? "not compiled" : optimizer,
                graph == null ? "not compiled" : phase() == Phase.FROZEN ? "base frozen" : "base trainable from layer " + compiledTrainableFrom,
                history.lastEpoch());
    }
}
