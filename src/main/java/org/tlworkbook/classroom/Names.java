package org.tlworkbook.classroom;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Identifiers in Java cell source, read without compiling: what a locked cell refers to and what a student cell names. */
final class Names {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");

    private Names() { }

    /** {@code source} with comments, string, text-block and char literals blanked out (line breaks kept). */
    static String code(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0, n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
                while (i < n && source.charAt(i) != '\n') i++;
            } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
                int end = source.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                for (; i < end; i++) if (source.charAt(i) == '\n') out.append('\n');
                out.append(' ');
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end + 3;
                for (; i < end; i++) if (source.charAt(i) == '\n') out.append('\n');
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < n && source.charAt(i) != c && source.charAt(i) != '\n') i += source.charAt(i) == '\\' ? 2 : 1;
                i++;
                out.append(c).append(c);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Every identifier token of the code part of {@code source}. */
    static Set<String> all(String source) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(code(source));
        while (m.find()) names.add(m.group());
        return names;
    }

    /** Identifiers not written after a dot: names the cell resolves in its scope (variables, types, packages, methods). */
    static Set<String> free(String source) {
        String code = code(source);
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(code);
        while (m.find()) {
            int before = m.start() - 1;
            if (before >= 0 && Character.isJavaIdentifierPart(code.charAt(before))) continue;
            while (before >= 0 && Character.isWhitespace(code.charAt(before))) before--;
            if (before >= 0 && code.charAt(before) == '.') continue;
            names.add(m.group());
        }
        return names;
    }
}
