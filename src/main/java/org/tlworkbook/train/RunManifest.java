package org.tlworkbook.train;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What a training run is: the settings that shape its weights (data fingerprint, base, size, alpha, head,
 * fine_tune_at, learning rates, seed, ...) and how many epochs each phase asks for. A checkpoint carries it, so a
 * resumed run can prove it continues the same run. Epoch counts may grow between runs (more epochs extend a
 * run); every other setting must be equal.
 */
public record RunManifest(Map<String, String> settings, int frozenEpochs, int fineEpochs) {
    /** Copies the settings, which are then fixed. */
    public RunManifest {
        settings = Map.copyOf(settings);
    }

    /**
     * Keys ending so describe another setting in words (how many images of each class a fingerprint covers); they
     * explain a difference, and a checkpoint written before they existed is not refused for lacking them.
     */
    public static final String DESCRIBES = ".images";

    /** Settings in the caller's order; values are compared as text. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects settings, then the epoch counts. */
    public static final class Builder {
        private final Map<String, String> settings = new LinkedHashMap<>();

        /** Adds one setting; its text form is what is compared. */
        public Builder set(String key, Object value) {
            settings.put(key, String.valueOf(value));
            return this;
        }

        /** The manifest, with each phase's epoch count. */
        public RunManifest epochs(int frozen, int fine) {
            return new RunManifest(settings, frozen, fine);
        }
    }

    /** "key: there X, now Y" for every setting that differs from {@code other} (epoch counts excluded). */
    public List<String> differences(RunManifest before) {
        List<String> out = new ArrayList<>();
        Map<String, String> keys = new TreeMap<>(before.settings);
        keys.putAll(settings);
        for (String k : keys.keySet()) {
            String was = before.settings.get(k), now = settings.get(k);
            if (was == null && k.endsWith(DESCRIBES)) continue; // a checkpoint from before the description was kept
            if (!Objects.equals(was, now)) out.add(k + ": " + (was == null ? "not set" : was) + " in the checkpoint, " + (now == null ? "not set" : now) + " now");
        }
        return out;
    }

    /** The manifest as a properties file, as a checkpoint stores it. */
    public String toText() {
        Properties p = new Properties();
        p.putAll(settings);
        p.setProperty("epochs.frozen", Integer.toString(frozenEpochs));
        p.setProperty("epochs.fine_tune", Integer.toString(fineEpochs));
        StringWriter w = new StringWriter();
        try {
            p.store(w, "transfer-learning-workbook training run");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }

    /** Reads a manifest written by {@link #toText()}. */
    public static RunManifest parse(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> s = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) if (!k.startsWith("epochs.")) s.put(k, p.getProperty(k));
        return new RunManifest(s, Integer.parseInt(p.getProperty("epochs.frozen", "0")), Integer.parseInt(p.getProperty("epochs.fine_tune", "0")));
    }
}
