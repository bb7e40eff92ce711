package org.tlworkbook.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.tlworkbook.testing.KerasH5;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class MobileNetV2Test {
    @TempDir
    Path tmp;

    @Test
    void layerListAndParameterCountsMatchKeras() {
        BaseModel base = MobileNetV2.create(160, 1.0, 1);
        assertEquals(154, base.layerCount());
        assertEquals("block_11_expand_relu", base.layer(100).name());
        assertEquals(new LayerInfo(100, "block_11_expand_relu", "ReLU", "(10, 10, 576)", 0, false), base.layer(100), "Keras' summary row at 160 px");
        assertEquals(154, base.layers().size());
        assertEquals(base.countParams(), base.layers().stream().mapToLong(LayerInfo::params).sum(), "the rows add up to the total");
        assertEquals(4 * 576, base.layer(99).params(), "batch norm: gamma, beta and the two moving statistics");
        IndexOutOfBoundsException past = assertThrows(IndexOutOfBoundsException.class, () -> base.layer(154));
        assertTrue(past.getMessage().contains("layers 0 to 153"), past.getMessage());
        assertEquals("out_relu", base.outputName());
        assertEquals(2_257_984L, base.countParams());
        assertEquals(410_208L, MobileNetV2.create(96, 0.35, 1).countParams());
        assertEquals(706_224L, MobileNetV2.create(96, 0.5, 1).countParams());

        base.unfreezeFrom(100);
        assertFalse(base.layer(99).trainable());
        assertTrue(base.layer(101).trainable() && base.layer(101).params() == 3 * 3 * 576, base.layer(101).toString());
        assertEquals(54, base.countTrainableArrays());
        assertEquals(1_861_440L, base.countTrainableParams());
        Classifier model = Classifier.of(base, Head.binary(), List.of("cats", "dogs"))
                .compile(Optimizer.rmsprop(2e-5));
        assertEquals(1_862_721L, model.countTrainableParams(), "the TF tutorial's trainable count");
        assertEquals(56, model.countTrainableArrays());
        assertEquals("(5, 5, 1280)", model.summary().stringColumn("output_shape").get(153));
        assertEquals(156, model.summary().rowCount());

        base.freeze();
        model.compile(Optimizer.rmsprop(1e-4));
        assertEquals(1_281L, model.countTrainableParams());
        assertThrows(IllegalArgumentException.class, () -> base.unfreezeFrom(155));
        assertThrows(IllegalArgumentException.class, () -> MobileNetV2.create(160, 0.6, 1));
        assertThrows(IllegalArgumentException.class, () -> MobileNetV2.create(31, 1.0, 1));
    }

    @Test
    void oddAndSmallSizesBuild() {
        BaseModel odd = MobileNetV2.create(33, 0.35, 1);
        INDArray out = odd.graph().outputSingle(Nd4j.rand(2, 3, 33, 33));
        assertArrayEquals(new long[]{2, 1280, 2, 2}, out.shape());
    }

    @Test
    void vgg16MatchesKeras() {
        BaseModel vgg = Vgg16.create(150, 1);
        assertEquals(19, vgg.layerCount());
        assertEquals(14_714_688L, vgg.countParams());
        Classifier model = Classifier.of(vgg.freeze(), Head.flattenDense(256, 0.5), List.of("cats", "dogs"))
                .compile(Optimizer.adam(1e-3));
        assertEquals("(4, 4, 512)", model.summary().stringColumn("output_shape").get(18));
        assertEquals(4 * 4 * 512 * 256 + 256 + 256 * 2 + 2, model.countTrainableParams());
    }

    @Test
    void kerasWeightsLoadByNameWithKernelsTransposed() throws IOException {
        BaseModel source = MobileNetV2.create(32, 0.35, 7);
        Path file = KerasH5.write(tmp.resolve("w.h5"), source, name -> false);
        BaseModel loaded = MobileNetV2.fromWeights(32, 0.35, file);
        for (Map.Entry<String, INDArray> e : source.paramTable().entrySet()) {
            assertEquals(e.getValue(), loaded.paramTable().get(e.getKey()), e.getKey());
        }
        INDArray x = Nd4j.rand(1, 3, 32, 32);
        assertEquals(source.graph().outputSingle(x), loaded.graph().outputSingle(x));
    }

    @Test
    void firstConvolutionFollowsKerasLayoutAndSamePadding() {
        // An independent check of the kernel transpose and TF 'same' padding for stride 2 (pad bottom/right only).
        BaseModel base = MobileNetV2.create(32, 0.35, 3);
        INDArray w = base.graph().getLayer("Conv1").getParam("W"); // [out, in, h, w]
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 32, 32);
        INDArray conv = base.graph().feedForward(x, false).get("Conv1");
        assertArrayEquals(new long[]{1, 16, 16, 16}, conv.shape());
        for (int o : new int[]{0, 5, 15}) {
            for (int[] yx : new int[][]{{0, 0}, {7, 9}, {15, 15}}) {
                double sum = 0;
                for (int c = 0; c < 3; c++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = yx[0] * 2 + ky;
                            int ix = yx[1] * 2 + kx;
                            if (iy < 32 && ix < 32) sum += w.getDouble(o, c, ky, kx) * x.getDouble(0, c, iy, ix);
                        }
                assertEquals(sum, conv.getDouble(0, o, yx[0], yx[1]), 1e-4, "output " + o + " at " + yx[0] + "," + yx[1]);
            }
        }
    }

    @Test
    void missingLayerOrWrongShapeNamesTheLayer() {
        BaseModel source = MobileNetV2.create(32, 0.35, 7);
        Path missing = KerasH5.write(tmp.resolve("m.h5"), source, name -> name.equals("block_5_project"));
        IOException e = assertThrows(IOException.class, () -> MobileNetV2.fromWeights(32, 0.35, missing));
        assertTrue(e.getMessage().contains("block_5_project"), e.getMessage());

        Path other = KerasH5.write(tmp.resolve("o.h5"), MobileNetV2.create(32, 0.5, 7), name -> false);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> MobileNetV2.fromWeights(32, 0.35, other));
        assertTrue(shape.getMessage().contains("layer block_1_project") && shape.getMessage().contains("shape [1, 1, 48, 16] in the file"), shape.getMessage());
        Path wide = KerasH5.write(tmp.resolve("w.h5"), MobileNetV2.create(32, 1.0, 7), name -> false);
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class, () -> MobileNetV2.fromWeights(32, 0.35, wide));
        assertTrue(width.getMessage().contains("is MobileNetV2 weights of alpha 1.0 (its Conv1 has 32 filters), but this model is built at alpha 0.35 or 0.5"),
                width.getMessage());

        IOException absent = assertThrows(IOException.class, () -> MobileNetV2.fromWeights(32, 0.35, tmp.resolve("none.h5")));
        assertTrue(absent.getMessage().contains("--weights"), absent.getMessage());
    }

    @Test
    void officialWeightFileNames() {
        assertEquals("https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
                + "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5", WeightFiles.mobileNetV2(1.0, 160).url().toString());
        assertEquals("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5", WeightFiles.mobileNetV2(0.35, 150).name());
    }
}
