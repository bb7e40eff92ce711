package org.tlworkbook.data;

import java.util.Collection;
import java.util.Locale;

/** The known name closest to a mistyped one (edit distance), so an error can say what was probably meant. */
public final class Suggest {
    private Suggest() { }

    /**
     * The name of {@code known} nearest to {@code given}, ignoring case; null when {@code known} is empty. A name that
     * {@code given} begins (three letters or more: {@code batch} for {@code batch-size}) wins over a closer spelling.
     */
    public static String nearest(String given, Collection<String> known) {
        String lower = given.toLowerCase(Locale.ROOT), prefixed = null;
        for (String k : known) {
            if (lower.length() >= 3 && k.toLowerCase(Locale.ROOT).startsWith(lower) && (prefixed == null || k.length() < prefixed.length())) prefixed = k;
        }
        if (prefixed != null) return prefixed;
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(given.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best;
    }

    /**
     * {@link #nearest}, but only when it is a plausible misspelling (a third of the letters or fewer differ, or
     * {@code given} begins it); null otherwise, so an unrelated name gets no suggestion.
     */
    public static String close(String given, Collection<String> known) {
        String best = nearest(given, known);
        if (best == null) return null;
        String g = given.toLowerCase(Locale.ROOT), b = best.toLowerCase(Locale.ROOT);
        return b.startsWith(g) && g.length() >= 3 || distance(g, b) <= Math.max(2, Math.max(g.length(), b.length()) / 3) ? best : null;
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
