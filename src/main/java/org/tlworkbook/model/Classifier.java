package org.tlworkbook.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A pretrained base with a new head: Keras' {@code Sequential([base_model, head...])}. As in Keras,
 * changing which base layers are trainable takes effect on the next {@link #compile}, which keeps all
 * current weights and starts a fresh optimizer.
 */
public final class Classifier {
    private final BaseModel base;
    private final Head head;
    private final List<String> classes;
    private ComputationGraph graph;
    private Optimizer optimizer;

    private Classifier(BaseModel base, Head head, List<String> classes) {
        this.base = base;
        this.head = head;
        this.classes = List.copyOf(classes);
    }

    /** Stacks {@code head} on {@code base}; {@code classes} name the outputs (sorted folder names). */
    public static Classifier of(BaseModel base, Head head, List<String> classes) {
        if (head.binary() ? classes.size() != 2 : head.outputs() != classes.size()) {
            throw new IllegalArgumentException("head " + head.description() + " does not fit " + classes.size() + " classes " + classes);
        }
        return new Classifier(base, head, classes);
    }

    public Classifier compile(Optimizer optimizer) {
        List<KerasLayer> all = new ArrayList<>(base.layers());
        all.addAll(head.layers());
        int from = base.trainableFrom();
        ComputationGraphConfiguration conf = GraphFactory.build(all, base.size(), base.size(),
                name -> base.indexOf(name) >= 0 && base.indexOf(name) < from, optimizer.updater(), head.loss(), 12345);
        ComputationGraph next = new ComputationGraph(conf);
        next.init();
        Map<String, INDArray> source = graph != null ? graph.paramTable() : base.paramTable();
        for (Map.Entry<String, INDArray> e : next.paramTable().entrySet()) {
            INDArray from0 = source.get(e.getKey());
            if (from0 != null) e.getValue().assign(from0);
        }
        this.graph = next;
        this.optimizer = optimizer;
        return this;
    }

    public ComputationGraph graph() {
        if (graph == null) throw new IllegalStateException("call compile(Optimizer) first");
        return graph;
    }

    public BaseModel base() {
        return base;
    }

    public Head head() {
        return head;
    }

    public List<String> classes() {
        return classes;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public double alpha() {
        return base.alpha();
    }

    /** Class probabilities ({@code [n, 1]} for a binary head, {@code [n, classes]} otherwise). */
    public INDArray predict(INDArray images) {
        return inference().apply(images);
    }

    /**
     * A prediction function over a snapshot of the current weights, on {@link FastForward} where
     * every layer kind allows; reuse it for many batches and take a new one after training.
     */
    public java.util.function.UnaryOperator<INDArray> inference() {
        List<KerasLayer> all = new ArrayList<>(base.layers());
        all.addAll(head.layers());
        return FastForward.inference(all, graph());
    }

    public long countParams() {
        return graph().numParams();
    }

    public long countTrainableParams() {
        long n = base.countTrainableParams();
        for (KerasLayer k : head.layers()) n += BaseModel.trainableParams(graph(), k);
        return n;
    }

    public int countTrainableArrays() {
        int n = base.countTrainableArrays();
        for (KerasLayer k : head.layers()) n += BaseModel.trainableArrays(k);
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
        List<KerasLayer> all = new ArrayList<>(base.layers());
        all.addAll(head.layers());
        for (int i = 0; i < all.size(); i++) {
            KerasLayer k = all.get(i);
            boolean inBase = i < base.layers().size();
            index.append(i);
            name.append(k.name());
            type.append(k.typeName());
            shape.append(BaseModel.shapeOf(types.get(k.name())));
            params.append(k.hasWeights() ? graph().getLayer(k.name()).numParams() : 0);
            trainable.append(k.hasWeights() && (!inBase || base.isTrainable(k.name())));
        }
        return Table.create(base.name() + " + head", index, name, type, shape, params, trainable);
    }

    /** Writes the graph, optimizer state and what is needed to use it again (classes, size, preprocessing), atomically. */
    public void save(Path file) throws IOException {
        org.tlworkbook.data.AtomicFiles.write(file, tmp -> {
            ModelSerializer.writeModel(graph(), tmp.toFile(), true);
            Properties p = new Properties();
            p.setProperty("base", base.name());
            p.setProperty("size", Integer.toString(base.size()));
            p.setProperty("alpha", Double.toString(base.alpha()));
            p.setProperty("head", head.kind());
            p.setProperty("classes", String.join("\n", classes));
            p.setProperty("preprocessing", base.preprocessing().name());
            p.setProperty("trainable_from", Integer.toString(base.trainableFrom()));
            p.setProperty("optimizer", optimizer.name());
            p.setProperty("learning_rate", Double.toString(optimizer.learningRate()));
            p.setProperty("optimizer_state", OptimizerState.isInitialized(graph()) ? "trained" : "fresh");
            java.io.StringWriter w = new java.io.StringWriter();
            p.store(w, "transfer-learning-workbook model");
            ModelSerializer.addObjectToFile(tmp.toFile(), "workbook.properties", w.toString());
        });
    }

    /** Loads what {@link #save} wrote; the classifier is compiled with the saved optimizer and state. */
    public static Classifier load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("No saved model at " + file);
        Properties p = new Properties();
        try {
            String props = ModelSerializer.getObjectFromFile(file.toFile(), "workbook.properties");
            p.load(new java.io.StringReader(props));
        } catch (RuntimeException e) {
            throw new IOException(file + " is not a model saved by this workbook (" + e.getMessage() + ")", e);
        }
        int size = Integer.parseInt(p.getProperty("size"));
        double alpha = Double.parseDouble(p.getProperty("alpha"));
        BaseModel base = p.getProperty("base").equals("vgg16") ? Vgg16.create(size, 0) : MobileNetV2.create(size, alpha, 0);
        base.unfreezeFrom(Integer.parseInt(p.getProperty("trainable_from")));
        List<String> classes = List.of(p.getProperty("classes").split("\n"));
        Head head = Head.named(p.getProperty("head"), base.outputName(), classes.size());
        Classifier c = new Classifier(base, head, classes);
        c.graph = ModelSerializer.restoreComputationGraph(file.toFile(), true);
        if ("trained".equals(p.getProperty("optimizer_state"))) OptimizerState.markInitialized(c.graph);
        c.optimizer = Optimizer.named(p.getProperty("optimizer"), Double.parseDouble(p.getProperty("learning_rate")));
        return c;
    }
}
