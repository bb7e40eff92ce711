package org.tlworkbook.model;


/** An optimizer with Keras' defaults (RMSprop rho 0.9, Adam betas 0.9/0.999, epsilon 1e-7). */
public sealed interface Optimizer {

    /** The learning rate. */
    double learningRate();

    /** The name saved with a model and accepted by {@link #named}. */
    String name();

    /** {@code keras.optimizers.RMSprop(learning_rate=lr)}: the TF tutorial's optimizer. */
    record RmsProp(double learningRate) implements Optimizer {
        public String name() {
            return "rmsprop";
        }

        @Override
        public String toString() {
            return "RMSprop(learning_rate=" + plain(learningRate) + ")";
        }
    }

    /** {@code keras.optimizers.Adam(learning_rate=lr)}. */
    record Adam(double learningRate) implements Optimizer {
        public String name() {
            return "adam";
        }

        @Override
        public String toString() {
            return "Adam(learning_rate=" + plain(learningRate) + ")";
        }
    }

    /** {@code keras.optimizers.SGD(learning_rate=lr)}. */
    record Sgd(double learningRate) implements Optimizer {
        public String name() {
            return "sgd";
        }

        @Override
        public String toString() {
            return "SGD(learning_rate=" + plain(learningRate) + ")";
        }
    }

    /** Learning rates print as decimals (0.00002), not as 2.0E-5. */
    private static String plain(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** RMSprop with Keras' defaults (rho 0.9, epsilon 1e-7), as the TensorFlow tutorial uses. */
    static Optimizer rmsprop(double lr) {
        return new RmsProp(lr);
    }

    /** Adam with Keras' defaults. */
    static Optimizer adam(double lr) {
        return new Adam(lr);
    }

    /** Plain stochastic gradient descent. */
    static Optimizer sgd(double lr) {
        return new Sgd(lr);
    }

    /** The optimizer with this name ({@code rmsprop}, {@code adam}, {@code sgd}) and rate. */
    static Optimizer named(String name, double lr) {
        return switch (name) {
            case "rmsprop" -> rmsprop(lr);
            case "adam" -> adam(lr);
            case "sgd" -> sgd(lr);
            default -> throw new IllegalArgumentException("unknown optimizer " + name + " (rmsprop, adam, sgd)");
        };
    }
}
