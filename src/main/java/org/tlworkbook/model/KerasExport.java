package org.tlworkbook.model;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.data.AtomicFiles;
import org.tlworkbook.engine.KerasLayer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A classifier as Keras' legacy HDF5 full model ({@code model.save("x.h5")}): the root's {@code model_config} (a flat
 * {@code Functional} model whose layers keep the workbook's Keras names) and {@code model_weights} (one group per layer
 * with weights, in Keras' order and layout). {@code keras.models.load_model} reads it with no custom objects, and
 * {@link KerasImport} reads it back. Kernels go from DL4J's layouts to Keras' (convolutions {@code (out, in, h, w)} to
 * {@code (h, w, in, out)}; a Dense after Flatten has its rows reordered from channels-first to channels-last).
 */
final class KerasExport {
    static final String KERAS_VERSION = "2.15.0";
    private static final ObjectMapper JSON = new ObjectMapper();

    private KerasExport() { }

    static void write(Classifier model, List<KerasLayer> layers, Path file) throws IOException {
        Map<String, INDArray> params = model.graph().paramTable();
        Map<String, int[]> shapes = shapes(layers, model.base().size());
        String config = config(model, layers);
        AtomicFiles.write(file, tmp -> {
            try (WritableHdfFile h5 = HdfFile.write(tmp)) {
                h5.putAttribute("keras_version", KERAS_VERSION);
                h5.putAttribute("backend", "tensorflow");
                h5.putAttribute("model_config", config);
                WritableGroup weights = h5.putGroup("model_weights");
                // Only the layers with weights are listed and get a group: Keras' loader skips weightless ones anyway,
                // and jhdf 0.9-0.10 writes a group of about 175 or more children that neither it nor h5py can read back
                // (ResNet50 has 175 layers, 107 of them with weights).
                List<String> names = new ArrayList<>();
                for (KerasLayer k : layers) if (k.hasWeights()) names.add(k.name());
                weights.putAttribute("layer_names", names.toArray(String[]::new));
                weights.putAttribute("backend", "tensorflow");
                weights.putAttribute("keras_version", KERAS_VERSION);
                for (KerasLayer k : layers) {
                    if (!k.hasWeights()) continue;
                    WritableGroup g = weights.putGroup(k.name());
                    WritableGroup inner = g.putGroup(k.name());
                    List<String> weightNames = new ArrayList<>();
                    for (Map.Entry<String, Object> w : kerasWeights(k, params, shapes).entrySet()) {
                        inner.putDataset(w.getKey() + ":0", w.getValue());
                        weightNames.add(k.name() + "/" + w.getKey() + ":0");
                    }
                    g.putAttribute("weight_names", weightNames.toArray(String[]::new));
                }
            }
        });
    }

    /** A layer's weights in Keras' order and layout, keyed by Keras' weight name. */
    static Map<String, Object> kerasWeights(KerasLayer k, Map<String, INDArray> params, Map<String, int[]> shapes) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        switch (k.kind()) {
            case CONV -> {
                out.put("kernel", to4d(param(params, k, "W").permute(2, 3, 1, 0)));
                if (((KerasLayer.Conv) k).bias()) out.put("bias", vector(param(params, k, "b")));
            }
            case DEPTHWISE -> out.put("depthwise_kernel", to4d(param(params, k, "W")));
            case BATCH_NORM -> {
                out.put("gamma", vector(param(params, k, "gamma")));
                out.put("beta", vector(param(params, k, "beta")));
                out.put("moving_mean", vector(param(params, k, "mean")));
                out.put("moving_variance", vector(param(params, k, "var")));
            }
            case DENSE -> {
                INDArray w = param(params, k, "W");
                int[] flattened = shapes.get(k.input() + "#flatten");
                if (flattened != null) w = channelsLast(w, flattened);
                out.put("kernel", to2d(w));
                out.put("bias", vector(param(params, k, "b")));
            }
            case INPUT, RELU6, RELU, ZERO_PAD, ADD, MAX_POOL, GLOBAL_AVG_POOL, FLATTEN, DROPOUT ->
                    throw new IllegalStateException(k.name() + " has no weights");
        }
        return out;
    }

    /** Rows of a Dense kernel after Flatten, from DL4J's (c, h, w) order to Keras' (h, w, c). */
    static INDArray channelsLast(INDArray w, int[] chw) {
        int c = chw[0], h = chw[1], wd = chw[2];
        long units = w.size(1);
        return w.reshape('c', c, h, wd, units).permute(1, 2, 0, 3).dup('c').reshape('c', (long) h * wd * c, units);
    }

    /** The inverse of {@link #channelsLast}: Keras' (h, w, c) rows to DL4J's (c, h, w). */
    static INDArray channelsFirst(INDArray w, int[] chw) {
        int c = chw[0], h = chw[1], wd = chw[2];
        long units = w.size(1);
        return w.reshape('c', h, wd, c, units).permute(2, 0, 1, 3).dup('c').reshape('c', (long) c * h * wd, units);
    }

    /**
     * Each layer's output as {channels, height, width} (4-d) or {units} (2-d), computed as Keras does; a Flatten's input
     * shape is also kept under {@code "<flatten name>#flatten"}.
     */
    static Map<String, int[]> shapes(List<KerasLayer> layers, int size) {
        Map<String, int[]> s = new HashMap<>();
        for (KerasLayer k : layers) {
            int[] in = k.inputs().isEmpty() ? null : s.get(k.input());
            int[] out = switch (k.kind()) {
                case INPUT -> new int[]{3, size, size};
                case CONV -> new int[]{((KerasLayer.Conv) k).filters(), spatial(in[1], (KerasLayer.Conv) k), spatial(in[2], (KerasLayer.Conv) k)};
                case DEPTHWISE -> new int[]{in[0], spatial(in[1], (KerasLayer.Depthwise) k), spatial(in[2], (KerasLayer.Depthwise) k)};
                case ZERO_PAD -> {
                    KerasLayer.ZeroPad p = (KerasLayer.ZeroPad) k;
                    yield new int[]{in[0], in[1] + p.top() + p.bottom(), in[2] + p.left() + p.right()};
                }
                case MAX_POOL -> {
                    KerasLayer.MaxPool p = (KerasLayer.MaxPool) k;
                    yield new int[]{in[0], (in[1] - p.pool()) / p.stride() + 1, (in[2] - p.pool()) / p.stride() + 1};
                }
                case GLOBAL_AVG_POOL -> new int[]{in[0]};
                case FLATTEN -> {
                    s.put(k.name() + "#flatten", in);
                    yield new int[]{in[0] * in[1] * in[2]};
                }
                case DENSE -> new int[]{((KerasLayer.Dense) k).units()};
                case BATCH_NORM, RELU6, RELU, ADD, DROPOUT -> in;
            };
            s.put(k.name(), out);
        }
        return s;
    }

    private static int spatial(int in, KerasLayer.Convolution k) {
        return k.samePadding() ? (in + k.stride() - 1) / k.stride() : (in - k.kernel()) / k.stride() + 1;
    }

    static String config(Classifier model, List<KerasLayer> layers) {
        ObjectNode root = JSON.createObjectNode();
        root.put("class_name", "Functional");
        ObjectNode config = root.putObject("config");
        config.put("name", model.base().name() + "_" + model.head().kind().label());
        ArrayNode list = config.putArray("layers");
        for (KerasLayer k : layers) list.add(layer(k, model.base().size()));
        config.putArray("input_layers").addArray().add(layers.get(0).name()).add(0).add(0);
        config.putArray("output_layers").addArray().add(layers.get(layers.size() - 1).name()).add(0).add(0);
        return root.toString();
    }

    private static ObjectNode layer(KerasLayer k, int size) {
        ObjectNode l = JSON.createObjectNode();
        l.put("class_name", k.typeName());
        ObjectNode c = l.putObject("config");
        c.put("name", k.name());
        c.put("trainable", true);
        c.put("dtype", "float32");
        ObjectNode configured = switch (k.kind()) { // an expression, so a new layer kind does not compile without its config
            case INPUT -> {
                c.putArray("batch_input_shape").addNull().add(size).add(size).add(3);
                c.put("sparse", false);
                c.put("ragged", false);
                yield c;
            }
            case CONV -> {
                KerasLayer.Conv conv = (KerasLayer.Conv) k;
                c.put("filters", conv.filters());
                convolution(c, conv);
                c.put("groups", 1);
                c.put("activation", conv.activationName());
                c.put("use_bias", conv.bias());
                yield c;
            }
            case DEPTHWISE -> {
                convolution(c, (KerasLayer.Depthwise) k);
                c.put("depth_multiplier", 1);
                c.put("activation", "linear");
                c.put("use_bias", false);
                yield c;
            }
            case BATCH_NORM -> {
                c.put("axis", -1);
                c.put("momentum", 0.999);
                c.put("epsilon", ((KerasLayer.BatchNorm) k).epsilon());
                c.put("center", true);
                c.put("scale", true);
                yield c;
            }
            case RELU6 -> {
                c.put("max_value", 6.0);
                c.put("negative_slope", 0.0);
                c.put("threshold", 0.0);
                yield c;
            }
            case RELU -> c.put("activation", "relu");
            case ZERO_PAD -> {
                int[] p = ((KerasLayer.ZeroPad) k).padding();
                ArrayNode pad = c.putArray("padding");
                pad.addArray().add(p[0]).add(p[1]);
                pad.addArray().add(p[2]).add(p[3]);
                c.put("data_format", "channels_last");
                yield c;
            }
            case MAX_POOL -> {
                pair(c, "pool_size", ((KerasLayer.MaxPool) k).pool());
                pair(c, "strides", ((KerasLayer.MaxPool) k).stride());
                c.put("padding", "valid");
                c.put("data_format", "channels_last");
                yield c;
            }
            case GLOBAL_AVG_POOL -> {
                c.put("data_format", "channels_last");
                c.put("keepdims", false);
                yield c;
            }
            case FLATTEN -> c.put("data_format", "channels_last");
            case DENSE -> {
                KerasLayer.Dense dense = (KerasLayer.Dense) k;
                c.put("units", dense.units());
                c.put("activation", dense.activationName());
                c.put("use_bias", true);
                yield c;
            }
            case DROPOUT -> c.put("rate", ((KerasLayer.Dropout) k).rate());
            case ADD -> c;
        };
        l.put("name", k.name());
        ArrayNode inbound = l.putArray("inbound_nodes");
        if (!k.inputs().isEmpty()) {
            ArrayNode node = inbound.addArray();
            for (String in : k.inputs()) node.addArray().add(in).add(0).add(0).addObject();
        }
        return l;
    }

    /** What Conv2D and DepthwiseConv2D configs share: square kernel and stride, padding, channels-last, no dilation. */
    private static void convolution(ObjectNode c, KerasLayer.Convolution k) {
        pair(c, "kernel_size", k.kernel());
        pair(c, "strides", k.stride());
        c.put("padding", k.samePadding() ? "same" : "valid");
        c.put("data_format", "channels_last");
        pair(c, "dilation_rate", 1);
    }

    private static void pair(ObjectNode c, String key, int v) {
        c.putArray(key).add(v).add(v);
    }

    private static INDArray param(Map<String, INDArray> params, KerasLayer k, String key) {
        return org.tlworkbook.engine.Params.get(params, k.name(), key);
    }

    static float[] vector(INDArray a) {
        return a.dup('c').reshape(a.length()).toFloatVector();
    }

    static float[][] to2d(INDArray a) {
        INDArray c = a.dup('c');
        float[][] out = new float[(int) c.size(0)][(int) c.size(1)];
        for (int i = 0; i < out.length; i++) out[i] = c.getRow(i).dup().toFloatVector();
        return out;
    }

    static float[][][][] to4d(INDArray a) {
        INDArray c = a.dup('c');
        long[] s = c.shape();
        float[] flat = c.reshape(c.length()).toFloatVector();
        float[][][][] out = new float[(int) s[0]][(int) s[1]][(int) s[2]][(int) s[3]];
        int i = 0;
        for (float[][][] a3 : out) for (float[][] a2 : a3) for (float[] a1 : a2) {
            System.arraycopy(flat, i, a1, 0, a1.length);
            i += a1.length;
        }
        return out;
    }
}
