package org.tlworkbook.model;

import org.tlworkbook.engine.Metrics;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.tlworkbook.data.ImageFolder;
import org.tlworkbook.data.ImageGenerator;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.List;

import java.util.function.UnaryOperator;

/**
 * What {@link Classifier#evaluate} found: accuracy, the confusion matrix ({@code confusion[true][predicted]}),
 * per-class precision and recall, and the misclassified images, most confident first.
 */
public record Evaluation(List<String> classes, int[][] confusion, double loss, List<Mistake> mistakes) {

    /** A wrongly classified image with the model's confidence in its (wrong) answer. */
    public record Mistake(ImageFolder.Sample sample, int predicted, double confidence) { }

    /** Images evaluated. */
    public int total() {
        int n = 0;
        for (int[] row : confusion) for (int v : row) n += v;
        return n;
    }

    /** Fraction of images whose most probable class is their label. */
    public double accuracy() {
        int ok = 0;
        for (int i = 0; i < confusion.length; i++) ok += confusion[i][i];
        return (double) ok / Math.max(1, total());
    }

    /** Of the images predicted as class {@code c}, the fraction that are (0 if none were). */
    public double precision(int c) {
        int col = 0;
        for (int[] row : confusion) col += row[c];
        return col == 0 ? 0 : (double) confusion[c][c] / col;
    }

    /** Of the images of class {@code c}, the fraction predicted so (0 if there are none). */
    public double recall(int c) {
        int row = 0;
        for (int v : confusion[c]) row += v;
        return row == 0 ? 0 : (double) confusion[c][c] / row;
    }

    /** Rows: true class; columns: predicted class. */
    public Table confusionTable() {
        StringColumn actual = StringColumn.create("true \\ predicted");
        List<IntColumn> cols = new ArrayList<>();
        for (String c : classes) cols.add(IntColumn.create(c));
        for (int i = 0; i < classes.size(); i++) {
            actual.append(classes.get(i));
            for (int j = 0; j < classes.size(); j++) cols.get(j).append(confusion[i][j]);
        }
        Table t = Table.create("confusion matrix", actual);
        cols.forEach(t::addColumns);
        return t;
    }

    /** Precision, recall and image count per class, as a table. */
    public Table perClass() {
        StringColumn name = StringColumn.create("class");
        DoubleColumn p = DoubleColumn.create("precision");
        DoubleColumn r = DoubleColumn.create("recall");
        IntColumn support = IntColumn.create("support");
        for (int i = 0; i < classes.size(); i++) {
            name.append(classes.get(i));
            p.append(precision(i));
            r.append(recall(i));
            int s = 0;
            for (int v : confusion[i]) s += v;
            support.append(s);
        }
        for (DoubleColumn c : List.of(p, r)) c.setPrintFormatter(fourDecimals());
        return Table.create("per-class metrics", name, p, r, support);
    }

    /** Shares printed as the accuracy beside them is: four decimals, whatever the locale. */
    private static tech.tablesaw.columns.numbers.NumberColumnFormatter fourDecimals() {
        return new tech.tablesaw.columns.numbers.NumberColumnFormatter(
                new java.text.DecimalFormat("0.0000", java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT)));
    }
    
    /** Runs the whole generator (one pass, in order) through {@code predict}. */
    static Evaluation of(UnaryOperator<INDArray> predict, List<String> classes, ImageGenerator images) {
        int k = classes.size();
        int[][] confusion = new int[k][k];
        List<Mistake> mistakes = new ArrayList<>();
        double loss = 0;
        images.reset();
        while (images.hasNext()) {
            DataSet ds = images.next();
            List<ImageFolder.Sample> batch = images.lastBatch();
            INDArray p = predict.apply(ds.getFeatures());
            loss += Metrics.lossSum(p, ds.getLabels());
            int[] predicted = Metrics.predictedClasses(p);
            int[] actual = Metrics.trueClasses(ds.getLabels());
            for (int i = 0; i < predicted.length; i++) {
                confusion[actual[i]][predicted[i]]++;
                if (predicted[i] != actual[i]) {
                    double conf = p.size(1) == 1 ? (predicted[i] == 1 ? p.getDouble(i, 0) : 1 - p.getDouble(i, 0))
                            : p.getDouble(i, predicted[i]);
                    mistakes.add(new Mistake(batch.get(i), predicted[i], conf));
                }
            }
        }
        mistakes.sort((a, b) -> Double.compare(b.confidence(), a.confidence()));
        int total = 0;
        for (int[] row : confusion) for (int v : row) total += v;
        return new Evaluation(classes, confusion, loss / Math.max(1, total), mistakes);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "accuracy %.4f, loss %.4f on %d images (%d mistakes)", accuracy(), loss, total(), mistakes.size());
    }
}
