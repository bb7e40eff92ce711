package org.tlworkbook.engine;

/** Per-thread scratch arrays by slot, grown on demand: the Java loops of the fast passes allocate nothing per row. */
final class Scratch {
    private static final ThreadLocal<float[][]> ARRAYS = ThreadLocal.withInitial(() -> new float[16][0]);

    private Scratch() { }

    static float[] get(int slot, int size) {
        float[][] a = ARRAYS.get();
        if (a[slot].length < size) a[slot] = new float[Math.max(size, a[slot].length * 3 / 2)];
        return a[slot];
    }

    /** As {@link #get}, with the first {@code size} elements zero. */
    static float[] zeroed(int slot, int size) {
        float[] a = get(slot, size);
        java.util.Arrays.fill(a, 0, size, 0f);
        return a;
    }
}
