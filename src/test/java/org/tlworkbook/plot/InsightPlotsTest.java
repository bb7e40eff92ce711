package org.tlworkbook.plot;

import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.tlworkbook.train.DataEfficiency;
import org.tlworkbook.train.LearningRateFinder;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Notebook 08's charts: what each series is and where the markers sit. */
class InsightPlotsTest {

    @Test
    void theSweepIsOnALogAxisWithTheSuggestionAndChosenRatesMarkedWhereTheyAre() {
        double[] rates = new double[40], losses = new double[40];
        for (int i = 0; i < 40; i++) {
            rates[i] = 1e-6 * Math.pow(10, i / 8.0);
            losses[i] = i < 15 ? 1.0 : i < 30 ? 0.3 : 3.0;
        }
        LearningRateFinder.Result sweep = new LearningRateFinder.Result(rates, losses, losses, rates[14], rates[29]);
        XYChart c = LearningRatePlot.chart(sweep, Map.of("tutorial", 1e-4));
        assertTrue(c.getStyler().isXAxisLogarithmic());
        Map<String, XYSeries> series = c.getSeriesMap();
        assertEquals(3, series.size(), series.keySet().toString());
        XYSeries suggestion = series.values().stream().filter(s -> s.getName().startsWith("suggestion")).findFirst().orElseThrow();
        assertEquals(sweep.suggestion(), suggestion.getXData()[0], 0);
        XYSeries tutorial = series.get("tutorial 1e-04");
        assertNotNull(tutorial, series.keySet().toString());
        assertEquals(1e-4, tutorial.getXData()[0], 0);
        assertArrayEquals(sweep.smoothed(), series.get("loss").getYData(), 0);
        assertTrue(LearningRatePlot.plot(sweep).getWidth() > 0);
    }

    @Test
    void dataEfficiencyShowsBothModelsWithTheirIntervalsAndChance() {
        List<DataEfficiency.Row> rows = List.of(new DataEfficiency.Row(10, 100, 80, 1, 55, 10), new DataEfficiency.Row(50, 100, 90, 2, 60, 30));
        XYChart c = DataEfficiencyPlot.chart(rows);
        long legend = c.getSeriesMap().values().stream().filter(XYSeries::isShowInLegend).count();
        assertEquals(3, legend, "two models and chance in the legend; the interval bars are not");
        XYSeries transfer = c.getSeriesMap().get("pretrained base + new head");
        assertArrayEquals(new double[]{0.8, 0.9}, transfer.getYData(), 1e-12);
        XYSeries bar = c.getSeriesMap().get("small CNN from scratch 10");
        assertArrayEquals(DataEfficiency.wilson(55, 100), bar.getYData(), 1e-12, "the bar spans Wilson's interval");
        assertThrows(IllegalArgumentException.class, () -> DataEfficiencyPlot.chart(List.of()));
    }
}
