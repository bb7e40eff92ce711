package org.tlworkbook.classroom;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.JsonNodeFactory;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.tlworkbook.data.Augmentation;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.Predictions;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What one check cell hands in: the learner's answers as data. Numbers, strings, lists and maps become JSON;
 * a trained model becomes a saved model file; a table, a generator's settings and predictions become plain
 * values. Graded, the answers are written to the folder named by {@code workbook.answers} and nothing is
 * decided in the learner's process: a separate checker reads them (see {@link Verdicts}). Outside the grader the
 * same answers are checked at once, so a learner gets the hint in the notebook.
 */
final class Answers {
    static final String PROPERTY = "workbook.answers";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    static final long MAX_JSON_BYTES = 32L << 20;
    static final long MAX_MODEL_BYTES = 512L << 20;

    private final String gradeId;
    private final ObjectNode values;
    private final Map<String, Classifier> models = new LinkedHashMap<>();
    private final Path folder;

    private Answers(String gradeId, ObjectNode values, Path folder) {
        if (!SAFE.matcher(gradeId).matches()) throw new IllegalArgumentException("grade id " + gradeId);
        this.gradeId = gradeId;
        this.values = values;
        this.folder = folder;
    }

    static Answers of(String gradeId) {
        return new Answers(gradeId, NODES.objectNode(), null);
    }

    String gradeId() {
        return gradeId;
    }

    /** Adds one answer, converted to data now: later changes to the object do not change what was handed in. */
    Answers put(String name, Object value) {
        values.set(name, toJson(name, value));
        return this;
    }

    private JsonNode toJson(String name, Object v) {
        if (v == null) return NODES.nullNode();
        if (v instanceof Classifier c) {
            models.put(name, c);
            return NODES.objectNode().put("model", name);
        }
        if (v instanceof Path p) return NODES.textNode(p.toAbsolutePath().normalize().toString());
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) return NODES.numberNode(((Number) v).longValue());
        if (v instanceof Number n) return NODES.numberNode(n.doubleValue());
        if (v instanceof Boolean b) return NODES.booleanNode(b);
        if (v instanceof CharSequence || v instanceof Character) return NODES.textNode(v.toString());
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = NODES.objectNode();
            for (Map.Entry<?, ?> e : m.entrySet()) o.set(String.valueOf(e.getKey()), toJson(name + "_" + e.getKey(), e.getValue()));
            return o;
        }
        if (v instanceof double[] d) {
            ArrayNode a = NODES.arrayNode();
            for (double x : d) a.add(x);
            return a;
        }
        if (v instanceof Collection<?> c) {
            ArrayNode a = NODES.arrayNode();
            for (Object x : c) a.add(toJson(name + "_" + a.size(), x));
            return a;
        }
        if (v instanceof Table t) {
            ObjectNode o = NODES.objectNode();
            ArrayNode columns = o.putObject("table").putArray("columns");
            for (String c : t.columnNames()) columns.add(c);
            ArrayNode rows = ((ObjectNode) o.get("table")).putArray("rows");
            for (int r = 0; r < t.rowCount(); r++) {
                ArrayNode row = rows.addArray();
                for (int c = 0; c < t.columnCount(); c++) row.add(toJson(name + "_cell", t.column(c).get(r)));
            }
            return o;
        }
        if (v instanceof ImageGenerator g) {
            ObjectNode o = NODES.objectNode();
            ObjectNode d = o.putObject("generator");
            ArrayNode classes = d.putArray("classes");
            g.classes().forEach(classes::add);
            ArrayNode samples = d.putArray("samples");
            for (ImageFolder.Sample s : g.sampleList()) samples.addArray().add(s.path().toAbsolutePath().normalize().toString()).add(s.label());
            Augmentation a = g.augmentation();
            d.putObject("augmentation").put("rotation", a.rotationRange()).put("width_shift", a.widthShiftRange())
                    .put("height_shift", a.heightShiftRange()).put("zoom", a.zoomRange()).put("horizontal_flip", a.horizontalFlip());
            d.put("seed", g.seed()).put("width", g.width()).put("height", g.height()).put("class_mode", g.classMode().name())
                    .put("preprocessing", g.preprocessing().name());
            return o;
        }
        if (v instanceof Predictions p) {
            ObjectNode d = NODES.objectNode().putObject("predictions");
            ArrayNode classes = d.putArray("classes"), images = d.putArray("images"), probabilities = d.putArray("probabilities");
            p.classes().forEach(classes::add);
            p.images().forEach(i -> images.add(i.toAbsolutePath().normalize().toString()));
            for (float[] row : p.probabilities()) {
                ArrayNode r = probabilities.addArray();
                for (float x : row) r.add(x);
            }
            return NODES.objectNode().set("predictions", d);
        }
        return NODES.objectNode().put("unsupported", v.getClass().getName());
    }

    /** Whether this JVM runs under the grader, which collects answers instead of checking them here. */
    static boolean collecting() {
        return System.getProperty(PROPERTY) != null;
    }

    private record Handed(Path file, int epochs) { }

    private static final Map<Classifier, Handed> HANDED = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    /** Writes the answers (JSON, then each model file) into the grader's answers folder. */
    void handIn() throws IOException {
        Path dir = Path.of(System.getProperty(PROPERTY));
        Files.createDirectories(dir);
        ObjectNode doc = values.deepCopy();
        for (Map.Entry<String, Classifier> m : models.entrySet()) {
            Path file = dir.resolve(gradeId + "." + safe(m.getKey()) + ".zip");
            Path part = dir.resolve(file.getFileName() + ".part");
            try {
                Handed before = HANDED.get(m.getValue());
                if (before != null && before.epochs() == m.getValue().history().size() && Files.isRegularFile(before.file())) {
                    Files.copy(before.file(), part, StandardCopyOption.REPLACE_EXISTING); // the same model, untrained since: the same bytes, loaded once by the checker
                } else {
                    m.getValue().save(part);
                }
                Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                HANDED.put(m.getValue(), new Handed(file, m.getValue().history().size()));
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(part);
                doc.putObject(m.getKey()).put("unsaved", String.valueOf(e.getMessage()));
            }
        }
        Path file = dir.resolve(gradeId + ".json");
        Path part = dir.resolve(gradeId + ".json.part");
        Files.writeString(part, Exercises.compact(doc));
        Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String safe(String name) {
        String s = name.replaceAll("[^A-Za-z0-9_-]", "_");
        return s.isEmpty() ? "_" : s.substring(0, Math.min(64, s.length()));
    }

    /**
     * The answers {@code gradeId} handed into {@code dir}, or null when its check cell never handed any in. The
     * files are a submission's output: read without following links, and refused past a size cap.
     */
    static Answers read(Path dir, String gradeId) throws IOException {
        Path file = dir.resolve(gradeId + ".json");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return null;
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes((int) MAX_JSON_BYTES + 1);
        }
        if (bytes.length > MAX_JSON_BYTES) throw new IOException("the handed-in answers are larger than " + (MAX_JSON_BYTES >> 20) + " MiB");
        JsonNode doc = Exercises.JSON.readTree(bytes);
        if (doc == null || !doc.isObject()) throw new IOException("the handed-in answers are not a JSON object");
        return new Answers(gradeId, (ObjectNode) doc, dir);
    }

    /** The node of a model named as {@link #put} named it: {@code models_1} is element 1 of the answer {@code models}. */
    private JsonNode at(String name) {
        if (values.has(name)) return values.get(name);
        int cut = name.lastIndexOf('_');
        if (cut < 0) return values.path(name);
        JsonNode parent = at(name.substring(0, cut));
        String key = name.substring(cut + 1);
        return parent.isArray() && key.chars().allMatch(Character::isDigit) ? parent.path(Integer.parseInt(key)) : parent.path(key);
    }

    /** The answer {@code name} as data (a null node when it was null, missing when not handed in). */
    JsonNode get(String name) {
        return values.path(name);
    }

    /** Whether {@code name} was handed in without a value (the released notebook's null). */
    boolean blank(String name) {
        JsonNode v = values.get(name);
        return v == null || v.isNull();
    }

    /** Models loaded in this checker, by their file's digest: two checks of one notebook that hand in the same model load it once. */
    private static final Map<String, Classifier> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    private static String digest(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The model handed in as {@code name}: the object itself when checked in the learner's notebook, else the
     * saved file, loaded here. A file that is not a model this workbook saved is refused with why.
     */
    Classifier model(String name) throws IOException {
        if (folder == null) return models.get(name);
        JsonNode v = at(name);
        if (v.has("unsaved")) throw new Check.Hint("Your model could not be saved for grading (" + Check.cut(v.path("unsaved").asText(), 200) + "): train it as the task says.");
        if (!v.has("model")) throw new Check.Hint(name + " is not a trained Classifier.");
        Path file = folder.resolve(gradeId + "." + safe(name) + ".zip");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) throw new Check.Hint("The model " + name + " was not handed in as a file.");
        if (Files.size(file) > MAX_MODEL_BYTES) throw new Check.Hint("The model file " + name + " is larger than " + (MAX_MODEL_BYTES >> 20) + " MiB.");
        try {
            String digest = digest(file);
            Classifier loaded = LOADED.get(digest);
            if (loaded == null) {
                loaded = Classifier.load(file);
                LOADED.put(digest, loaded);
            }
            return loaded;
        } catch (IOException | RuntimeException e) {
            throw new Check.Hint("The handed-in " + name + " is not a model this workbook saved: " + Check.cut(String.valueOf(e.getMessage()), 200));
        }
    }
}
