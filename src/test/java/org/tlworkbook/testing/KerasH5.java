package org.tlworkbook.testing;

import org.tlworkbook.model.internal.ModelInternals;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.engine.KerasLayer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Writes Keras-applications-layout weight files (layer_names, weight_names, layer/layer/weight:0) for tests. */
public final class KerasH5 {
    private KerasH5() { }

    /** Writes {@code base}'s current weights as Keras would store them, leaving out layers {@code skip} accepts. */
    public static Path write(Path file, BaseModel base, Predicate<String> skip) {
        List<String> names = new ArrayList<>();
        for (KerasLayer k : ModelInternals.layers(base)) if (!skip.test(k.name())) names.add(k.name());
        try (WritableHdfFile h5 = HdfFile.write(file)) {
            h5.putAttribute("layer_names", names.toArray(String[]::new));
            h5.putAttribute("backend", "tensorflow");
            h5.putAttribute("keras_version", "2.0.4");
            Map<String, INDArray> params = base.paramTable();
            for (KerasLayer k : ModelInternals.layers(base)) {
                if (skip.test(k.name()) || !k.hasWeights()) continue;
                WritableGroup g = h5.putGroup(k.name());
                WritableGroup inner = g.putGroup(k.name());
                List<String> weightNames = new ArrayList<>();
                switch (k.kind()) {
                    case CONV -> {
                        INDArray w = params.get(k.name() + "_W").permute(2, 3, 1, 0).dup('c');
                        inner.putDataset("kernel:0", to4d(w));
                        weightNames.add(k.name() + "/kernel:0");
                        if (((KerasLayer.Conv) k).bias()) {
                            inner.putDataset("bias:0", params.get(k.name() + "_b").toFloatVector());
                            weightNames.add(k.name() + "/bias:0");
                        }
                    }
                    case DEPTHWISE -> {
                        inner.putDataset("depthwise_kernel:0", to4d(params.get(k.name() + "_W").dup('c')));
                        weightNames.add(k.name() + "/depthwise_kernel:0");
                    }
                    case BATCH_NORM -> {
                        String[][] pairs = {{"gamma", "gamma"}, {"beta", "beta"}, {"moving_mean", "mean"}, {"moving_variance", "var"}};
                        for (String[] p : pairs) {
                            inner.putDataset(p[0] + ":0", params.get(k.name() + "_" + p[1]).toFloatVector());
                            weightNames.add(k.name() + "/" + p[0] + ":0");
                        }
                    }
                    default -> throw new IllegalStateException(k.toString());
                }
                g.putAttribute("weight_names", weightNames.toArray(String[]::new));
            }
        }
        return file;
    }

    public static float[][][][] to4d(INDArray a) {
        long[] s = a.shape();
        float[] flat = a.dup('c').reshape(a.length()).toFloatVector();
        float[][][][] out = new float[(int) s[0]][(int) s[1]][(int) s[2]][(int) s[3]];
        int n = 0;
        for (int i = 0; i < s[0]; i++)
            for (int j = 0; j < s[1]; j++)
                for (int k = 0; k < s[2]; k++)
                    for (int l = 0; l < s[3]; l++) out[i][j][k][l] = flat[n++];
        return out;
    }
}
