package org.tlworkbook.engine;

import org.bytedeco.openblas.global.openblas_nolapack;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** Row-major single-precision matrix products on direct buffers (OpenBLAS, no copies across JNI). */
public final class Blas {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    private Blas() { }

    /**
     * {@code C = op(A) * op(B) + beta * C} with {@code op(A)} m x k and {@code op(B)} k x n: oneDNN's sgemm where
     * {@link OneDnn} is on (its kernels follow the CPU, AVX-512 included), else OpenBLAS.
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, FloatBuffer a, int lda, FloatBuffer b, int ldb,
                     float beta, FloatBuffer c, int ldc) {
        gemm(OneDnn.enabled(), transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc);
    }

    /** {@link #gemm} on oneDNN when {@code oneDnn} (and oneDNN is on), else on OpenBLAS (the oracle in tests). */
    public static void gemm(boolean oneDnn, boolean transA, boolean transB, int m, int n, int k, FloatBuffer a, int lda, FloatBuffer b, int ldb,
                     float beta, FloatBuffer c, int ldc) {
        if (oneDnn && OneDnn.enabled()) {
            int status = org.bytedeco.dnnl.global.dnnl.dnnl_sgemm((byte) (transA ? 'T' : 'N'), (byte) (transB ? 'T' : 'N'),
                    m, n, k, 1f, a, lda, b, ldb, beta, c, ldc);
            if (status != 0) throw new IllegalStateException("oneDNN sgemm failed with status " + status);
            return;
        }
        openblas_nolapack.cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k,
                1f, a, lda, b, ldb, beta, c, ldc);
    }

    public static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(Math.max(1, floats) * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
