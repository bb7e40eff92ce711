package org.tlworkbook.model;

import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.tlworkbook.engine.KerasLayer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The new classifier put on top of a base: the three recipes of the workbook, with Keras' default layer
 * names, or a head read from a Keras model ({@link #keras(String)}: pooling or Flatten, then Dense and Dropout layers,
 * as they were). A head is a recipe, not yet layers: {@link Classifier#of} wires it to the base's output and sizes
 * its last layer for the classes.
 */
public record Head(Kind kind, int hidden, double dropout, String spec) {

    /** Refuses a Keras head whose layer list is not one the workbook can build (see {@link #keras(String)}). */
    public Head {
        if (kind == Kind.KERAS) parse(spec);
    }

    /** One of the workbook's own heads. */
    public Head(Kind kind, int hidden, double dropout) {
        this(kind, hidden, dropout, null);
    }

    /** The head's layer pattern. */
    public enum Kind {
        /** GAP + Dense(1, sigmoid). */
        BINARY("binary"),
        /** GAP + Dense(hidden, relu) + Dense(classes, softmax). */
        POOLED_DENSE("pooled_dense"),
        /** Flatten + Dense(hidden, relu) + Dropout + Dense(classes, softmax). */
        FLATTEN_DENSE("flatten_dense"),
        /** The layers of a Keras model's head, as {@link #spec()} lists them. */
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
     */
    public static Head keras(String spec) {
        List<String[]> parts = parse(spec);
        String[] last = parts.get(parts.size() - 1);
        int hidden = 0;
        double rate = 0;
        for (String[] part : parts) {
            if (part[0].equals("dense") && part != last) hidden = Integer.parseInt(part[2]);
            if (part[0].equals("dropout")) rate = Double.parseDouble(part[2]);
        }
        return new Head(Kind.KERAS, hidden, rate, spec);
    }

    private static List<String[]> parse(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("a Keras head needs its layers, e.g. gap:pool;dense:out:1:sigmoid");
        List<String[]> parts = new ArrayList<>();
        for (String layer : spec.split(";")) {
            String[] f = layer.split(":");
            boolean ok = switch (f[0]) {
                case "gap", "flatten" -> f.length == 2 && parts.isEmpty();
                case "dropout" -> f.length == 3 && !parts.isEmpty() && rate(f[2]);
                case "dense" -> f.length == 4 && !parts.isEmpty() && f[2].matches("[1-9][0-9]{0,5}")
                        && List.of("relu", "sigmoid", "softmax", "linear").contains(f[3]);
                default -> false;
            };
            if (!ok || f[1].isBlank()) {
                throw new IllegalArgumentException("head layer '" + layer + "' is not gap:NAME or flatten:NAME (first), dropout:NAME:RATE "
                        + "or dense:NAME:UNITS:relu|sigmoid|softmax|linear");
            }
            parts.add(f);
        }
        String[] last = parts.get(parts.size() - 1);
        if (!last[0].equals("dense") || !(last[3].equals("sigmoid") || last[3].equals("softmax"))) {
            throw new IllegalArgumentException("a head ends in a Dense layer with sigmoid or softmax (probabilities); '"
                    + String.join(":", last) + "' does not");
        }
        return parts;
    }

    private static boolean rate(String s) {
        try {
            double r = Double.parseDouble(s);
            return r >= 0 && r < 1;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The last layer of a Keras head, {dense, NAME, UNITS, ACTIVATION}: the constructor checked the spec. */
    private String[] lastDense() {
        return spec.substring(spec.lastIndexOf(';') + 1).split(":");
    }

    /** Whether it ends in one sigmoid unit (two classes, binary labels). */
    public boolean isBinary() {
        return kind == Kind.BINARY || (kind == Kind.KERAS && lastDense()[2].equals("1"));
    }

    /** Units of the last layer for {@code classes} classes. */
    public int outputs(int classes) {
        if (kind == Kind.KERAS) return Integer.parseInt(lastDense()[2]);
        return isBinary() ? 1 : classes;
    }

    /** The head's layers reading {@code input} (the base's last layer). */
    List<KerasLayer> layers(String input, int classes) {
        List<KerasLayer> l = new ArrayList<>();
        switch (kind) {
            case KERAS -> {
                String previous = input;
                for (String[] f : parse(spec)) {
                    l.add(switch (f[0]) {
                        case "gap" -> KerasLayer.globalAvgPool(f[1], previous);
                        case "flatten" -> KerasLayer.flatten(f[1], previous);
                        case "dropout" -> KerasLayer.dropout(f[1], previous, Double.parseDouble(f[2]));
                        default -> KerasLayer.dense(f[1], previous, Integer.parseInt(f[2]), f[3]);
                    });
                    previous = f[1];
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
                for (String[] f : parse(spec)) {
                    d.add(switch (f[0]) {
                        case "gap" -> "GAP";
                        case "flatten" -> "Flatten";
                        case "dropout" -> "Dropout(" + f[2] + ")";
                        default -> "Dense(" + f[2] + ", " + f[3] + ")";
                    });
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
        if (kind == Kind.KERAS) return lastDense()[3].equals("sigmoid") ? LossFunctions.LossFunction.XENT : LossFunctions.LossFunction.MCXENT;
        return isBinary() ? LossFunctions.LossFunction.XENT : LossFunctions.LossFunction.MCXENT;
    }
}
