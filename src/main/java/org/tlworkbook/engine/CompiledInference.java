package org.tlworkbook.engine;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A model's {@link FastForward} pass, compiled once and used again while the weights it was compiled from are
 * unchanged. Compiling repacks every weight (about a second for VGG16 on C1), so each {@code predict} and
 * {@code evaluate} used to pay it; a fingerprint of every parameter's bits, taken on each use, costs milliseconds
 * and catches any change, by training, by early stopping's restore or by code that holds the graph. Activation
 * buffers are freed after each use, as an uncached pass's were with it; only the packed weights stay.
 */
public final class CompiledInference {
    private ComputationGraph graph;
    private List<KerasLayer> layers;
    private long fingerprint;
    private FastForward compiled;
    private int compiles;

    /**
     * Runs {@code use} with a prediction function over {@code graph}'s current weights for {@code layers} (the DL4J
     * graph itself where the fast pass lacks a layer kind), compiling only when the layers or weights changed.
     */
    public synchronized <T> T with(List<KerasLayer> layers, ComputationGraph graph, Function<UnaryOperator<INDArray>, T> use) {
        if (!FastForward.supports(layers)) return use.apply(x -> graph.outputSingle(false, x));
        Long now = fingerprint(graph.params());
        if (now == null) { // parameters this check cannot read in place: compile for this use alone, as before
            FastForward once = FastForward.compile(layers, graph.paramTable());
            try {
                return use.apply(once::output);
            } finally {
                once.release();
            }
        }
        if (compiled == null || graph != this.graph || now != fingerprint || !layers.equals(this.layers)) {
            compiled = null; // a failed compile leaves nothing stale behind
            FastForward fresh = FastForward.compile(layers, graph.paramTable());
            compiles++;
            this.graph = graph;
            this.layers = List.copyOf(layers);
            this.fingerprint = now;
            compiled = fresh;
        }
        try {
            return use.apply(compiled::output);
        } finally {
            compiled.release();
        }
    }

    /** How many times a pass was compiled and kept (for tests). */
    synchronized int compiles() {
        return compiles;
    }

    /** Drops the compiled pass and its packed weights (say before training, which changes them anyway). */
    public synchronized void clear() {
        compiled = null;
        graph = null;
        layers = null;
    }

    /** A hash of the parameters' bits, read in place; null where they are not one contiguous float or double buffer. */
    static Long fingerprint(INDArray params) {
        if (params == null || params.isEmpty()) return 0L;
        DataType type = params.dataType();
        if ((type != DataType.FLOAT && type != DataType.DOUBLE) || params.elementWiseStride() != 1 || !params.isVector() && !params.isScalar()) return null;
        ByteBuffer all = params.data().asNio();
        if (all == null) return null;
        int size = type.width();
        long from = params.offset() * size, bytes = params.length() * size;
        if (from + bytes > all.capacity()) return null;
        ByteBuffer view = all.duplicate().order(ByteOrder.nativeOrder());
        view.position((int) from).limit((int) (from + bytes));
        ByteBuffer slice = view.slice().order(ByteOrder.nativeOrder());
        LongBuffer longs = slice.asLongBuffer();
        long h = bytes * 0x9E3779B97F4A7C15L;
        while (longs.hasRemaining()) h = mix(h ^ longs.get());
        for (int i = longs.capacity() * 8; i < bytes; i++) h = mix(h ^ slice.get(i));
        return h;
    }

    private static long mix(long h) {
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 31);
    }
}
