package org.tlworkbook.notebook;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * What notebook cells show while the headless runner executes them: displays (by id, so a live progress
 * bar is replaced in place as in Jupyter, and only its last state is saved), where in the cell's printed text
 * each one appeared, and the object a cell's last expression evaluated to.
 */
public final class Capture {
    /** A shown object and the length of the cell's printed text when it was first shown. */
    record Shown(String id, Object object, long printedBefore) { }

    private static final List<Shown> SHOWN = new ArrayList<>();
    private static LongSupplier printed = () -> 0;
    private static Object value;
    private static boolean hasValue;
    private static int next;

    private Capture() { }

    static synchronized String show(Object o) {
        String id = "capture-" + (++next);
        SHOWN.add(new Shown(id, o, printed.getAsLong()));
        return id;
    }

    static synchronized void update(String id, Object o) {
        for (int i = 0; i < SHOWN.size(); i++) {
            if (SHOWN.get(i).id().equals(id)) SHOWN.set(i, new Shown(id, o, SHOWN.get(i).printedBefore()));
        }
    }

    /** Records the value of a cell's last expression (the runner evaluates this after the cell). */
    public static synchronized void value(Object o) {
        value = o;
        hasValue = true;
    }

    /** Starts a cell whose printed text has {@code printedSoFar.getAsLong()} bytes at any moment. */
    static synchronized void startCell(LongSupplier printedSoFar) {
        SHOWN.clear();
        printed = printedSoFar;
        hasValue = false;
        value = null;
    }

    static synchronized List<Shown> shown() {
        return List.copyOf(SHOWN);
    }

    static synchronized boolean hasValue() {
        return hasValue;
    }

    static synchronized Object value() {
        return value;
    }
}
