package org.tlworkbook.model;

import org.nd4j.linalg.learning.config.IUpdater;

/** DL4J's configuration of each {@link Optimizer}'s update rule, with Keras' defaults: the engine's side of the choice. */
final class Updaters {
    private Updaters() { }

    static IUpdater of(Optimizer optimizer) {
        double lr = optimizer.learningRate();
        if (optimizer instanceof Optimizer.RmsProp) return new org.nd4j.linalg.learning.config.RmsProp(lr, 0.9, 1e-7);
        if (optimizer instanceof Optimizer.Adam) return new org.nd4j.linalg.learning.config.Adam(lr, 0.9, 0.999, 1e-7);
        if (optimizer instanceof Optimizer.Sgd) return new org.nd4j.linalg.learning.config.Sgd(lr);
        throw new IllegalArgumentException("no update rule for " + optimizer);
    }
}
