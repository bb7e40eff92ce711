package org.tlworkbook.engine;

import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Bulk copies between ND4J arrays and Java float arrays, for the layers computed in Java. */
public final class Arrays32 {
    private Arrays32() { }

    /**
     * Gives the off-heap memory of arrays that nothing uses any more back now instead of at some later garbage
     * collection: per-batch arrays otherwise pile up to the JavaCPP limit while the heap stays quiet. Views
     * and already-freed arrays are left alone.
     */
    public static void free(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) a.close();
        }
    }

    /** The elements of {@code a} in C order. */
    public static float[] floats(INDArray a) {
        float[] out = new float[(int) a.length()];
        view(a).get(0, out, 0, out.length);
        return out;
    }

    /** A new array of {@code type} in the layer's workspace holding {@code values} (C order). */
    public static INDArray array(LayerWorkspaceMgr mgr, ArrayType type, float[] values, long... shape) {
        INDArray out = mgr.createUninitialized(type, DataType.FLOAT, shape, 'c');
        if (out.data().offset() == 0 && !out.isView()) {
            out.data().asNioFloat().put(0, values, 0, values.length);
        } else {
            out.assign(Nd4j.create(values, shape, 'c'));
        }
        return out;
    }

    /** The elements of {@code a} in C order as a direct buffer: a view of its memory when it is contiguous, else of a copy. */
    public static java.nio.FloatBuffer view(INDArray a) {
        boolean plain = a.dataType() == DataType.FLOAT && a.ordering() == 'c' && !a.isView() && a.data().offset() == 0;
        return (plain ? a : a.castTo(DataType.FLOAT).dup('c')).data().asNioFloat();
    }

    /** A direct scratch buffer of at least {@code floats}, one per thread and slot, reused between calls. */
    public static java.nio.FloatBuffer scratch(int slot, int floats) {
        java.nio.FloatBuffer[] mine = SCRATCH.get();
        if (mine[slot] == null || mine[slot].capacity() < floats) {
            mine[slot] = java.nio.ByteBuffer.allocateDirect(Math.max(floats, 1) * 4).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        }
        return mine[slot];
    }

    /** NCHW {@code [n, c, h, w]} (or {@code [n, c]}) to NHWC in {@code dst}, one image per task. */
    public static void toNhwc(INDArray nchw, java.nio.FloatBuffer dst) {
        int n = (int) nchw.size(0), c = (int) nchw.size(1);
        int hw = nchw.rank() == 4 ? (int) (nchw.size(2) * nchw.size(3)) : 1;
        float[] src = floats(nchw);
        java.util.stream.IntStream.range(0, n).parallel().forEach(i -> {
            float[] img = Scratch.get(0, hw * c);
            int base = i * hw * c;
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < hw; p++) img[p * c + ch] = src[base + ch * hw + p];
            }
            dst.put(base, img, 0, hw * c);
        });
    }

    private static final ThreadLocal<java.nio.FloatBuffer[]> SCRATCH = ThreadLocal.withInitial(() -> new java.nio.FloatBuffer[4]);
}
