package org.tlworkbook.model;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import java.io.UncheckedIOException;
import java.io.StringReader;

import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keras' {@code history.history}, one row per epoch, across phases. A {@link Classifier} keeps its own:
 * the frozen phase's epochs come first and fine-tuning continues the numbering, so the TF tutorial's
 * {@code acc += history_fine.history['accuracy']} is already done in {@link Classifier#history()}.
 */
public final class History {
    /** One epoch's figures. Accuracy and loss are averages over the epoch's batches. */
    public record Epoch(int epoch, Phase phase, double loss, double accuracy, double valLoss, double valAccuracy,
                        double lr, double seconds) { }

    private final List<Epoch> epochs = new ArrayList<>();

    synchronized void add(Epoch e) {
        epochs.add(e);
    }

    synchronized History append(History other) {
        epochs.addAll(other.epochs);
        return this;
    }

    /** Every epoch so far, in order, across fit calls. */
    public synchronized List<Epoch> epochs() {
        return List.copyOf(epochs);
    }

    /** Epochs so far. */
    public int size() {
        return epochs.size();
    }

    /** The last epoch number recorded, or 0. */
    public int lastEpoch() {
        return epochs.isEmpty() ? 0 : epochs.get(epochs.size() - 1).epoch();
    }

    /** Epochs of a phase. */
    public List<Epoch> phase(Phase phase) {
        return epochs().stream().filter(e -> e.phase() == phase).toList();
    }

    /** The first epoch of {@code phase}, where the learning-curve marker goes; -1 when absent. */
    public int firstEpochOf(Phase phase) {
        return epochs().stream().filter(e -> e.phase() == phase).mapToInt(Epoch::epoch).min().orElse(-1);
    }

    /** The figures of epoch {@code number} (counted from 1, across phases). */
    public Epoch epoch(int number) {
        return epochs().stream().filter(e -> e.epoch() == number).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no epoch " + number + " in this history (epochs 1-" + lastEpoch() + ")"));
    }

    /** The last epoch's figures, or null when nothing was trained. */
    public Epoch last() {
        List<Epoch> all = epochs();
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    private static final java.util.Comparator<Epoch> BY_VAL_ACCURACY = java.util.Comparator.comparingDouble(Epoch::valAccuracy);

    /**
     * What the curves say, in words, from this history's own figures: per phase, validation accuracy at its first and
     * last epoch and its best; where validation loss was lowest; and whether training has started to memorise
     * (training accuracy at 1.000, validation loss up from its lowest). A notebook prints this instead of stating
     * figures its output might contradict.
     */
    public String describe() {
        List<Epoch> all = epochs();
        if (all.isEmpty()) return "Nothing trained yet.";
        StringBuilder sb = new StringBuilder();
        for (Phase p : Phase.values()) {
            List<Epoch> in = all.stream().filter(e -> e.phase() == p).toList();
            if (in.isEmpty()) continue;
            Epoch first = in.get(0), last = in.get(in.size() - 1);
            Epoch best = in.stream().max(BY_VAL_ACCURACY).orElseThrow();
            sb.append(String.format(Locale.ROOT, "%s, epochs %d-%d: validation accuracy %.3f after the first, %.3f after the last (best %.3f, epoch %d).%n",
                    p.label(), first.epoch(), last.epoch(), first.valAccuracy(), last.valAccuracy(), best.valAccuracy(), best.epoch()));
        }
        List<Phase> phases = all.stream().map(Epoch::phase).distinct().toList();
        if (phases.size() > 1) {
            Epoch endOfFirst = all.stream().filter(e -> e.phase() == phases.get(0)).reduce((a, b) -> b).orElseThrow();
            Epoch bestLater = all.stream().filter(e -> e.phase() != phases.get(0)).max(BY_VAL_ACCURACY).orElseThrow();
            sb.append(String.format(Locale.ROOT, "%s moved validation accuracy from %.3f to %.3f at its best (%+.1f points).%n", bestLater.phase().label(),
                    endOfFirst.valAccuracy(), bestLater.valAccuracy(), 100 * (bestLater.valAccuracy() - endOfFirst.valAccuracy())));
        }
        Epoch last = all.get(all.size() - 1);
        Epoch lowest = all.stream().min(java.util.Comparator.comparingDouble(Epoch::valLoss)).orElseThrow();
        all.stream().filter(e -> e.accuracy() >= 0.9995).findFirst().ifPresent(e -> sb.append(String.format(Locale.ROOT,
                "Training accuracy reached 1.000 at epoch %d; training loss is %.4f at the end.%n", e.epoch(), last.loss())));
        if (lowest.epoch() == last.epoch()) {
            sb.append(String.format(Locale.ROOT, "Validation loss is lowest at the last epoch (%.4f): still learning what carries over; more epochs may help.", last.valLoss()));
        } else {
            sb.append(String.format(Locale.ROOT, "Validation loss was lowest at epoch %d (%.4f) and is %.4f at epoch %d%s", lowest.epoch(), lowest.valLoss(),
                    last.valLoss(), last.epoch(), last.loss() < lowest.loss()
                            ? String.format(Locale.ROOT, ", while training loss fell from %.4f to %.4f: overfitting.", lowest.loss(), last.loss())
                            : "."));
        }
        return sb.toString();
    }

    /** The history as a table, one row per epoch (Keras' {@code pd.DataFrame(history.history)}). */
    public Table toTable() {
        IntColumn epoch = IntColumn.create("epoch");
        StringColumn phase = StringColumn.create("phase");
        DoubleColumn loss = DoubleColumn.create("loss");
        DoubleColumn acc = DoubleColumn.create("accuracy");
        DoubleColumn vLoss = DoubleColumn.create("val_loss");
        DoubleColumn vAcc = DoubleColumn.create("val_accuracy");
        DoubleColumn lr = DoubleColumn.create("lr");
        DoubleColumn secs = DoubleColumn.create("seconds");
        for (Epoch e : epochs()) {
            epoch.append(e.epoch());
            phase.append(e.phase().label());
            loss.append(e.loss());
            acc.append(e.accuracy());
            vLoss.append(e.valLoss());
            vAcc.append(e.valAccuracy());
            lr.append(e.lr());
            secs.append(e.seconds());
        }
        return Table.create("history", epoch, phase, loss, acc, vLoss, vAcc, lr, secs);
    }

    /** The history as CSV with a header, as {@code history.csv} holds it. */
    public String toCsv() {
        StringBuilder sb = new StringBuilder();
        try (CSVPrinter csv = new CSVPrinter(sb, CSV.builder().setHeader(COLUMNS).build())) {
            for (Epoch e : epochs()) {
                csv.printRecord(e.epoch(), e.phase().label(), fixed(e.loss()), fixed(e.accuracy()), fixed(e.valLoss()),
                        fixed(e.valAccuracy()), String.format(Locale.ROOT, "%.3g", e.lr()), String.format(Locale.ROOT, "%.3f", e.seconds()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }

    private static final String[] COLUMNS = {"epoch", "phase", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"};
    private static final CSVFormat CSV = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').build();

    private static String fixed(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }

    /** The history as JSON lists per metric, as Keras' {@code history.history}. */
    public String toJson() {
        StringBuilder sb = new StringBuilder("[\n");
        List<Epoch> all = epochs();
        for (int i = 0; i < all.size(); i++) {
            Epoch e = all.get(i);
            sb.append(String.format(Locale.ROOT,
                    "  {\"epoch\": %d, \"phase\": \"%s\", \"loss\": %s, \"accuracy\": %s, \"val_loss\": %s, \"val_accuracy\": %s, \"lr\": %s, \"seconds\": %.3f}%s%n",
                    e.epoch(), e.phase().label(), num(e.loss()), num(e.accuracy()), num(e.valLoss()), num(e.valAccuracy()),
                    num(e.lr()), e.seconds(), i + 1 < all.size() ? "," : ""));
        }
        return sb.append("]\n").toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    /** Writes {@code history.csv} and {@code history.json} into {@code dir}, each atomically. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        writeAtomically(dir.resolve("history.csv"), toCsv());
        writeAtomically(dir.resolve("history.json"), toJson());
    }

    /** Reads a history written by {@link #toCsv()}. */
    public static History loadCsv(Path csv) throws IOException {
        return parseCsv(Files.readString(csv));
    }

    /** Reads what {@link #toCsv} wrote. */
    public static History parseCsv(String csv) {
        History h = new History();
        try (CSVParser parser = CSV.builder().setHeader().setSkipHeaderRecord(true).build().parse(new StringReader(csv))) {
            for (CSVRecord r : parser) {
                if (r.size() == 1 && r.get(0).isBlank()) continue;
                h.add(new Epoch(Integer.parseInt(r.get("epoch")), Phase.of(r.get("phase")), Double.parseDouble(r.get("loss")),
                        Double.parseDouble(r.get("accuracy")), Double.parseDouble(r.get("val_loss")), Double.parseDouble(r.get("val_accuracy")),
                        Double.parseDouble(r.get("lr")), Double.parseDouble(r.get("seconds"))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException("not a history.csv the workbook wrote (" + e.getMessage() + ")", e);
        }
        return h;
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        org.tlworkbook.data.AtomicFiles.writeString(file, text);
    }
}
