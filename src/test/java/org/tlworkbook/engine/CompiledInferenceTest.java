package org.tlworkbook.engine;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.MobileNetV2;
import org.tlworkbook.model.internal.ModelInternals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A compiled pass is reused while the weights are the same and compiled again after any of them changes. */
class CompiledInferenceTest {

    @Test
    void aPassIsCompiledOnceAndAgainWhenAnyWeightChangesInPlace() {
        INDArray x = FastForwardTest.images(2, 32, 3);
        BaseModel base = FastForwardTest.randomised(MobileNetV2.create(32, 0.35, 7), x, 11);
        ComputationGraph graph = ModelInternals.graph(base);
        List<KerasLayer> layers = ModelInternals.layers(base);
        CompiledInference cache = new CompiledInference();

        INDArray first = cache.with(layers, graph, f -> f.apply(x));
        INDArray again = cache.with(new ArrayList<>(layers), graph, f -> f.apply(x)); // an equal list, as layers() builds each time
        assertEquals(1, cache.compiles(), "same layers, same weights: compiled once");
        assertEquals(first, again);

        // one weight of the first convolution changes in place, as early stopping's restore or code holding the graph does
        Map.Entry<String, INDArray> conv = base.paramTable().entrySet().stream().filter(e -> e.getKey().endsWith("_W")).findFirst().orElseThrow();
        conv.getValue().putScalar(0, conv.getValue().getFloat(0) + 0.75f);
        INDArray changed = cache.with(layers, graph, f -> f.apply(x));
        assertEquals(2, cache.compiles(), "a changed weight (" + conv.getKey() + ") compiles again");
        assertNotEquals(first, changed);
        assertEquals(FastForward.compile(layers, graph.paramTable()).output(x), changed, "the new pass is the one the new weights compile to");

        cache.clear();
        cache.with(layers, graph, f -> f.apply(x));
        assertEquals(3, cache.compiles(), "cleared: compiled again");
    }

    @Test
    void theFingerprintSeesEveryBitAndRefusesWhatItCannotReadInPlace() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 1, 1001); // an odd count: the last float is not part of a long
        Long before = CompiledInference.fingerprint(a);
        for (long i : new long[]{0, 500, 1000}) {
            INDArray b = a.dup();
            b.putScalar(i, Float.intBitsToFloat(Float.floatToRawIntBits(b.getFloat(i)) ^ 1)); // the lowest mantissa bit
            assertNotEquals(before, CompiledInference.fingerprint(b), "element " + i);
        }
        assertEquals(before, CompiledInference.fingerprint(a.dup()), "the same bits, another buffer");
        assertNull(CompiledInference.fingerprint(Nd4j.rand(DataType.FLOAT, 4, 6).getColumn(2)), "a strided view is not read in place");
        assertNull(CompiledInference.fingerprint(Nd4j.rand(DataType.FLOAT, 4, 6)), "a matrix is not a parameter vector");
    }
}
