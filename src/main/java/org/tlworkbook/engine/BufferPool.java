package org.tlworkbook.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Direct buffers reused between layers and batches (best fit by capacity), so activations cost no
 * allocation. {@link #clear()} frees the idle ones at once rather than whenever the garbage collector
 * gets to them: a few hundred MB that would otherwise stay resident under a notebook kernel's memory cap.
 */
final class BufferPool {
    private static final java.lang.invoke.MethodHandle FREE = freeHandle();

    private final List<FloatBuffer> free = new ArrayList<>();
    private final Map<FloatBuffer, ByteBuffer> owners = new IdentityHashMap<>();

    FloatBuffer take(int floats) {
        FloatBuffer best = null;
        for (FloatBuffer b : free) {
            if (b.capacity() >= floats && (best == null || b.capacity() < best.capacity())) best = b;
        }
        if (best != null) {
            free.remove(best);
            return best;
        }
        ByteBuffer bytes = ByteBuffer.allocateDirect(Math.max(1, floats) * 4).order(ByteOrder.nativeOrder());
        FloatBuffer b = bytes.asFloatBuffer();
        owners.put(b, bytes);
        return b;
    }

    void give(FloatBuffer b) {
        for (FloatBuffer f : free) if (f == b) return;
        free.add(b);
    }

    /** Frees the buffers given back; the caller must hold none of them any more. */
    void clear() {
        for (FloatBuffer b : free) {
            ByteBuffer bytes = owners.remove(b);
            if (bytes != null && FREE != null) {
                try {
                    FREE.invoke(bytes);
                } catch (Throwable e) {
                    // left to the garbage collector
                }
            }
        }
        free.clear();
    }

    /** {@code sun.misc.Unsafe.invokeCleaner(ByteBuffer)} (JDK 9+), or null where it is not available. */
    private static java.lang.invoke.MethodHandle freeHandle() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            java.lang.reflect.Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            return java.lang.invoke.MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", java.lang.invoke.MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(unsafe);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
