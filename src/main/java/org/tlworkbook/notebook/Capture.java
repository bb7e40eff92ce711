package org.tlworkbook.notebook;

import java.util.ArrayList;
import java.util.List;

/** Collects what notebook cells {@code display(...)} while the headless runner executes them. */
public final class Capture {
    private static final List<Object> DISPLAYED = new ArrayList<>();

    private Capture() { }

    public static synchronized void display(Object o) {
        DISPLAYED.add(o);
    }

    static synchronized List<Object> drain() {
        List<Object> out = new ArrayList<>(DISPLAYED);
        DISPLAYED.clear();
        return out;
    }
}
