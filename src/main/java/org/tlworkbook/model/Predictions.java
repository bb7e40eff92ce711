package org.tlworkbook.model;

import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What {@link Classifier#predict(Path...)} says about each image: the top class and every class's probability. */
public record Predictions(List<String> classes, List<Path> images, float[][] probabilities) {

    /** One image's answer; {@code probabilities} in class order. */
    public record Prediction(Path image, String label, double probability, Map<String, Double> probabilities) {
        /** The {@code k} most likely classes, most likely first. */
        public List<Map.Entry<String, Double>> top(int k) {
            return probabilities.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                    .limit(k).toList();
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: %s (%.3f)", image.getFileName(), label, probability);
        }
    }

    /**
     * The answers of a network's output for {@code images}, in order: {@code [n, 1]} from a binary head (the
     * second class's probability, as Keras' sigmoid) or {@code [n, classes]} from a softmax one.
     */
    public static Predictions of(List<String> classes, List<Path> images, org.nd4j.linalg.api.ndarray.INDArray output) {
        return new Predictions(classes, images, rows(output, images.size()));
    }

    /** The first {@code n} rows of a network's output as one probability per class (a sigmoid's {@code p} as {@code 1-p, p}). */
    static float[][] rows(org.nd4j.linalg.api.ndarray.INDArray output, int n) {
        float[][] probabilities = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] row = output.getRow(i).toFloatVector();
            probabilities[i] = row.length == 1 ? new float[]{1 - row[0], row[0]} : row;
        }
        return probabilities;
    }

    /** Images predicted. */
    public int size() {
        return images.size();
    }

    /** The prediction for image {@code i}: its most probable class and every class's probability. */
    public Prediction get(int i) {
        Map<String, Double> p = new LinkedHashMap<>();
        int best = 0;
        for (int c = 0; c < classes.size(); c++) {
            p.put(classes.get(c), (double) probabilities[i][c]);
            if (probabilities[i][c] > probabilities[i][best]) best = c;
        }
        return new Prediction(images.get(i), classes.get(best), probabilities[i][best], p);
    }

    /** Every prediction, in image order. */
    public List<Prediction> all() {
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < size(); i++) out.add(get(i));
        return out;
    }

    /** One row per image: file name, predicted class, its probability, then one column per class. */
    public Table toTable() {
        StringColumn image = StringColumn.create("image");
        StringColumn label = StringColumn.create("predicted");
        DoubleColumn probability = DoubleColumn.create("probability");
        List<DoubleColumn> perClass = new ArrayList<>();
        for (String c : classes) perClass.add(DoubleColumn.create("p(" + c + ")"));
        for (Prediction p : all()) {
            image.append(p.image().getFileName().toString());
            label.append(p.label());
            probability.append(round(p.probability()));
            for (int c = 0; c < classes.size(); c++) perClass.get(c).append(round(p.probabilities().get(classes.get(c))));
        }
        Table t = Table.create("predictions", image, label, probability);
        perClass.forEach(t::addColumns);
        return t;
    }

    private static double round(double p) {
        return Math.round(p * 10000) / 10000.0;
    }

    @Override
    public String toString() {
        return toTable().printAll();
    }
}
