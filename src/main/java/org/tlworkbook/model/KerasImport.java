package org.tlworkbook.model;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.tlworkbook.data.Preprocessing;
import org.tlworkbook.engine.KerasLayer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a classifier Keras saved whole ({@code model.save("x.h5")}, legacy HDF5): a {@code keras.applications}
 * MobileNetV2 or VGG16 base, nested as a sub-model or flat, and a head of pooling or Flatten, Dense and Dropout layers,
 * as the seeds build them. The base is recognised by its layer names and sizes (MobileNetV2's alpha from its filter
 * counts); the head becomes a {@link Head#keras} head that keeps its layers' names and activations. Anything else is
 * refused, naming the layer it cannot take.
 */
final class KerasImport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> MODELS = Set.of("Functional", "Model", "Sequential");

    private KerasImport() { }

    /** One layer of the file, nested models expanded, with its Keras config. */
    record FileLayer(String className, String name, JsonNode config) { }

    static Classifier read(Path file, List<String> classes, Preprocessing preprocessing) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("no Keras model at " + file + ": the file does not exist");
        HdfFile h5;
        try {
            h5 = new HdfFile(file);
        } catch (RuntimeException e) {
            throw new IOException(file + " is not an HDF5 file, so not a Keras .h5 model (" + e.getMessage()
                    + "). Save the model in Keras with model.save(\"model.h5\").", e);
        }
        try (h5) {
            Attribute config = h5.getAttribute("model_config");
            if (config == null) throw new IOException(notAModel(file, h5));
            JsonNode model = JSON.readTree(text(config.getData()));
            List<FileLayer> layers = new ArrayList<>();
            int[] size = {0};
            expand(model, layers, size, true);
            if (size[0] == 0) throw new IOException(file + ": the model's input size is not in its config; build the model with input_shape=(H, W, 3)");
            Group weights = h5.getChild("model_weights") instanceof Group g ? g : null;
            if (weights == null) throw new IOException(file + " has a model config but no model_weights: it was saved without its weights");
            return build(file, layers, size[0], weightPaths(weights), h5, classes, preprocessing);
        } catch (IOException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IOException("cannot read the Keras model " + file + ": " + e, e);
        }
    }

    private static String notAModel(Path file, HdfFile h5) {
        boolean weightsOnly = h5.getAttribute("layer_names") != null || h5.getChildren().containsKey("layers")
                || file.getFileName().toString().endsWith(".weights.h5");
        if (weightsOnly) {
            return file + " is a Keras weights-only file (it has no model_config: the weights without the model). Use it as a base's "
                    + "weights with --weights " + file.getFileName() + " (CLI) or MobileNetV2.fromWeights(size, alpha, file); to import a "
                    + "whole classifier, save it in Keras with model.save(\"model.h5\").";
        }
        return file + " is an HDF5 file but not a Keras model (it has no model_config attribute). Save the model in Keras with "
                + "model.save(\"model.h5\").";
    }

    /** The model's layers in order, a nested model's layers in its place; records the input size. */
    private static void expand(JsonNode model, List<FileLayer> out, int[] size, boolean top) {
        String cls = model.path("class_name").asText();
        if (!MODELS.contains(cls)) throw new IllegalArgumentException("the file's model is a " + cls + ", not a Sequential or Functional model");
        JsonNode config = model.path("config");
        inputSize(config.path("build_input_shape"), size);
        for (JsonNode layer : config.path("layers")) {
            String lc = layer.path("class_name").asText();
            JsonNode lconf = layer.path("config");
            String name = lconf.path("name").asText(layer.path("name").asText());
            if (MODELS.contains(lc)) {
                expand(layer, out, size, false);
            } else if (lc.equals("InputLayer")) {
                inputSize(lconf.has("batch_shape") ? lconf.path("batch_shape") : lconf.path("batch_input_shape"), size);
            } else {
                out.add(new FileLayer(lc, name, lconf));
            }
        }
    }

    private static void inputSize(JsonNode shape, int[] size) {
        if (size[0] == 0 && shape.isArray() && shape.size() == 4 && shape.get(1).isInt()) {
            if (shape.get(1).asInt() != shape.get(2).asInt() || shape.get(3).asInt() != 3) {
                throw new IllegalArgumentException("the model takes " + shape + " inputs; the workbook's bases take square RGB images");
            }
            size[0] = shape.get(1).asInt();
        }
    }

    /** Every weight dataset, by the (sub)layer its name starts with, in the file's order. */
    private static Map<String, List<String>> weightPaths(Group weights) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Node child : weights.getChildren().values()) {
            if (!(child instanceof Group g)) continue;
            Attribute names = g.getAttribute("weight_names");
            if (names == null || names.getData() == null) continue;
            for (String w : KerasWeights.strings(names.getData())) {
                // the (sub)layer is the segment before the weight's own name: "Conv1/kernel:0" (Keras 2, or a nested
                // model's layer), "sequential/dense/kernel" (Keras 3 names a Sequential's own layers after the model)
                String[] parts = w.split("/");
                String layer = parts.length >= 2 ? parts[parts.length - 2] : g.getName();
                out.computeIfAbsent(layer, k -> new ArrayList<>()).add("model_weights/" + g.getName() + "/" + w);
            }
        }
        return out;
    }

    private static Classifier build(Path file, List<FileLayer> fileLayers, int size, Map<String, List<String>> weights, HdfFile h5,
                                    List<String> classes, Preprocessing preprocessing) throws IOException {
        Match match = base(fileLayers, size);
        List<Head.Layer> headLayers = head(fileLayers.subList(match.baseLayers, fileLayers.size()));
        Head head = Head.keras(headLayers);
        int outputs = head.outputs(2);
        int classCount = head.isBinary() ? 2 : outputs;
        if (classes != null && classes.size() != classCount) {
            throw new IllegalArgumentException("the model has " + classCount + " classes (its last Dense layer has " + outputs + " output"
                    + (outputs == 1 ? ", a sigmoid" : "s") + "), not the " + classes.size() + " of " + String.join(", ", classes)
                    + ": give " + classCount + " names, in the order of its training folders");
        }
        List<String> names = classes != null ? classes : defaultClasses(classCount);
        BaseModel base = match.architecture.create(size, match.alpha, 0).freeze();
        if (preprocessing != null) base.withPreprocessing(preprocessing);
        Classifier model = Classifier.of(base, head, names).compile(Optimizer.rmsprop(1e-4));
        List<KerasLayer> layers = model.layers();
        Map<String, int[]> shapes = KerasExport.shapes(layers, size);
        Map<String, INDArray> params = model.graph().paramTable();
        Map<String, INDArray> baseParams = base.paramTable();
        for (KerasLayer k : layers) {
            if (!k.hasWeights()) continue;
            List<String> paths = weights.get(k.name());
            if (paths == null) throw new IOException(file + ": layer " + k.name() + " has no weights in the file");
            for (String path : paths) {
                String weight = KerasWeights.suffix(path), key = KerasWeights.paramKey(weight);
                if (key == null) throw new IOException(file + ": layer " + k.name() + " has a weight '" + weight + "' the workbook cannot take");
                INDArray target = params.get(org.tlworkbook.engine.Params.key(k.name(), key));
                if (target == null) throw new IOException(file + ": layer " + k.name() + " has a weight '" + weight + "' this model lacks");
                KerasWeights.assign(file, k, weight, h5.getDatasetByPath(path), target, shapes.get(k.input() + "#flatten"));
                INDArray inBase = baseParams.get(org.tlworkbook.engine.Params.key(k.name(), key));
                if (inBase != null) inBase.assign(target);
            }
        }
        model.markImported(file);
        return model;
    }

    private static List<String> defaultClasses(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add("class_" + i);
        return out;
    }

    record Match(Architecture architecture, double alpha, int baseLayers) { }

    /** Which keras.applications base the file's first layers are, at which alpha. */
    private static Match base(List<FileLayer> file, int size) {
        if (file.isEmpty()) throw new IllegalArgumentException("the model has no layers");
        List<Match> candidates = new ArrayList<>();
        for (Architecture a : Architecture.values()) {
            if (!a.pretrained()) continue; // a Keras applications base
            for (double alpha : a.alphas()) candidates.add(new Match(a, alpha, 0));
        }
        String closest = null;
        Map<String, String> firsts = new LinkedHashMap<>(); // each base's first layer, for the refusal
        for (Match m : candidates) {
            List<KerasLayer> ours = m.architecture.layers(size, m.alpha);
            ours = ours.subList(1, ours.size()); // the input layer is not in the list
            firsts.putIfAbsent(m.architecture.id(), ours.get(0).name());
            if (file.size() < ours.size()) continue;
            String mismatch = null;
            for (int i = 0; i < ours.size() && mismatch == null; i++) {
                KerasLayer k = ours.get(i);
                FileLayer f = file.get(i);
                if (!f.name().equals(k.name()) || !f.className().equals(k.typeName())) {
                    mismatch = "layer " + (i + 1) + " is '" + f.name() + "' (" + f.className() + ") where " + m.architecture.id() + " has '"
                            + k.name() + "' (" + k.typeName() + ")";
                } else if (k instanceof KerasLayer.Conv c && f.config().path("filters").asInt() != c.filters()) {
                    mismatch = "layer '" + k.name() + "' has " + f.config().path("filters").asInt() + " filters, not " + c.filters();
                }
            }
            if (mismatch == null) return new Match(m.architecture, m.alpha, ours.size());
            if (closest == null && (file.get(0).name().equals(ours.get(0).name()))) closest = mismatch;
        }
        FileLayer first = file.get(0);
        List<String> theirs = new ArrayList<>();
        firsts.forEach((id, layer) -> theirs.add(id + "'s '" + layer + "'"));
        throw new IllegalArgumentException("cannot take the base: " + (closest != null ? closest
                : "its first layer is '" + first.name() + "' (" + first.className() + "), not " + String.join(" or ", theirs))
                + ". The workbook imports classifiers whose base is a keras.applications " + String.join(", ", firsts.keySet()) + " (include_top=False).");
    }

    /** The head as {@link Head#keras} layers; refuses any layer but pooling, Flatten, Dense and Dropout. */
    private static List<Head.Layer> head(List<FileLayer> layers) {
        if (layers.isEmpty()) throw new IllegalArgumentException("the model is a base without a head (no Dense layer after it)");
        List<Head.Layer> head = new ArrayList<>();
        for (FileLayer l : layers) {
            JsonNode c = l.config();
            Head.Layer part = switch (l.className()) {
                case "GlobalAveragePooling2D" -> head.isEmpty() && !c.path("keepdims").asBoolean(false) ? new Head.GlobalAveragePooling(l.name()) : null;
                case "Flatten" -> head.isEmpty() ? new Head.Flatten(l.name()) : null;
                case "Dropout" -> head.isEmpty() ? null : new Head.Dropout(l.name(), c.path("rate").asDouble());
                case "Dense" -> head.isEmpty() || !c.path("use_bias").asBoolean(true) ? null
                        : new Head.Dense(l.name(), c.path("units").asInt(), activation(l));
                default -> null;
            };
            if (part == null) {
                throw new IllegalArgumentException("cannot take layer '" + l.name() + "' (" + l.className() + ") of the head: the workbook imports "
                        + "heads of GlobalAveragePooling2D or Flatten, then Dense (with bias) and Dropout layers");
            }
            head.add(part);
        }
        if (!(head.get(head.size() - 1) instanceof Head.Dense last) || !(last.activation().equals("sigmoid") || last.activation().equals("softmax"))) {
            FileLayer l = layers.get(layers.size() - 1);
            throw new IllegalArgumentException("cannot take layer '" + l.name() + "' (" + l.className() + ") as the last: the head must end in a Dense "
                    + "layer with activation='sigmoid' or 'softmax' (a model trained from_logits=True needs that activation added before saving)");
        }
        return head;
    }

    private static String activation(FileLayer l) {
        JsonNode a = l.config().path("activation");
        String name = a.isTextual() ? a.asText() : a.path("config").path("name").asText(a.path("class_name").asText()).toLowerCase(Locale.ROOT);
        if (!List.of("relu", "sigmoid", "softmax", "linear").contains(name)) {
            throw new IllegalArgumentException("cannot take layer '" + l.name() + "' (Dense): activation '" + name + "' (the workbook has relu, "
                    + "sigmoid, softmax and linear)");
        }
        return name;
    }

    private static String text(Object data) {
        if (data instanceof String s) return s;
        if (data instanceof String[] s && s.length == 1) return s[0];
        throw new IllegalArgumentException("model_config is not text");
    }
}
