package org.tlworkbook.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One unit of work of the fast passes, planned the same way for inference and training: a convolution
 * (1x1, 3x3 or depthwise) with the zero padding only it reads, the batch norm only it feeds and the ReLU6
 * (or ReLU) only that batch norm feeds, so the three run as one pass over memory; or a single other layer ({@code op}
 * alone). Each pass then decides which units it can run.
 */
record Fusion(KerasLayer.ZeroPad pad, KerasLayer op, KerasLayer.BatchNorm bn, KerasLayer relu) {

    /** Units for {@code layers} after the input layer at index 0, in order. */
    static List<Fusion> plan(List<KerasLayer> layers) {
        Map<String, Integer> consumers = new HashMap<>();
        for (KerasLayer k : layers) for (String in : k.inputs()) consumers.merge(in, 1, Integer::sum);
        List<Fusion> plan = new ArrayList<>();
        for (int i = 1; i < layers.size(); i++) {
            KerasLayer k = layers.get(i);
            KerasLayer.ZeroPad pad = null;
            if (k instanceof KerasLayer.ZeroPad z && i + 1 < layers.size() && layers.get(i + 1) instanceof KerasLayer.Convolution c
                    && onlyReader(c, k, consumers) && !c.samePadding()) {
                pad = z;
                k = layers.get(++i);
            }
            if (!isConv(k)) {
                plan.add(new Fusion(null, k, null, null));
                continue;
            }
            KerasLayer.BatchNorm bn = null;
            KerasLayer relu = null;
            if (i + 1 < layers.size() && layers.get(i + 1) instanceof KerasLayer.BatchNorm b && onlyReader(b, k, consumers)) {
                bn = b;
                i++;
                if (i + 1 < layers.size() && isRelu(layers.get(i + 1)) && onlyReader(layers.get(i + 1), bn, consumers)) {
                    relu = layers.get(++i);
                }
            }
            plan.add(new Fusion(pad, k, bn, relu));
        }
        return plan;
    }

    private static boolean isRelu(KerasLayer k) {
        return k.kind() == KerasLayer.Kind.RELU6 || k.kind() == KerasLayer.Kind.RELU;
    }

    private static boolean isConv(KerasLayer k) {
        return k instanceof KerasLayer.Convolution;
    }

    private static boolean onlyReader(KerasLayer next, KerasLayer of, Map<String, Integer> consumers) {
        return next.input().equals(of.name()) && consumers.getOrDefault(of.name(), 0) == 1;
    }

    /** The layer the unit reads (before the padding, if any). */
    String input() {
        return pad != null ? pad.input() : op.input();
    }

    /** The last layer the unit computes, whose output later units read. */
    String output() {
        return relu != null ? relu.name() : bn != null ? bn.name() : op.name();
    }

    /** Explicit zero padding {top, bottom, left, right} folded into the convolution. */
    int[] padding() {
        return pad == null ? new int[4] : pad.padding();
    }

    /** The convolution's (or dense layer's) own activation, or the ReLU6 or ReLU fused in after its batch norm. */
    Activation activation() {
        if (relu != null) return relu.kind() == KerasLayer.Kind.RELU6 ? Activation.RELU6 : Activation.RELU;
        return op instanceof KerasLayer.Activated a ? Activation.of(a.activation()) : Activation.NONE;
    }
}
