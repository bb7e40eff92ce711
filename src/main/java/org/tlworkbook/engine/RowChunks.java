package org.tlworkbook.engine;

import java.util.stream.IntStream;

/** Rows of an NHWC activation in parallel chunks of whole rows, about 64 KiB of floats each (fits L2 with room to spare). */
final class RowChunks {
    private RowChunks() { }

    interface Body {
        void run(int firstRow, int rowCount, int chunk);
    }

    /** Rows per chunk for rows of {@code cols} floats. */
    static int blockRows(int cols) {
        return Math.max(1, 16384 / Math.max(1, cols));
    }

    static int count(int rows, int cols) {
        return (rows + blockRows(cols) - 1) / blockRows(cols);
    }

    /** Runs {@code body} on every chunk of rows {@code [0, rows)}, in parallel; {@code chunk} numbers them from 0. */
    static void forEach(int rows, int cols, Body body) {
        int block = blockRows(cols);
        IntStream.range(0, count(rows, cols)).parallel().forEach(ch -> {
            int r0 = ch * block;
            body.run(r0, Math.min(rows, r0 + block) - r0, ch);
        });
    }
}
