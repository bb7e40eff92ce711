package org.tlworkbook.model;

import onnx.Onnx;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.ByteString;
import org.tlworkbook.Workbook;
import org.tlworkbook.data.AtomicFiles;
import org.tlworkbook.data.Preprocessing;
import org.tlworkbook.engine.KerasLayer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A classifier as one ONNX graph, written with the ONNX protobuf classes nd4j-api ships: image in (NHWC, as Keras and
 * TFLite take it), class probabilities out, the Keras layers one or two ONNX nodes each (batch norm as
 * BatchNormalization, Dropout as nothing). Opset {@value #OPSET}. The preprocessing, class names and image size are in
 * the model's metadata; with {@code pixelsIn} the scaling is built into the graph, so the input is 0-255 RGB.
 */
final class OnnxExport {
    static final int OPSET = 13;
    static final long IR_VERSION = 7;
    static final String INPUT = "image";
    static final String OUTPUT = "probabilities";

    private static final org.nd4j.shade.jackson.databind.ObjectMapper JSON = new org.nd4j.shade.jackson.databind.ObjectMapper();

    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
    private final Map<String, INDArray> params;
    private final Map<String, String> outputOf = new LinkedHashMap<>();
    private int constants;

    private OnnxExport(Map<String, INDArray> params) {
        this.params = params;
    }

    static void write(Classifier model, List<KerasLayer> layers, java.nio.file.Path file, boolean pixelsIn) throws IOException {
        Onnx.ModelProto proto = build(model, layers, pixelsIn);
        AtomicFiles.write(file, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                proto.writeTo(out);
            }
        });
    }

    static Onnx.ModelProto build(Classifier model, List<KerasLayer> layers, boolean pixelsIn) {
        OnnxExport e = new OnnxExport(model.graph().paramTable());
        int size = model.base().size();
        Preprocessing pre = model.base().preprocessing();
        e.graph.setName(model.base().name() + "_" + model.head().kind().label());
        e.graph.addInput(e.valueInfo(INPUT, "N", size, size, 3));
        String x = INPUT;
        if (pixelsIn) {
            if (pre.bgr()) x = e.node("Gather", List.of(x, e.longs("pixels/bgr", 2, 1, 0)), Map.of("axis", 3L));
            x = e.node("Mul", List.of(x, e.scalar(pre.scale())), Map.of());
            x = e.node("Add", List.of(x, pre.channelOffsets() == null ? e.scalar(pre.offset())
                    : e.tensor("pixels/offsets", org.nd4j.linalg.factory.Nd4j.createFromArray(pre.channelOffsets()))), Map.of());
        }
        x = e.node("Transpose", List.of(x), Map.of("perm", new long[]{0, 3, 1, 2}));
        for (KerasLayer k : layers) {
            if (k.kind() == KerasLayer.Kind.INPUT) {
                e.outputOf.put(k.name(), x);
                continue;
            }
            e.outputOf.put(k.name(), e.layer(k));
        }
        String last = e.outputOf.get(layers.get(layers.size() - 1).name());
        e.graph.addNode(Onnx.NodeProto.newBuilder().setOpType("Identity").addInput(last).addOutput(OUTPUT).setName(OUTPUT));
        e.graph.addOutput(e.valueInfo(OUTPUT, "N", model.head().outputs(model.classes().size())));

        Onnx.ModelProto.Builder m = Onnx.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("transfer-learning-workbook")
                .setProducerVersion(Workbook.version())
                .setDocString("Transfer Learning Workbook classifier: " + model.base().name() + " base, " + model.head().kind().label() + " head")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(e.graph);
        for (Map.Entry<String, String> meta : metadata(model, ((KerasLayer.Dense) layers.get(layers.size() - 1)).activation(), pixelsIn).entrySet()) {
            m.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(meta.getKey()).setValue(meta.getValue()));
        }
        return m.build();
    }

    /** What a consumer needs to feed the model and read its output. */
    static Map<String, String> metadata(Classifier model, String outputActivation, boolean pixelsIn) {
        Preprocessing pre = model.base().preprocessing();
        Map<String, String> meta = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (String c : model.classes()) names.add(JSON.valueToTree(c).toString());
        meta.put("class_names", "[" + String.join(", ", names) + "]");
        meta.put("image_size", Integer.toString(model.base().size()));
        meta.put("input_layout", "NHWC, RGB");
        meta.put("pixel_scaling", pixelsIn ? "none: feed 0-255 RGB values; the graph applies " + formula(pre)
                : "feed " + formula(pre) + " of 0-255 RGB values (" + pre.name() + ")");
        meta.put("preprocessing", pre.name());
        meta.put("output", model.head().isBinary()
                ? "sigmoid probability of class_names[1], shape (N, 1)"
                : outputActivation + " probabilities in class_names order, shape (N, " + model.classes().size() + ")");
        meta.put("base", model.base().name());
        meta.put("head", model.head().kind().label());
        meta.put("workbook_version", Workbook.version());
        return meta;
    }

    static String formula(Preprocessing p) {
        if (p.channelOffsets() != null) {
            return (p.bgr() ? "x in BGR order" : "x") + (p.scale() == 1f ? "" : " * " + p.scale()) + " + "
                    + java.util.Arrays.toString(p.channelOffsets()) + " per channel";
        }
        return "x * " + p.scale() + (p.offset() == 0 ? "" : (p.offset() < 0 ? " - " : " + ") + Math.abs(p.offset()));
    }

    private String layer(KerasLayer k) {
        String in = k.inputs().isEmpty() ? null : input(k.input());
        return switch (k.kind()) {
            case CONV -> {
                KerasLayer.Conv c = (KerasLayer.Conv) k;
                yield activation(k, c.activation(), conv(c, in, param(k, "W").dup('c'), c.bias() ? param(k, "b") : null, 1));
            }
            case DEPTHWISE -> {
                INDArray w = param(k, "W"); // Keras and DL4J: (kh, kw, channels, multiplier)
                long kh = w.size(0), kw = w.size(1), channels = w.size(2), mult = w.size(3);
                INDArray oihw = w.permute(2, 3, 0, 1).dup('c').reshape('c', channels * mult, 1, kh, kw);
                yield conv((KerasLayer.Depthwise) k, in, oihw, null, channels);
            }
            case BATCH_NORM -> node("BatchNormalization", List.of(in, tensor(k.name() + "/gamma", param(k, "gamma")),
                    tensor(k.name() + "/beta", param(k, "beta")), tensor(k.name() + "/moving_mean", param(k, "mean")),
                    tensor(k.name() + "/moving_variance", param(k, "var"))), Map.of("epsilon", (float) ((KerasLayer.BatchNorm) k).epsilon()));
            case RELU6 -> node("Clip", List.of(in, scalar(0f), scalar(6f)), Map.of());
            case RELU -> node("Relu", List.of(in), Map.of());
            case ZERO_PAD -> {
                int[] p = ((KerasLayer.ZeroPad) k).padding(); // top, bottom, left, right
                yield node("Pad", List.of(in, longs(k.name() + "/pads", 0, 0, p[0], p[2], 0, 0, p[1], p[3])), Map.of());
            }
            case ADD -> node("Add", List.of(input(k.inputs().get(0)), input(k.inputs().get(1))), Map.of());
            case MAX_POOL -> {
                KerasLayer.MaxPool p = (KerasLayer.MaxPool) k;
                yield node("MaxPool", List.of(in), Map.of("kernel_shape", new long[]{p.pool(), p.pool()}, "strides", new long[]{p.stride(), p.stride()}));
            }
            case GLOBAL_AVG_POOL -> node("Flatten", List.of(node("GlobalAveragePool", List.of(in), Map.of())), Map.of("axis", 1L));
            // DL4J flattens NCHW activations channel-first, and the Dense weights after it were trained in that order
            case FLATTEN -> node("Flatten", List.of(in), Map.of("axis", 1L));
            case DENSE -> activation(k, ((KerasLayer.Dense) k).activation(), node("Gemm", List.of(in, tensor(k.name() + "/kernel", param(k, "W")),
                    tensor(k.name() + "/bias", param(k, "b").reshape(param(k, "b").length()))), Map.of()));
            case DROPOUT -> in;
            case INPUT -> throw new IllegalStateException("input handled by the caller");
        };
    }

    private String conv(KerasLayer.Convolution k, String in, INDArray oihw, INDArray bias, long group) {
        List<String> inputs = new ArrayList<>(List.of(in, tensor(k.name() + "/kernel", oihw)));
        if (bias != null) inputs.add(tensor(k.name() + "/bias", bias.reshape(bias.length())));
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("kernel_shape", new long[]{oihw.size(2), oihw.size(3)});
        attrs.put("strides", new long[]{k.stride(), k.stride()});
        attrs.put("group", group);
        // Keras' "same" puts the odd pixel of padding at the end, as ONNX's SAME_UPPER does
        attrs.put("auto_pad", k.samePadding() ? "SAME_UPPER" : "VALID");
        return node("Conv", inputs, attrs);
    }

    private String activation(KerasLayer k, String a, String x) {
        if (a == null || a.equals("linear")) return x;
        return switch (a) {
            case "relu" -> node("Relu", List.of(x), Map.of());
            case "sigmoid" -> node("Sigmoid", List.of(x), Map.of());
            case "softmax" -> node("Softmax", List.of(x), Map.of("axis", 1L));
            default -> throw new IllegalArgumentException("layer " + k.name() + ": activation " + a + " has no ONNX export");
        };
    }

    private String input(String layerName) {
        String out = outputOf.get(layerName);
        if (out == null) throw new IllegalStateException("layer " + layerName + " used before it is defined");
        return out;
    }

    private INDArray param(KerasLayer k, String key) {
        return org.tlworkbook.engine.Params.get(params, k.name(), key);
    }

    private String node(String op, List<String> inputs, Map<String, Object> attrs) {
        String out = op.toLowerCase(java.util.Locale.ROOT) + "_" + graph.getNodeCount();
        Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder().setOpType(op).setName(out).addOutput(out).addAllInput(inputs);
        for (Map.Entry<String, Object> a : attrs.entrySet()) n.addAttribute(attribute(a.getKey(), a.getValue()));
        graph.addNode(n);
        return out;
    }

    private static Onnx.AttributeProto attribute(String name, Object value) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name);
        if (value instanceof Long l) a.setType(Onnx.AttributeProto.AttributeType.INT).setI(l);
        else if (value instanceof Float f) a.setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(f);
        else if (value instanceof String s) a.setType(Onnx.AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s));
        else if (value instanceof long[] ls) {
            a.setType(Onnx.AttributeProto.AttributeType.INTS);
            for (long l : ls) a.addInts(l);
        } else throw new IllegalArgumentException("attribute " + name + ": " + value);
        return a.build();
    }

    private String tensor(String name, INDArray array) {
        float[] values = array.dup('c').reshape(array.length()).toFloatVector();
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) bytes.putFloat(v);
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name)
                .setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(bytes.array()));
        for (long d : array.shape()) t.addDims(d);
        graph.addInitializer(t);
        return name;
    }

    private String scalar(float v) {
        String name = "const_" + constants++;
        ByteBuffer bytes = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v);
        graph.addInitializer(Onnx.TensorProto.newBuilder().setName(name).setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(bytes.array())));
        return name;
    }

    private String longs(String name, long... values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) bytes.putLong(v);
        graph.addInitializer(Onnx.TensorProto.newBuilder().setName(name).setDataType(Onnx.TensorProto.DataType.INT64_VALUE)
                .addDims(values.length).setRawData(ByteString.copyFrom(bytes.array())));
        return name;
    }

    private Onnx.ValueInfoProto valueInfo(String name, String batch, long... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder()
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        for (long d : dims) shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder().setTensorType(
                Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }
}
