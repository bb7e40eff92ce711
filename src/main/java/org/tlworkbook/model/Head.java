package org.tlworkbook.model;

import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.tlworkbook.engine.KerasLayer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The new classifier put on top of a base: the three recipes of the workbook, with Keras' default layer
 * names. A head is a recipe, not yet layers: {@link Classifier#of} wires it to the base's output and sizes
 * its last layer for the classes.
 */
public record Head(Kind kind, int hidden, double dropout) {

    /** The head's layer pattern. */
    public enum Kind {
        /** GAP + Dense(1, sigmoid). */
        BINARY("binary"),
        /** GAP + Dense(hidden, relu) + Dense(classes, softmax). */
        POOLED_DENSE("pooled_dense"),
        /** Flatten + Dense(hidden, relu) + Dropout + Dense(classes, softmax). */
        FLATTEN_DENSE("flatten_dense");

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

    /** Whether it ends in one sigmoid unit (two classes, binary labels). */
    public boolean isBinary() {
        return kind == Kind.BINARY;
    }

    /** Units of the last layer for {@code classes} classes. */
    public int outputs(int classes) {
        return isBinary() ? 1 : classes;
    }

    /** The head's layers reading {@code input} (the base's last layer). */
    public List<KerasLayer> layers(String input, int classes) {
        List<KerasLayer> l = new ArrayList<>();
        switch (kind) {
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
            case BINARY -> "GAP + Dense(1, sigmoid)";
            case POOLED_DENSE -> "GAP + Dense(" + hidden + ", relu) + Dense(" + classes + ", softmax)";
            case FLATTEN_DENSE -> String.format(Locale.ROOT, "Flatten + Dense(%d, relu) + Dropout(%s) + Dense(%d, softmax)",
                    hidden, dropout, classes);
        };
    }

    LossFunctions.LossFunction loss() {
        return isBinary() ? LossFunctions.LossFunction.XENT : LossFunctions.LossFunction.MCXENT;
    }
}
