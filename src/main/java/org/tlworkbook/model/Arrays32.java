package org.tlworkbook.model;

import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Bulk copies between ND4J arrays and Java float arrays, for the layers computed in Java. */
final class Arrays32 {
    private Arrays32() { }

    /** The elements of {@code a} in C order. */
    static float[] floats(INDArray a) {
        INDArray c = a.dataType() == DataType.FLOAT && a.ordering() == 'c' && !a.isView() && a.data().offset() == 0
                ? a : a.castTo(DataType.FLOAT).dup('c');
        float[] out = new float[(int) c.length()];
        c.data().asNioFloat().get(0, out, 0, out.length);
        return out;
    }

    /** A new array of {@code type} in the layer's workspace holding {@code values} (C order). */
    static INDArray array(LayerWorkspaceMgr mgr, ArrayType type, float[] values, long... shape) {
        INDArray out = mgr.createUninitialized(type, DataType.FLOAT, shape, 'c');
        if (out.data().offset() == 0 && !out.isView()) {
            out.data().asNioFloat().put(0, values, 0, values.length);
        } else {
            out.assign(Nd4j.create(values, shape, 'c'));
        }
        return out;
    }
}
