package org.tlworkbook.data;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Reports long work (bytes downloaded, images featurized, batches trained) so a learner sees it move.
 * In a terminal the line is redrawn in place; in a notebook cell or a log, where carriage returns are
 * unreliable, a new line is printed at most every few percent or seconds.
 */
public interface Progress {

    /** Starts a task of {@code total} units ({@code -1} when unknown). */
    void start(String task, long total, String unit);

    /** Adds {@code units} to the amount done. */
    void advance(long units);

    /** Ends the task; prints a final line. */
    void done();

    /**
     * A line worth reading that is not a count: a retry, a fallback, a resumed run, an epoch's figures. The library says
     * these through a reporter, never on {@code System.out}, so the front end decides where they go; {@link #silent()}
     * drops them.
     */
    default void note(String line) { }

    /** {@link #note} through the {@link #console()} reporter: for code that has no reporter of its own. */
    static void tell(String line) {
        console().note(line);
    }

    /** A reporter that prints nothing (tests, nested work). */
    static Progress silent() {
        return new Progress() {
            public void start(String task, long total, String unit) { }
            public void advance(long units) { }
            public void done() { }
        };
    }

    /**
     * The default reporter: the one a front end installed with {@link #useForConsole} (a notebook shows one bar
     * that updates in place), else {@code System.out}, redrawn in place only on a terminal and as sparse whole
     * lines when piped.
     */
    static Progress console() {
        java.util.function.Supplier<Progress> installed = Installed.factory;
        if (installed != null) return installed.get();
        return new Console(System.out, System.console() != null && System.getenv("JPY_PARENT_PID") == null
                && !Boolean.getBoolean("workbook.notebook"));
    }

    /** Makes {@link #console()} report through {@code factory} (null restores the console). */
    static void useForConsole(java.util.function.Supplier<Progress> factory) {
        Installed.factory = factory;
    }

    /** One status line, e.g. {@code "featurize training images:  45% 90/200 images (1.2s, 75 images/s)"}. */
    static String describe(String task, long done, long total, String unit, double seconds) {
        String amount = Console.format(done) + (total > 0 ? "/" + Console.format(total) : "") + " " + unit;
        String percent = total > 0 ? String.format(Locale.ROOT, "%3d%% ", Math.min(100, 100 * done / Math.max(1, total))) : "";
        double perSecond = done / Math.max(seconds, 1e-9);
        String rate = seconds <= 0.5 || done <= 0 ? ""
                : perSecond >= 10 ? String.format(Locale.ROOT, ", %s %s/s", Console.format((long) perSecond), unit)
                : String.format(Locale.ROOT, ", %.1f %s/s", perSecond, unit); // VGG16 runs under 1 batch/s
        return String.format(Locale.ROOT, "%s: %s%s (%.1fs%s)", task, percent, amount, seconds, rate);
    }

    /** Holder of the installed reporter factory (interfaces cannot have mutable fields). */
    final class Installed {
        private static volatile java.util.function.Supplier<Progress> factory;

        private Installed() { }
    }

    /**
     * The bookkeeping every reporter shares: which task, how far, since when. It shows the status line when a
     * task starts, whenever {@link #due} says so, and once at the end; subclasses decide where it goes and how often.
     */
    abstract class Status implements Progress {
        private String task = "";
        private String unit = "";
        private long total;
        private long done;
        private long started;
        private long shownAt;
        private int shownPercent;

        @Override
        public synchronized void start(String task, long total, String unit) {
            this.task = task;
            this.total = total;
            this.unit = unit;
            this.done = 0;
            this.started = System.nanoTime();
            this.shownAt = started;
            this.shownPercent = -100;
            show(true, false);
        }

        @Override
        public synchronized void advance(long units) {
            done += units;
            long now = System.nanoTime();
            int percent = total > 0 ? (int) (100 * done / total) : -1;
            if (due(now - shownAt, total > 0 ? percent - shownPercent : -1)) {
                shownAt = now;
                shownPercent = percent;
                show(false, false);
            }
        }

        @Override
        public synchronized void done() {
            show(false, true);
        }

        /** Whether to show the line again, {@code nanos} after it was last shown and {@code percent} points further (-1: total unknown). */
        protected abstract boolean due(long nanos, int percent);

        /** Shows the status line: a task's {@code first} one, a progress update, or its {@code last} one. */
        protected abstract void show(boolean first, boolean last);

        /** The status line as it stands: task, amount, rate, time left. */
        protected synchronized String line() {
            return describe(task, done, total, unit, (System.nanoTime() - started) / 1e9);
        }

        /** Units done so far. */
        protected synchronized long amountDone() {
            return done;
        }

        /** Units in all, or -1 when unknown. */
        protected synchronized long total() {
            return total;
        }
    }

    /** Line-based or in-place reporter on any stream. */
    final class Console extends Status {
        private final PrintStream out;
        private final boolean inPlace;
        private long printedAt = -1;

        /** Prints to {@code out}, rewriting one line in place (a terminal) or a line per step (logs, notebooks without a display). */
        public Console(PrintStream out, boolean inPlace) {
            this.out = out;
            this.inPlace = inPlace;
        }

        @Override
        protected boolean due(long nanos, int percent) {
            return inPlace ? nanos > 200_000_000L : percent >= 10 || nanos > 10_000_000_000L;
        }

        @Override
        public void note(String line) {
            out.println(line);
            out.flush();
        }

        @Override
        protected void show(boolean first, boolean last) {
            if (last && !inPlace && printedAt == amountDone()) return; // the last update already said it
            printedAt = amountDone();
            out.print((inPlace ? "\r" : "") + line() + (last || !inPlace ? System.lineSeparator() : "")); // one write: kernels send each as a message
            out.flush();
        }

        static String format(long n) {
            if (n >= 10L << 20) return (n >> 20) + "Mi";
            if (n >= 10L << 10) return (n >> 10) + "Ki";
            return Long.toString(n);
        }
    }
}
