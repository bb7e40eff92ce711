package org.tlworkbook.model;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;

/** An optimizer with Keras' defaults (RMSprop rho 0.9, Adam betas 0.9/0.999, epsilon 1e-7). */
public record Optimizer(String name, double learningRate) {

    public static Optimizer rmsprop(double lr) {
        return new Optimizer("rmsprop", lr);
    }

    public static Optimizer adam(double lr) {
        return new Optimizer("adam", lr);
    }

    public static Optimizer sgd(double lr) {
        return new Optimizer("sgd", lr);
    }

    public static Optimizer named(String name, double lr) {
        return switch (name) {
            case "rmsprop", "adam", "sgd" -> new Optimizer(name, lr);
            default -> throw new IllegalArgumentException("unknown optimizer " + name + " (rmsprop, adam, sgd)");
        };
    }

    IUpdater updater() {
        return switch (name) {
            case "rmsprop" -> new RmsProp(learningRate, 0.9, 1e-7);
            case "adam" -> new Adam(learningRate, 0.9, 0.999, 1e-7);
            default -> new Sgd(learningRate);
        };
    }
}
