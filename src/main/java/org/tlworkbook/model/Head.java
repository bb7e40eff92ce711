package org.tlworkbook.model;

import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.tlworkbook.engine.KerasLayer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The new classifier put on top of a base: the three recipes of the workbook, with Keras' default layer
 * names, or a head read from a Keras model ({@link #keras(List)}: pooling or Flatten, then Dense and Dropout layers,
 * as they were). A head is a recipe, not yet layers: {@link Classifier#of} wires it to the base's output and sizes
 * its last layer for the classes.
 *
 * @param kind the recipe
 * @param hidden units of the hidden Dense layer (0 for none)
 * @param dropout the Dropout rate (0 for none)
 * @param kerasLayers a Keras head's layers, in order (empty for the workbook's own recipes)
 */
public record Head(Kind kind, int hidden, double dropout, List<Layer> kerasLayers) {

    /** Refuses a Keras head whose layer list is not one the workbook can build (see {@link #keras(List)}). */
    public Head {
        kerasLayers = List.copyOf(kerasLayers);
        if (kind == Kind.KERAS) check(kerasLayers);
        else if (!kerasLayers.isEmpty()) throw new IllegalArgumentException(kind.label() + " is one of the workbook's heads; it takes no Keras layers");
    }

    /** One of the workbook's own heads. */
    public Head(Kind kind, int hidden, double dropout) {
        this(kind, hidden, dropout, List.of());
    }

    /** A layer of a Keras head: pooling or Flatten first, then Dropout and Dense layers. */
    public sealed interface Layer {
        /** Keras' name of the layer. */
        String name();
    }

    /** {@code GlobalAveragePooling2D}. */
    public record GlobalAveragePooling(String name) implements Layer { }

    /** {@code Flatten}. */
    public record Flatten(String name) implements Layer { }

    /** {@code Dropout(rate)}, 0 &lt;= rate &lt; 1. */
    public record Dropout(String name, double rate) implements Layer { }

    /** {@code Dense(units, activation)}: relu, sigmoid, softmax or linear. */
    public record Dense(String name, int units, String activation) implements Layer { }

    /** The head's layer pattern. */
    public enum Kind {
        /** GAP + Dense(1, sigmoid). */
        BINARY("binary"),
        /** GAP + Dense(hidden, relu) + Dense(classes, softmax). */
        POOLED_DENSE("pooled_dense"),
        /** Flatten + Dense(hidden, relu) + Dropout + Dense(classes, softmax). */
        FLATTEN_DENSE("flatten_dense"),
        /** The layers of a Keras model's head, as {@link #kerasLayers()} lists them. */
        KERAS("keras");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** The name in CLI options and run manifests. */
        public String label() {
            return label;
        }
    }

    /** GlobalAveragePooling2D + Dense(1, sigmoid): the cats-vs-dogs head of the TF tutorial (binary cross-entropy). */
    public static Head binary() {
        return new Head(Kind.BINARY, 0, 0);
    }

    /** GlobalAveragePooling2D + Dense(hidden, relu) + Dense(classes, softmax): the own-folder recipe. */
    public static Head pooledDense(int hidden) {
        if (hidden < 1) throw new IllegalArgumentException("hidden units must be >= 1, got " + hidden);
        return new Head(Kind.POOLED_DENSE, hidden, 0);
    }

    /** Flatten + Dense(hidden, relu) + Dropout(rate) + Dense(classes, softmax): the VGG16 recipe. */
    public static Head flattenDense(int hidden, double dropout) {
        if (hidden < 1) throw new IllegalArgumentException("hidden units must be >= 1, got " + hidden);
        if (dropout < 0 || dropout >= 1) throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        return new Head(Kind.FLATTEN_DENSE, hidden, dropout);
    }

    /** The default head of a kind, by its saved name ("binary", "pooled_dense" = 64 units, "flatten_dense" = 256 units, dropout 0.5). */
    public static Head named(String kind) {
        return switch (kind) {
            case "binary" -> binary();
            case "pooled_dense" -> pooledDense(64);
            case "flatten_dense" -> flattenDense(256, 0.5);
            default -> throw new IllegalArgumentException("unknown head " + kind + " (binary, pooled_dense, flatten_dense)");
        };
    }

    /**
     * A head made of Keras layers, one per {@code ;}: {@code gap:NAME}, {@code flatten:NAME}, {@code dropout:NAME:RATE}
     * and {@code dense:NAME:UNITS:ACTIVATION} (relu, sigmoid, softmax or linear), pooling or Flatten first and a
     * sigmoid or softmax Dense last, e.g. {@code gap:global_average_pooling2d;dense:dense:64:relu;dense:dense_1:3:sigmoid}.
     * The text form saved models keep ({@link #spec()}).
     */
    public static Head keras(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("a Keras head needs its layers, e.g. gap:pool;dense:out:1:sigmoid");
        List<Layer> layers = new ArrayList<>();
        for (String layer : spec.split(";")) {
            String[] f = layer.split(":");
            Layer parsed = switch (f[0]) {
                case "gap" -> f.length == 2 ? new GlobalAveragePooling(f[1]) : null;
                case "flatten" -> f.length == 2 ? new Flatten(f[1]) : null;
                case "dropout" -> f.length == 3 && rate(f[2]) ? new Dropout(f[1], Double.parseDouble(f[2])) : null;
                case "dense" -> f.length == 4 && f[2].matches("[1-9][0-9]{0,5}") ? new Dense(f[1], Integer.parseInt(f[2]), f[3]) : null;
                default -> null;
            };
            if (parsed == null || f[1].isBlank()) throw notAHeadLayer(layer);
            layers.add(parsed);
        }
        return keras(layers);
    }

    /** A head of these Keras layers (see {@link #keras(String)} for what it may hold). */
    public static Head keras(List<Layer> layers) {
        int hidden = 0;
        double rate = 0;
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Dense d && i < layers.size() - 1) hidden = d.units();
            if (layers.get(i) instanceof Dropout d) rate = d.rate();
        }
        return new Head(Kind.KERAS, hidden, rate, layers);
    }

    private static void check(List<Layer> layers) {
        if (layers.isEmpty()) throw new IllegalArgumentException("a Keras head needs its layers, e.g. gap:pool;dense:out:1:sigmoid");
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            boolean first = l instanceof GlobalAveragePooling || l instanceof Flatten;
            boolean ok = first == (i == 0) && !l.name().isBlank()
                    && (!(l instanceof Dropout d) || d.rate() >= 0 && d.rate() < 1)
                    && (!(l instanceof Dense d) || d.units() >= 1 && List.of("relu", "sigmoid", "softmax", "linear").contains(d.activation()));
            if (!ok) throw notAHeadLayer(spec(l));
        }
        if (!(layers.get(layers.size() - 1) instanceof Dense last) || !(last.activation().equals("sigmoid") || last.activation().equals("softmax"))) {
            throw new IllegalArgumentException("a head ends in a Dense layer with sigmoid or softmax (probabilities); '"
                    + spec(layers.get(layers.size() - 1)) + "' does not");
        }
    }

    private static IllegalArgumentException notAHeadLayer(String text) {
        return new IllegalArgumentException("head layer '" + text + "' is not gap:NAME or flatten:NAME (first), dropout:NAME:RATE "
                + "or dense:NAME:UNITS:relu|sigmoid|softmax|linear");
    }

    private static boolean rate(String s) {
        try {
            double r = Double.parseDouble(s);
            return r >= 0 && r < 1;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A Keras head as {@link #keras(String)} reads it, or null for the workbook's own recipes. */
    public String spec() {
        if (kind != Kind.KERAS) return null;
        List<String> parts = new ArrayList<>();
        for (Layer l : kerasLayers) parts.add(spec(l));
        return String.join(";", parts);
    }

    private static String spec(Layer l) {
        if (l instanceof GlobalAveragePooling) return "gap:" + l.name();
        if (l instanceof Flatten) return "flatten:" + l.name();
        if (l instanceof Dropout d) return "dropout:" + d.name() + ":" + d.rate();
        Dense d = (Dense) l;
        return "dense:" + d.name() + ":" + d.units() + ":" + d.activation();
    }

    /** The last layer of a Keras head: the constructor checked that it is a sigmoid or softmax Dense. */
    private Dense lastDense() {
        return (Dense) kerasLayers.get(kerasLayers.size() - 1);
    }

    /** Whether it ends in one sigmoid unit (two classes, binary labels). */
    public boolean isBinary() {
        return kind == Kind.BINARY || (kind == Kind.KERAS && lastDense().units() == 1);
    }

    /** Units of the last layer for {@code classes} classes. */
    public int outputs(int classes) {
        if (kind == Kind.KERAS) return lastDense().units();
        return isBinary() ? 1 : classes;
    }

    /** The head's layers reading {@code input} (the base's last layer). */
    List<KerasLayer> layers(String input, int classes) {
        List<KerasLayer> l = new ArrayList<>();
        switch (kind) {
            case KERAS -> {
                String previous = input;
                for (Layer k : kerasLayers) {
                    if (k instanceof GlobalAveragePooling) l.add(KerasLayer.globalAvgPool(k.name(), previous));
                    else if (k instanceof Flatten) l.add(KerasLayer.flatten(k.name(), previous));
                    else if (k instanceof Dropout d) l.add(KerasLayer.dropout(d.name(), previous, d.rate()));
                    else if (k instanceof Dense d) l.add(KerasLayer.dense(d.name(), previous, d.units(), d.activation()));
                    previous = k.name();
                }
            }
            case BINARY -> {
                l.add(KerasLayer.globalAvgPool("global_average_pooling2d", input));
                l.add(KerasLayer.dense("dense", "global_average_pooling2d", 1, "sigmoid"));
            }
            case POOLED_DENSE -> {
                l.add(KerasLayer.globalAvgPool("global_average_pooling2d", input));
                l.add(KerasLayer.dense("dense", "global_average_pooling2d", hidden, "relu"));
                l.add(KerasLayer.dense("dense_1", "dense", classes, "softmax"));
            }
            case FLATTEN_DENSE -> {
                l.add(KerasLayer.flatten("flatten", input));
                l.add(KerasLayer.dense("dense", "flatten", hidden, "relu"));
                l.add(KerasLayer.dropout("dropout", "dense", dropout));
                l.add(KerasLayer.dense("dense_1", "dropout", classes, "softmax"));
            }
        }
        return List.copyOf(l);
    }

    /** Keras-style description for {@code classes} classes. */
    public String description(int classes) {
        return switch (kind) {
            case KERAS -> {
                List<String> d = new ArrayList<>();
                for (Layer k : kerasLayers) {
                    if (k instanceof GlobalAveragePooling) d.add("GAP");
                    else if (k instanceof Flatten) d.add("Flatten");
                    else if (k instanceof Dropout r) d.add("Dropout(" + r.rate() + ")");
                    else if (k instanceof Dense r) d.add("Dense(" + r.units() + ", " + r.activation() + ")");
                }
                yield String.join(" + ", d);
            }
            case BINARY -> "GAP + Dense(1, sigmoid)";
            case POOLED_DENSE -> "GAP + Dense(" + hidden + ", relu) + Dense(" + classes + ", softmax)";
            case FLATTEN_DENSE -> String.format(Locale.ROOT, "Flatten + Dense(%d, relu) + Dropout(%s) + Dense(%d, softmax)",
                    hidden, dropout, classes);
        };
    }

    LossFunctions.LossFunction loss() {
        if (kind == Kind.KERAS) return lastDense().activation().equals("sigmoid") ? LossFunctions.LossFunction.XENT : LossFunctions.LossFunction.MCXENT;
        return isBinary() ? LossFunctions.LossFunction.XENT : LossFunctions.LossFunction.MCXENT;
    }
}
