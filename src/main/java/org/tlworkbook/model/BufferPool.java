package org.tlworkbook.model;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/** Direct buffers reused between layers and batches (best fit by capacity), so activations cost no allocation. */
final class BufferPool {
    private final List<FloatBuffer> free = new ArrayList<>();

    FloatBuffer take(int floats) {
        FloatBuffer best = null;
        for (FloatBuffer b : free) {
            if (b.capacity() >= floats && (best == null || b.capacity() < best.capacity())) best = b;
        }
        if (best != null) {
            free.remove(best);
            return best;
        }
        return Blas.direct(floats);
    }

    void give(FloatBuffer b) {
        for (FloatBuffer f : free) if (f == b) return;
        free.add(b);
    }

    void clear() {
        free.clear();
    }
}
