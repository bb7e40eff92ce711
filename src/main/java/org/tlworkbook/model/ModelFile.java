package org.tlworkbook.model;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import org.tlworkbook.data.Preprocessing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * What a file given as a model is, told from its content and never from its name: a workbook {@code model.zip}, a
 * whole Keras model, Keras weights only, another HDF5 or zip file, a damaged one, or no model at all. Every front end
 * reads models through {@link #read}, so each mistake (a run folder, base weights, a truncated copy) gets one
 * sentence saying what the file is and what to give instead.
 */
public final class ModelFile {
    /** The kinds of file a model argument turns out to be. */
    public enum Kind {
        /** A model.zip saved by {@link Classifier#save}. */
        WORKBOOK_MODEL,
        /** A whole Keras model in HDF5 ({@code model.save("model.h5")}). */
        KERAS_MODEL,
        /** Keras weights without the model (a base's ImageNet weights, {@code save_weights}). */
        KERAS_WEIGHTS,
        /** HDF5, but not from Keras. */
        OTHER_HDF5,
        /** A zip that is not a workbook model. */
        OTHER_ZIP,
        /** A zip or HDF5 file that cannot be read to its end: truncated or damaged. */
        DAMAGED,
        /** A folder (a run folder, most often). */
        FOLDER,
        /** Nothing at that path. */
        MISSING,
        /** Anything else: text, an image, an empty file. */
        NOT_A_MODEL
    }

    /** A file's kind and, for every kind but a usable model, what it is and what to give instead. */
    public record Identified(Path file, Kind kind, String description, String base) {
        Identified(Path file, Kind kind, String description) {
            this(file, kind, description, null);
        }

        /** Whether {@link #read} can make a classifier of it. */
        public boolean usable() {
            return kind == Kind.WORKBOOK_MODEL || kind == Kind.KERAS_MODEL;
        }
    }

    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    private static final String EXPECTED = "give a model.zip that ./workbook train or Classifier.save wrote, or a whole Keras model (.h5)";

    private ModelFile() { }

    /** Looks at {@code file}'s content (signature, zip entries, HDF5 attributes), without loading any weights. */
    public static Identified identify(Path file) {
        return identify(file, EXPECTED);
    }

    /** {@link #identify(Path)}, ending a description of the wrong kind of file with {@code advice} (what to give instead). */
    public static Identified identify(Path file, String advice) {
        if (!Files.exists(file)) {
            return new Identified(file, Kind.MISSING, "no such file: " + file + " (" + advice + ")");
        }
        if (Files.isDirectory(file)) {
            Path inside = file.resolve("model.zip");
            return new Identified(file, Kind.FOLDER, file + " is a folder, not a model file: "
                    + (Files.isRegularFile(inside) ? "give its model, " + inside : advice + "; a training run's folder holds it as model.zip"));
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(8);
        } catch (IOException e) {
            return new Identified(file, Kind.NOT_A_MODEL, file + " cannot be read (" + e.getMessage() + ")");
        }
        if (head.length == 0) return new Identified(file, Kind.NOT_A_MODEL, file + " is empty (0 bytes): " + advice);
        if (java.util.Arrays.equals(head, HDF5)) return hdf5(file, advice);
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return zip(file, advice);
        return new Identified(file, Kind.NOT_A_MODEL, file + " is not a model file (" + looksLike(head) + "): " + advice);
    }

    /**
     * The classifier in {@code file}, or an {@link IllegalArgumentException} saying what the file is instead. A Keras
     * model takes its class names from {@code classes}, else {@code folderClasses} (the evaluated folder's), else
     * {@code class_0, class_1, ...}; {@code preprocessing} (null: the base's) is the scaling it was trained with.
     * {@code classes} and {@code preprocessing} are refused for a workbook model, which keeps its own.
     */
    public static Classifier read(Path file, List<String> classes, Preprocessing preprocessing, List<String> folderClasses) throws IOException {
        return read(identify(file), classes, preprocessing, folderClasses);
    }

    /** {@link #read(Path, List, Preprocessing, List)} of a file already {@link #identify identified}. */
    public static Classifier read(Identified id, List<String> classes, Preprocessing preprocessing, List<String> folderClasses) throws IOException {
        Path file = id.file();
        if (!id.usable()) throw new IllegalArgumentException(id.description());
        if (id.kind() == Kind.WORKBOOK_MODEL) {
            if (classes != null || preprocessing != null) {
                throw new IllegalArgumentException("--classes and --preprocessing are for Keras .h5 models; " + file + " is a workbook model, "
                        + "which keeps its own class names and pixel scaling");
            }
            try {
                return Classifier.load(file);
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(file + " is a workbook model.zip, but a damaged one (" + reason(e) + "): save or train it again", e);
            }
        }
        return Classifier.importKeras(file, classes != null ? classes : folderClasses, preprocessing);
    }

    private static Identified zip(Path file, String advice) {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            if (zip.getEntry("objects/workbook.properties") != null) {
                return new Identified(file, Kind.WORKBOOK_MODEL, file + " is a workbook model");
            }
            if (zip.getEntry("config.json") != null && zip.getEntry("model.weights.h5") != null) {
                return new Identified(file, Kind.OTHER_ZIP, file + " is a Keras 3 .keras file, which the workbook does not read: save the model in "
                        + "Keras as model.h5 (model.save(\"model.h5\")) and give that");
            }
            if (zip.getEntry("configuration.json") != null) {
                return new Identified(file, Kind.OTHER_ZIP, file + " is a DL4J model, not one this workbook saved (it has no class names or "
                        + "base settings): " + advice);
            }
            return new Identified(file, Kind.OTHER_ZIP, file + " is a zip file but not a model (" + zip.size() + " entries, none of a model): " + advice);
        } catch (IOException e) {
            return new Identified(file, Kind.DAMAGED, file + " is a zip file that cannot be read to its end: truncated or damaged (an interrupted "
                    + "copy or download?). Copy it again, or train it again");
        }
    }

    private static Identified hdf5(Path file, String advice) {
        try (HdfFile h5 = new HdfFile(file)) {
            var storage = h5.getHdfBackingStorage();
            long end = storage.getUserBlockSize() + storage.getSuperblock().getEndOfFileAddress();
            if (end > Files.size(file)) throw new IllegalStateException("ends at byte " + Files.size(file) + " of " + end);
            walk(h5);
            if (h5.getAttribute("model_config") != null) return new Identified(file, Kind.KERAS_MODEL, file + " is a Keras model");
            Attribute names = h5.getAttribute("layer_names");
            boolean weights = names != null || h5.getChildren().containsKey("layers") || h5.getChildren().containsKey("model_weights");
            if (!weights) {
                return new Identified(file, Kind.OTHER_HDF5, file + " is an HDF5 file but not from Keras (it has neither a model_config nor "
                        + "layer weights): " + advice);
            }
            Set<String> layers = layerNames(h5, names);
            Architecture known = Architecture.ofKerasLayers(layers);
            String base = known != null ? known.id() : layers.contains("conv_pw_13") ? "MobileNet (v1)"
                    : layers.contains("block5_conv4") ? "VGG19" : layers.stream().anyMatch(n -> n.startsWith("conv5_block")) ? "ResNet other than ResNet50"
                    : null;
            if (known != null) {
                return new Identified(file, Kind.KERAS_WEIGHTS, file + " holds the weights of a " + base + " base (Keras weights only, no "
                        + "model and no head): it is what a model starts from, not a trained classifier. Train with it (--weights "
                        + file.getFileName() + ") and use the model.zip that writes", base);
            }
            return new Identified(file, Kind.KERAS_WEIGHTS, file + " holds Keras weights only (no model_config: the weights without the model)"
                    + (base == null ? "" : ", of a " + base + ", a base this workbook does not build (it builds "
                    + String.join(" and ", java.util.Arrays.stream(Architecture.values()).map(Architecture::id).toList()) + ")")
                    + ": to import a classifier, save it whole in Keras with model.save(\"model.h5\")", base == null ? null : "other:" + base);
        } catch (IOException | RuntimeException e) {
            return new Identified(file, Kind.DAMAGED, file + " is an HDF5 file that cannot be read: truncated or damaged (an interrupted copy or "
                    + "download?). Copy it again, or save it again in Keras");
        }
    }

    /** Reads every group's entries (metadata only), which a truncated or damaged file fails. */
    private static void walk(Group group) {
        for (Node child : group.getChildren().values()) {
            if (child instanceof Group g) walk(g);
        }
    }

    private static Set<String> layerNames(HdfFile h5, Attribute names) {
        Set<String> out = new java.util.HashSet<>();
        if (names != null && names.getData() instanceof Object[] array) {
            for (Object o : array) out.add(String.valueOf(o));
        }
        Node weights = h5.getChildren().get("model_weights");
        Group from = weights instanceof Group g ? g : h5;
        out.addAll(from.getChildren().keySet());
        return out;
    }

    private static String looksLike(byte[] head) {
        if (head.length >= 3 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xD8) return "a JPEG image";
        if (head.length >= 4 && (head[0] & 0xFF) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') return "a PNG image";
        if (head.length >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B) return "a gzip file";
        if (head.length >= 2 && head[0] == 0x08) return "perhaps ONNX: the workbook writes ONNX but does not read it";
        String text = new String(head, StandardCharsets.UTF_8);
        return text.chars().allMatch(c -> c == '\n' || c == '\r' || c == '\t' || (c >= 32 && c != 0xFFFD)) ? "it is text" : "an unknown binary format";
    }

    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) return t.getMessage();
        }
        return e.getClass().getSimpleName();
    }
}
