package org.tlworkbook.model;

import org.tlworkbook.engine.KerasLayer;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads Keras weights-only HDF5 files (the {@code keras.applications} layout: root attribute
 * {@code layer_names}, per-layer {@code weight_names}) into a graph built from the same layer list,
 * matching by layer name. Kernels are transposed from Keras' {@code (h, w, in, out)} to DL4J's
 * {@code (out, in, h, w)}. A missing layer or a shape mismatch fails naming the layer.
 */
final class KerasWeights {
    private KerasWeights() { }

    /** Loads a Keras weights file into the graph's layers of {@code layers}; a missing or mismatched weight is named. */
    static void load(Path file, List<KerasLayer> layers, ComputationGraph graph) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("Weights file " + file + " does not exist. Download it (see README: weights) or pass --weights FILE.");
        }
        try (HdfFile h5 = new HdfFile(file)) {
            Attribute layerNamesAttr = h5.getAttribute("layer_names");
            if (layerNamesAttr == null) {
                throw new IOException(file + " is not a Keras weights file (no layer_names attribute).");
            }
            Set<String> inFile = new HashSet<>(Arrays.asList(strings(layerNamesAttr.getData())));
            List<String> missing = new ArrayList<>();
            for (KerasLayer k : layers) {
                if (!k.hasWeights()) continue;
                if (!inFile.contains(k.name())) {
                    missing.add(k.name());
                    continue;
                }
                Node group = h5.getByPath(k.name());
                Attribute wn = group.getAttribute("weight_names");
                String[] weightNames = wn == null || wn.getData() == null ? new String[0] : strings(wn.getData());
                for (String w : weightNames) {
                    String weight = suffix(w), key = paramKey(weight);
                    if (key == null) throw new IOException(file + ": layer " + k.name() + " has an unknown weight '" + weight + "'");
                    INDArray target = graph.getLayer(k.name()).getParam(key);
                    if (target == null) throw new IOException(file + ": layer " + k.name() + " has weight '" + weight + "' this model lacks");
                    assign(file, k, weight, h5.getDatasetByPath(k.name() + "/" + w), target, null);
                }
            }
            if (!missing.isEmpty()) {
                throw new IOException(file + " has no weights for layer(s) " + missing.subList(0, Math.min(5, missing.size()))
                        + (missing.size() > 5 ? " and " + (missing.size() - 5) + " more" : "")
                        + "; is it the file for this architecture and alpha?");
            }
        } catch (IOException | IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IOException("Cannot read weights from " + file + ": " + e.getMessage(), e);
        }
    }

    static String[] strings(Object data) {
        if (data instanceof String[] s) return s;
        if (data instanceof String s) return new String[]{s};
        throw new IllegalArgumentException("expected strings, found " + data.getClass());
    }

    /** An HDF5 dataset's values as floats (Keras writes float32, some tools float64); null when they are not floating point. */
    static float[] floats(Object flat) {
        if (flat instanceof float[] f) return f;
        if (!(flat instanceof double[] d)) return null;
        float[] values = new float[d.length];
        for (int i = 0; i < d.length; i++) values[i] = (float) d[i];
        return values;
    }

    static String suffix(String weightName) {
        String s = weightName.substring(weightName.lastIndexOf('/') + 1);
        int colon = s.indexOf(':');
        return colon >= 0 ? s.substring(0, colon) : s;
    }

    /** Keras' name of a weight as DL4J's parameter key ({@code kernel} and {@code depthwise_kernel} are {@code W}), or null. */
    static String paramKey(String weight) {
        return switch (weight) {
            case "kernel", "depthwise_kernel" -> "W";
            case "bias" -> "b";
            case "gamma", "beta" -> weight;
            case "moving_mean" -> "mean";
            case "moving_variance" -> "var";
            default -> null;
        };
    }

    /**
     * Puts one Keras weight into {@code target}, its DL4J parameter: a convolution kernel goes from {@code (h, w, in, out)}
     * to {@code (out, in, h, w)}, and a Dense kernel after Flatten (whose input is {@code flattened}, {c, h, w}; else null)
     * has its rows made channels-first. A shape that does not fit is an error naming the layer.
     */
    static void assign(Path file, KerasLayer k, String weight, Dataset ds, INDArray target, int[] flattened) throws IOException {
        float[] values = floats(ds.getDataFlat());
        if (values == null) throw new IOException(file + ": layer " + k.name() + " weight " + weight + " is not floating point");
        long[] shape = Arrays.stream(ds.getDimensions()).asLongStream().toArray();
        INDArray source = Nd4j.create(values, shape.length == 0 ? new long[]{values.length} : shape, 'c');
        boolean kernel = paramKey(weight).equals("W");
        if (k.kind() == KerasLayer.Kind.CONV && kernel) source = source.permute(3, 2, 0, 1);
        if (k.kind() == KerasLayer.Kind.DENSE && kernel && flattened != null) source = KerasExport.channelsFirst(source, flattened);
        if (source.length() != target.length() || (kernel && !Arrays.equals(source.shape(), target.shape()))) {
            int[] dims = ds.getDimensions();
            if (k.name().equals("Conv1") && kernel && dims.length == 4 && target.rank() == 4) {
                int inFile = dims[3], inModel = (int) target.size(0);
                throw new IllegalArgumentException(file + " is MobileNetV2 weights of " + widthOf(inFile) + " (its Conv1 has " + inFile
                        + " filters), but this model is built at " + widthOf(inModel) + " (" + inModel + " filters): give the --alpha of the file, "
                        + "or the weights file of the alpha you want");
            }
            throw new IllegalArgumentException(file + ": layer " + k.name() + " weight " + weight + " has shape " + Arrays.toString(dims)
                    + " in the file but " + Arrays.toString(target.shape()) + " in the model: the file is for another alpha or architecture");
        }
        target.assign(source.reshape(target.shape()));
    }

    /** MobileNetV2's widths by the filter count of its first convolution (Keras rounds 32 x alpha to a multiple of 8). */
    private static String widthOf(int filters) {
        return switch (filters) {
            case 16 -> "alpha 0.35 or 0.5";
            case 24 -> "alpha 0.75";
            case 32 -> "alpha 1.0";
            case 40 -> "alpha 1.3";
            case 48 -> "alpha 1.4";
            default -> "another width";
        };
    }
}
