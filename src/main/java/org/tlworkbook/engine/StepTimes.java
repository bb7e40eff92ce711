package org.tlworkbook.engine;

import java.util.Map;
import java.util.TreeMap;

/** Time spent in each kind of work of a fast pass (by step or unit kind, folding, updates), for the benches. */
final class StepTimes {
    private final Map<String, long[]> nanos = new TreeMap<>();

    /** Adds the time since {@code startNanos} ({@link System#nanoTime()}) to {@code what}. */
    synchronized void add(String what, long startNanos) {
        nanos.computeIfAbsent(what, k -> new long[1])[0] += System.nanoTime() - startNanos;
    }

    /** Milliseconds so far by kind of work. */
    synchronized Map<String, Long> millis() {
        Map<String, Long> m = new TreeMap<>();
        nanos.forEach((k, v) -> m.put(k, v[0] / 1_000_000));
        return m;
    }
}
