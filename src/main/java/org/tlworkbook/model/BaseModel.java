package org.tlworkbook.model;

import org.tlworkbook.engine.GraphFactory;
import org.tlworkbook.engine.KerasLayer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.data.ImageInput;
import org.tlworkbook.data.Preprocessing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pretrained convolutional base without its classifier ({@code include_top=False}), with Keras'
 * layer list, weights, and a trainable flag per layer. {@link #freeze()} and {@link #unfreezeFrom(int)}
 * mirror {@code base_model.trainable = False} and {@code for layer in base_model.layers[:fine_tune_at]:
 * layer.trainable = False}; like in Keras, they take effect when the classifier is compiled again.
 */
public final class BaseModel implements ImageInput {
    private final Architecture architecture;
    private final List<KerasLayer> layers;
    private final int size;
    private final ComputationGraph graph;
    private final double alpha;
    private int trainableFrom;
    private Preprocessing preprocessing;

    BaseModel(Architecture architecture, List<KerasLayer> layers, int size, double alpha, long seed) {
        this.architecture = architecture;
        this.alpha = alpha;
        this.layers = layers;
        this.size = size;
        ComputationGraphConfiguration conf = GraphFactory.build(layers, size, size, n -> false, null, null, seed);
        this.graph = new ComputationGraph(conf);
        this.graph.init();
        this.trainableFrom = 0;
        this.preprocessing = architecture.preprocessing();
    }

    /** The architecture's name, e.g. {@code mobilenet_v2}. */
    public String name() {
        return architecture.id();
    }

    /** Which network this is, with its recipe size and preprocessing. */
    public Architecture architecture() {
        return architecture;
    }

    /** Keras' {@code base_model.layers}, index 0 being the input layer: names, types, shapes, parameters, trainable flags as they are now. */
    public List<LayerInfo> layers() {
        List<LayerInfo> infos = new ArrayList<>(layers.size());
        for (int i = 0; i < layers.size(); i++) infos.add(layer(i));
        return infos;
    }

    /** The engine's description of the layers (kinds, sizes, inputs); internal, for the engine and exports. */
    List<KerasLayer> kerasLayers() {
        return layers;
    }

    /**
     * The features a pooling head sees, {@code GlobalAveragePooling2D} of the base's output: {@code [n, channels]}
     * from preprocessed NCHW images, on a snapshot of the current weights (take a new one after training).
     */
    java.util.function.UnaryOperator<INDArray> pooledFeatures() {
        java.util.function.UnaryOperator<INDArray> forward = org.tlworkbook.engine.FastForward.inference(layers, graph);
        return x -> {
            INDArray out = forward.apply(x);
            return out.rank() == 4 ? out.mean(2, 3) : out;
        };
    }

    /** How many layers {@link #layers()} lists, input included (154 for MobileNetV2). */
    public int layerCount() {
        return layers.size();
    }

    @Override
    public int size() {
        return size;
    }

    /** MobileNetV2's width multiplier (1.0 for other bases). */
    public double alpha() {
        return alpha;
    }

    /** How images must be scaled for this base (e.g. [-1, 1] for MobileNetV2). */
    @Override
    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /**
     * Feeds this base pixels scaled another way than its ImageNet weights expect: for a model trained that way, such as
     * seed 000's MobileNetV2 with {@code rescale=1./255}. Generators built for the base follow it.
     */
    public BaseModel withPreprocessing(Preprocessing preprocessing) {
        this.preprocessing = java.util.Objects.requireNonNull(preprocessing);
        return this;
    }

    /** Name of the last layer, whose output the head consumes. */
    public String outputName() {
        return layers.get(layers.size() - 1).name();
    }

    /** The DL4J graph holding this base's weights (all layers trainable; freezing applies in classifiers). */
    ComputationGraph graph() {
        return graph;
    }

    /** {@code base_model.trainable = False}. */
    public BaseModel freeze() {
        trainableFrom = layers.size();
        return this;
    }

    /** {@code base_model.trainable = True}. */
    public BaseModel unfreeze() {
        trainableFrom = 0;
        return this;
    }

    /** Keeps layers {@code [0, fineTuneAt)} frozen and makes the rest trainable (Keras {@code fine_tune_at}). */
    public BaseModel unfreezeFrom(int fineTuneAt) {
        if (fineTuneAt < 0 || fineTuneAt > layers.size()) {
            throw new IllegalArgumentException("fine_tune_at must be between 0 and " + layers.size() + " for " + name() + ", got " + fineTuneAt);
        }
        trainableFrom = fineTuneAt;
        return this;
    }

    /** Index of the first trainable layer ({@code layers().size()} when frozen). */
    public int trainableFrom() {
        return trainableFrom;
    }

    /** Whether fitting updates this layer's weights. */
    public boolean isTrainable(String layerName) {
        return indexOf(layerName) >= trainableFrom;
    }

    /** Position of the Keras layer with this name, or -1. */
    public int indexOf(String layerName) {
        for (int i = 0; i < layers.size(); i++) if (layers.get(i).name().equals(layerName)) return i;
        return -1;
    }

    /** The layer at {@code index} (0 is the input), as {@code base.layers[index]}: its name, type, output shape and parameters. */
    public LayerInfo layer(int index) {
        if (index < 0 || index >= layers.size()) {
            throw new IndexOutOfBoundsException(name() + " has layers 0 to " + (layers.size() - 1) + "; no layer " + index);
        }
        KerasLayer k = layers.get(index);
        if (shapes == null) {
            var types = graph.getConfiguration().getLayerActivationTypes(InputType.convolutional(size, size, 3));
            List<String> all = new ArrayList<>(layers.size());
            for (KerasLayer l : layers) all.add(shapeOf(types.get(l.name())));
            shapes = all;
        }
        long params = k.hasWeights() ? graph.getLayer(k.name()).numParams() : 0;
        return new LayerInfo(index, k.name(), k.typeName(), shapes.get(index), params, k.hasWeights() && index >= trainableFrom);
    }

    private List<String> shapes;

    /** Parameter arrays by DL4J key ({@code layer_W}, {@code layer_gamma}, ...). */
    public Map<String, INDArray> paramTable() {
        return graph.paramTable();
    }

    /** Total parameters, counted as Keras does (batch-norm moving statistics included). */
    public long countParams() {
        return graph.numParams();
    }

    /** Parameters Keras would train given the current trainable flags. */
    public long countTrainableParams() {
        long n = 0;
        for (KerasLayer k : layers) if (isTrainable(k.name())) n += trainableParams(graph, k);
        return n;
    }

    /** Number of weight arrays Keras would list in {@code trainable_variables}. */
    public int countTrainableArrays() {
        int n = 0;
        for (KerasLayer k : layers) if (isTrainable(k.name())) n += trainableArrays(k);
        return n;
    }

    static long trainableParams(ComputationGraph g, KerasLayer k) {
        if (!k.hasWeights()) return 0;
        org.deeplearning4j.nn.api.Layer l = g.getLayer(k.name());
        if (k.kind() == KerasLayer.Kind.BATCH_NORM) return 2 * l.getParam("gamma").length();
        return l.numParams();
    }

    static int trainableArrays(KerasLayer k) {
        return switch (k.kind()) {
            case CONV -> ((KerasLayer.Conv) k).bias() ? 2 : 1;
            case DENSE -> 2;
            case DEPTHWISE -> 1;
            case BATCH_NORM -> 2;
            case INPUT, RELU6, RELU, ZERO_PAD, ADD, MAX_POOL, GLOBAL_AVG_POOL, FLATTEN, DROPOUT -> 0;
        };
    }

    static String shapeOf(InputType t) {
        if (t instanceof InputType.InputTypeConvolutional c) {
            return "(" + c.getHeight() + ", " + c.getWidth() + ", " + c.getChannels() + ")";
        }
        if (t instanceof InputType.InputTypeFeedForward f) return "(" + f.getSize() + ")";
        return String.valueOf(t);
    }

    /** Names of the layers in Keras order. */
    public List<String> layerNames() {
        List<String> names = new ArrayList<>();
        for (KerasLayer k : layers) names.add(k.name());
        return names;
    }

    @Override
    public String toString() {
        return name() + "(" + size + "x" + size + ", " + layers.size() + " layers, trainable from " + trainableFrom + ")";
    }
}
