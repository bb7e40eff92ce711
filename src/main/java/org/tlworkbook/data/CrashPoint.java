package org.tlworkbook.data;

import java.util.HashMap;
import java.util.Map;

/**
 * Fault injection for the kill-anywhere tests: with {@code -Dworkbook.crash_at=NAME@N} the JVM halts, as a
 * {@code kill -9} would (no finally blocks, no shutdown hooks), the N-th time the point NAME is reached.
 * Points are named where a write could be cut short, e.g. {@code checkpoint.zip:written} (temp file complete,
 * not yet renamed) and {@code checkpoint.zip:renamed}. Without the property this does nothing.
 */
final class CrashPoint {
    private static final String SPEC = System.getProperty("workbook.crash_at");
    private static final Map<String, Integer> REACHED = new HashMap<>();

    private CrashPoint() { }

    /** Halts the JVM here if {@code workbook.crash_at} names this point (tests of atomic writes and resume); otherwise returns at once. */
    static void reach(String name) {
        if (SPEC == null) return;
        int at = SPEC.lastIndexOf('@');
        String point = at < 0 ? SPEC : SPEC.substring(0, at);
        if (!point.equals(name)) return;
        int times;
        synchronized (REACHED) {
            times = REACHED.merge(name, 1, Integer::sum);
        }
        if (times == (at < 0 ? 1 : Integer.parseInt(SPEC.substring(at + 1)))) {
            System.out.flush();
            System.err.println("crash point " + name + " reached " + times + " time(s): halting");
            Runtime.getRuntime().halt(137);
        }
    }
}
