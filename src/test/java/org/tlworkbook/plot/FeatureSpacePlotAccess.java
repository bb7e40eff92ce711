package org.tlworkbook.plot;

/** The plot's chart, for tests in other packages. */
public final class FeatureSpacePlotAccess {
    private FeatureSpacePlotAccess() { }

    public static org.knowm.xchart.XYChart chart(org.tlworkbook.model.FeatureSpace space) {
        return FeatureSpacePlot.chart(space);
    }
}
