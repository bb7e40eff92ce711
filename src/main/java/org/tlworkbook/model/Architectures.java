package org.tlworkbook.model;

import org.tlworkbook.engine.KerasLayer;

import java.util.ArrayList;
import java.util.List;

/**
 * The Keras applications architectures (include_top=False) written layer for layer, with Keras' layer
 * names and order: {@code MobileNetV2} (Sandler et al. 2018), {@code VGG16} and {@code ResNet50} (He et al. 2015).
 */
final class Architectures {
    private Architectures() { }

    /** The width multipliers Keras has ImageNet weights for. */
    public static final double[] MOBILENET_V2_ALPHAS = {0.35, 0.5, 0.75, 1.0, 1.3, 1.4};

    /** Keras' {@code _make_divisible}: channel counts rounded to multiples of 8, never down by more than 10%. */
    static int makeDivisible(double v, int divisor) {
        int newV = Math.max(divisor, (int) (v + divisor / 2.0) / divisor * divisor);
        if (newV < 0.9 * v) newV += divisor;
        return newV;
    }

    /** {@code keras.applications.MobileNetV2(include_top=False, alpha=alpha)} for square inputs of {@code size}. */
    static List<KerasLayer> mobileNetV2(int size, double alpha) {
        boolean known = false;
        for (double a : MOBILENET_V2_ALPHAS) known |= a == alpha;
        if (!known) throw new IllegalArgumentException("MobileNetV2 comes in the widths (alpha) 0.35, 0.5, 0.75, 1.0, 1.3 and 1.4, as Keras publishes its ImageNet weights; got " + alpha + " (1.0 is the tutorial's)");
        if (size < 32) throw new IllegalArgumentException("MobileNetV2 needs inputs of at least 32x32 pixels; got " + size);
        List<KerasLayer> l = new ArrayList<>();
        l.add(KerasLayer.input("input_layer"));
        int first = makeDivisible(32 * alpha, 8);
        l.add(KerasLayer.conv("Conv1", "input_layer", first, 3, 2, true, false, null));
        l.add(KerasLayer.batchNorm("bn_Conv1", "Conv1"));
        l.add(KerasLayer.relu6("Conv1_relu", "bn_Conv1"));
        int[][] blocks = { // filters, stride, expansion
                {16, 1, 1}, {24, 2, 6}, {24, 1, 6}, {32, 2, 6}, {32, 1, 6}, {32, 1, 6}, {64, 2, 6}, {64, 1, 6},
                {64, 1, 6}, {64, 1, 6}, {96, 1, 6}, {96, 1, 6}, {96, 1, 6}, {160, 2, 6}, {160, 1, 6}, {160, 1, 6},
                {320, 1, 6}};
        String x = "Conv1_relu";
        int channels = first;
        int spatial = (size + 1) / 2;
        for (int id = 0; id < blocks.length; id++) {
            int filters = makeDivisible((int) (blocks[id][0] * alpha), 8);
            int stride = blocks[id][1];
            int expansion = blocks[id][2];
            String in = x;
            String prefix = id == 0 ? "expanded_conv_" : "block_" + id + "_";
            if (id > 0) {
                l.add(KerasLayer.conv(prefix + "expand", x, expansion * channels, 1, 1, true, false, null));
                l.add(KerasLayer.batchNorm(prefix + "expand_BN", prefix + "expand"));
                l.add(KerasLayer.relu6(prefix + "expand_relu", prefix + "expand_BN"));
                x = prefix + "expand_relu";
            }
            if (stride == 2) {
                int adjust = 1 - spatial % 2; // Keras correct_pad
                l.add(KerasLayer.zeroPad(prefix + "pad", x, 1 - adjust, 1, 1 - adjust, 1));
                x = prefix + "pad";
                spatial = (spatial + 1) / 2;
            }
            l.add(KerasLayer.depthwise(prefix + "depthwise", x, stride, stride == 1));
            l.add(KerasLayer.batchNorm(prefix + "depthwise_BN", prefix + "depthwise"));
            l.add(KerasLayer.relu6(prefix + "depthwise_relu", prefix + "depthwise_BN"));
            l.add(KerasLayer.conv(prefix + "project", prefix + "depthwise_relu", filters, 1, 1, true, false, null));
            l.add(KerasLayer.batchNorm(prefix + "project_BN", prefix + "project"));
            x = prefix + "project_BN";
            if (channels == filters && stride == 1) {
                l.add(KerasLayer.add(prefix + "add", in, x));
                x = prefix + "add";
            }
            channels = filters;
        }
        int last = alpha > 1.0 ? makeDivisible(1280 * alpha, 8) : 1280;
        l.add(KerasLayer.conv("Conv_1", x, last, 1, 1, true, false, null));
        l.add(KerasLayer.batchNorm("Conv_1_bn", "Conv_1"));
        l.add(KerasLayer.relu6("out_relu", "Conv_1_bn"));
        return List.copyOf(l);
    }

    /** {@code keras.applications.VGG16(include_top=False)}. */
    static List<KerasLayer> vgg16(int size) {
        if (size < 32) throw new IllegalArgumentException("VGG16 needs inputs of at least 32x32 pixels; got " + size);
        List<KerasLayer> l = new ArrayList<>();
        l.add(KerasLayer.input("input_layer"));
        int[][] blocks = {{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}};
        String x = "input_layer";
        for (int b = 0; b < blocks.length; b++) {
            for (int c = 1; c <= blocks[b][1]; c++) {
                String name = "block" + (b + 1) + "_conv" + c;
                l.add(KerasLayer.conv(name, x, blocks[b][0], 3, 1, true, true, "relu"));
                x = name;
            }
            String pool = "block" + (b + 1) + "_pool";
            l.add(KerasLayer.maxPool(pool, x));
            x = pool;
        }
        return List.copyOf(l);
    }

    /**
     * The TensorFlow "Image classification" tutorial's small CNN without its head: three blocks of a 3x3 convolution
     * (16, 32, 64 filters, ReLU, same padding) and 2x2 max pooling, Keras' default names. It has no pretrained weights:
     * it is what transfer learning is compared against, trained from scratch.
     */
    static List<KerasLayer> smallCnn(int size) {
        if (size < 8) throw new IllegalArgumentException("the small CNN needs inputs of at least 8x8 pixels; got " + size);
        List<KerasLayer> l = new ArrayList<>();
        l.add(KerasLayer.input("input_layer"));
        String x = "input_layer";
        int[] filters = {16, 32, 64};
        for (int b = 0; b < filters.length; b++) {
            String suffix = b == 0 ? "" : "_" + b;
            l.add(KerasLayer.conv("conv2d" + suffix, x, filters[b], 3, 1, true, true, "relu"));
            l.add(KerasLayer.maxPool("max_pooling2d" + suffix, "conv2d" + suffix));
            x = "max_pooling2d" + suffix;
        }
        return List.copyOf(l);
    }

    /** ResNet50's batch-norm epsilon ({@code BatchNormalization(epsilon=1.001e-5)} in Keras' resnet.py). */
    static final double RESNET_EPSILON = 1.001e-5;

    /**
     * {@code keras.applications.ResNet50(include_top=False)}: a 7x7 stride-2 stem and 3x3 stride-2 max pooling, then
     * four stages of 3, 4, 6 and 3 bottleneck blocks (1x1, 3x3, 1x1 convolutions with bias, each with batch norm; a
     * projection shortcut in each stage's first block, which strides 2 from the second stage on). Layers are in Keras'
     * order, which lists a first block's shortcut convolution between the second and third convolutions.
     */
    static List<KerasLayer> resNet50(int size) {
        if (size < 32) throw new IllegalArgumentException("ResNet50 needs inputs of at least 32x32 pixels; got " + size);
        List<KerasLayer> l = new ArrayList<>();
        l.add(KerasLayer.input("input_layer"));
        l.add(KerasLayer.zeroPad("conv1_pad", "input_layer", 3, 3, 3, 3));
        l.add(KerasLayer.conv("conv1_conv", "conv1_pad", 64, 7, 2, false, true, null));
        l.add(KerasLayer.batchNorm("conv1_bn", "conv1_conv", RESNET_EPSILON));
        l.add(KerasLayer.relu("conv1_relu", "conv1_bn"));
        l.add(KerasLayer.zeroPad("pool1_pad", "conv1_relu", 1, 1, 1, 1));
        l.add(KerasLayer.maxPool("pool1_pool", "pool1_pad", 3, 2));
        int[] blocks = {3, 4, 6, 3};
        String x = "pool1_pool";
        for (int stage = 0; stage < blocks.length; stage++) {
            int filters = 64 << stage;
            for (int b = 1; b <= blocks[stage]; b++) {
                String n = "conv" + (stage + 2) + "_block" + b + "_";
                int stride = b == 1 && stage > 0 ? 2 : 1;
                l.add(KerasLayer.conv(n + "1_conv", x, filters, 1, stride, false, true, null));
                l.add(KerasLayer.batchNorm(n + "1_bn", n + "1_conv", RESNET_EPSILON));
                l.add(KerasLayer.relu(n + "1_relu", n + "1_bn"));
                l.add(KerasLayer.conv(n + "2_conv", n + "1_relu", filters, 3, 1, true, true, null));
                l.add(KerasLayer.batchNorm(n + "2_bn", n + "2_conv", RESNET_EPSILON));
                l.add(KerasLayer.relu(n + "2_relu", n + "2_bn"));
                String shortcut = x;
                if (b == 1) {
                    l.add(KerasLayer.conv(n + "0_conv", x, 4 * filters, 1, stride, false, true, null));
                    l.add(KerasLayer.conv(n + "3_conv", n + "2_relu", 4 * filters, 1, 1, false, true, null));
                    l.add(KerasLayer.batchNorm(n + "0_bn", n + "0_conv", RESNET_EPSILON));
                    l.add(KerasLayer.batchNorm(n + "3_bn", n + "3_conv", RESNET_EPSILON));
                    shortcut = n + "0_bn";
                } else {
                    l.add(KerasLayer.conv(n + "3_conv", n + "2_relu", 4 * filters, 1, 1, false, true, null));
                    l.add(KerasLayer.batchNorm(n + "3_bn", n + "3_conv", RESNET_EPSILON));
                }
                l.add(KerasLayer.add(n + "add", shortcut, n + "3_bn"));
                l.add(KerasLayer.relu(n + "out", n + "add"));
                x = n + "out";
            }
        }
        return List.copyOf(l);
    }
}
