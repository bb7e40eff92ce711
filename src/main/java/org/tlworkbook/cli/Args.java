package org.tlworkbook.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --name value} options and positional arguments. An option that needs a value refuses to run without
 * one, a flag takes only {@code true}/{@code false} or nothing, and unknown options are rejected by {@link #done()}.
 */
final class Args {
    /** What a bare {@code --name} (no value) is stored as. */
    private static final String BARE = new String("<no value>");
    private final Map<String, String> options = new HashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final java.util.Set<String> used = new java.util.HashSet<>();
    /** Where an option's value would stand among the positional arguments, were it one (a flag followed by a file). */
    private final Map<String, Integer> valueAt = new HashMap<>();

    Args(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.equals("--")) { // the end of options: what follows are file names, even those starting with --
                positional.addAll(List.of(argv).subList(i + 1, argv.length));
                break;
            }
            if (a.startsWith("--")) {
                String name = a.substring(2), value;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                    valueAt.put(name, positional.size());
                    value = argv[++i];
                } else {
                    value = BARE;
                }
                String before = options.put(name, value);
                if (before != null) {
                    throw new IllegalArgumentException("--" + name + " is given twice" + (before == BARE && value == BARE ? ""
                            : " (" + shown(before) + " and " + shown(value) + ")") + ": give it once");
                }
            } else {
                positional.add(a);
            }
        }
    }

    private static String shown(String value) {
        return value == BARE ? "with no value" : "'" + value + "'";
    }

    String get(String name, String fallback) {
        String v = get(name);
        return v == null ? fallback : v;
    }

    String get(String name) {
        used.add(name);
        String v = options.get(name);
        if (v == BARE || (v != null && v.isEmpty())) throw new IllegalArgumentException("--" + name + " needs a value");
        return v;
    }

    /** A path option, relative to the caller's working directory. */
    java.nio.file.Path path(String name, String fallback) {
        String v = get(name, fallback);
        return v == null ? null : java.nio.file.Path.of(v).toAbsolutePath().normalize();
    }

    int getInt(String name, int fallback) {
        String v = get(name);
        try {
            return v == null ? fallback : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a whole number, got '" + v + "'");
        }
    }

    double getDouble(String name, double fallback) {
        String v = get(name);
        try {
            return v == null ? fallback : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a number, got '" + v + "'");
        }
    }

    boolean flag(String name) {
        used.add(name);
        String v = options.get(name);
        if (v == null) return false;
        if (v == BARE || v.equals("true")) return true;
        if (v.equals("false")) return false;
        if (java.nio.file.Files.exists(java.nio.file.Path.of(v))) { // "--strict photo.jpg": the flag, then a file argument
            positional.add(valueAt.getOrDefault(name, positional.size()), v);
            options.put(name, BARE);
            return true;
        }
        throw new IllegalArgumentException("--" + name + " takes true or false (or no value), got '" + v + "'");
    }

    List<String> positional() {
        return positional;
    }

    /** Refuses file arguments for a command that takes none ({@code download extra}), naming them. */
    void noPositional(String command) {
        if (!positional.isEmpty()) {
            throw new IllegalArgumentException(command + " takes no arguments without an option name; got " + positional.stream().map(p -> "'" + p + "'").toList()
                    + " (./workbook " + command + " --help)");
        }
    }

    /** Fails on options nobody asked for (typos). */
    void done() {
        for (String k : options.keySet()) {
            if (!used.contains(k)) {
                String near = org.tlworkbook.data.Suggest.close(k, used);
                throw new IllegalArgumentException("unknown option --" + k + (near == null ? "" : " (did you mean --" + near + "?)"));
            }
        }
    }
}
