package org.tlworkbook.model;

import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;

/**
 * The new classifier put on top of a base: the three recipes of the workbook, with Keras' default
 * layer names.
 */
public record Head(String description, List<KerasLayer> layers, int outputs, boolean binary) {

    /** GlobalAveragePooling2D + Dense(1, sigmoid): the cats-vs-dogs head (binary cross-entropy). */
    public static Head binary(String baseOutput) {
        return new Head("GAP + Dense(1, sigmoid)", List.of(
                KerasLayer.globalAvgPool("global_average_pooling2d", baseOutput),
                KerasLayer.dense("dense", "global_average_pooling2d", 1, "sigmoid")), 1, true);
    }

    /** GlobalAveragePooling2D + Dense(hidden, relu) + Dense(classes, softmax): the own-folder recipe. */
    public static Head pooledDense(String baseOutput, int hidden, int classes) {
        return new Head("GAP + Dense(" + hidden + ", relu) + Dense(" + classes + ", softmax)", List.of(
                KerasLayer.globalAvgPool("global_average_pooling2d", baseOutput),
                KerasLayer.dense("dense", "global_average_pooling2d", hidden, "relu"),
                KerasLayer.dense("dense_1", "dense", classes, "softmax")), classes, false);
    }

    /** Flatten + Dense(hidden, relu) + Dropout(rate) + Dense(classes, softmax): the VGG16 recipe. */
    public static Head flattenDense(String baseOutput, int hidden, double dropout, int classes) {
        List<KerasLayer> l = new ArrayList<>();
        l.add(KerasLayer.flatten("flatten", baseOutput));
        l.add(KerasLayer.dense("dense", "flatten", hidden, "relu"));
        l.add(KerasLayer.dropout("dropout", "dense", dropout));
        l.add(KerasLayer.dense("dense_1", "dropout", classes, "softmax"));
        return new Head("Flatten + Dense(" + hidden + ", relu) + Dropout(" + dropout + ") + Dense(" + classes + ", softmax)",
                List.copyOf(l), classes, false);
    }

    /** Rebuilds a head by its kind name, for saved models and the CLI. */
    public static Head named(String kind, String baseOutput, int classes) {
        return switch (kind) {
            case "binary" -> binary(baseOutput);
            case "pooled_dense" -> pooledDense(baseOutput, 64, classes);
            case "flatten_dense" -> flattenDense(baseOutput, 256, 0.5, classes);
            default -> throw new IllegalArgumentException("unknown head " + kind + " (binary, pooled_dense, flatten_dense)");
        };
    }

    public String kind() {
        if (binary) return "binary";
        return layers.get(0).kind() == KerasLayer.Kind.FLATTEN ? "flatten_dense" : "pooled_dense";
    }

    LossFunctions.LossFunction loss() {
        return binary ? LossFunctions.LossFunction.XENT : LossFunctions.LossFunction.MCXENT;
    }
}
