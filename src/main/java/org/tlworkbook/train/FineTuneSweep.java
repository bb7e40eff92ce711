package org.tlworkbook.train;

import org.tlworkbook.data.ImageGenerator;
import org.tlworkbook.data.Progress;
import org.tlworkbook.model.Classifier;
import org.tlworkbook.model.History;
import org.tlworkbook.model.Optimizer;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where should fine-tuning start? The same head-trained model, loaded afresh for every start layer, fine-tuned from
 * it for a few epochs at one rate: validation figures, trainable parameters and seconds per epoch side by side. It
 * makes notebook 4's trade visible: an earlier start trains more weights, costs more per epoch and can overfit sooner.
 */
public final class FineTuneSweep {
    /** One start layer's result: its figures after the last epoch, and the mean seconds of an epoch after the first. */
    public record Row(int fineTuneAt, String layer, long trainableParams, double valAccuracy, double valLoss, double secondsPerEpoch) { }

    private FineTuneSweep() { }

    /**
     * Fine-tunes the model saved at {@code frozenModel} from each layer in {@code starts}, {@code epochs} epochs at
     * {@code optimizer}; one progress bar over the starts, no epoch lines. The saved model is never changed.
     */
    public static List<Row> run(Path frozenModel, ImageGenerator train, ImageGenerator validation, List<Integer> starts, int epochs,
                                Optimizer optimizer) throws IOException {
        if (starts.isEmpty()) throw new IllegalArgumentException("give at least one layer to start fine-tuning from");
        if (epochs < 1) throw new IllegalArgumentException("epochs must be 1 or more; got " + epochs);
        Progress progress = Progress.console();
        progress.start("fine-tune from each start layer", starts.size(), "starts");
        List<Row> rows = new ArrayList<>();
        try {
            for (int start : starts) {
                Classifier model = Classifier.load(frozenModel).progress(Progress.silent()).verbose(false);
                int layers = model.base().layerCount();
                if (start < 0 || start >= layers) throw new IllegalArgumentException("start layer " + start + " is not in the base (layers 0-" + (layers - 1) + ")");
                model.base().unfreezeFrom(start);
                model.compile(optimizer);
                int before = model.history().size();
                model.fit(train, validation, epochs);
                List<History.Epoch> mine = model.history().epochs().subList(before, model.history().size());
                History.Epoch last = mine.get(mine.size() - 1);
                double seconds = mine.size() > 1
                        ? mine.subList(1, mine.size()).stream().mapToDouble(History.Epoch::seconds).average().orElse(0)
                        : last.seconds(); // the first epoch also computes the cached activations
                rows.add(new Row(start, model.base().layer(start).name(), model.countTrainableParams(), last.valAccuracy(), last.valLoss(), seconds));
                progress.advance(1);
            }
        } finally {
            progress.done();
        }
        return rows;
    }

    /** The rows as a table, one per start layer. */
    public static Table table(List<Row> rows) {
        IntColumn at = IntColumn.create("fine_tune_at");
        StringColumn layer = StringColumn.create("layer");
        LongColumn params = LongColumn.create("trainable_params");
        DoubleColumn acc = DoubleColumn.create("val_accuracy"), loss = DoubleColumn.create("val_loss"), secs = DoubleColumn.create("seconds_per_epoch");
        for (Row r : rows) {
            at.append(r.fineTuneAt());
            layer.append(r.layer());
            params.append(r.trainableParams());
            acc.append(r.valAccuracy());
            loss.append(r.valLoss());
            secs.append(r.secondsPerEpoch());
        }
        return Table.create("where fine-tuning starts", at, layer, params, acc, loss, secs);
    }
}
