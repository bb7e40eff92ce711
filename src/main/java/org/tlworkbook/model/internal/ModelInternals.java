package org.tlworkbook.model.internal;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.tlworkbook.engine.KerasLayer;
import org.tlworkbook.engine.Network;
import org.tlworkbook.model.BaseModel;
import org.tlworkbook.model.Classifier;

import java.util.List;

/**
 * Reaches the engine parts of a {@link BaseModel} or {@link Classifier}, which their public API does not show. The
 * {@code model} package hands this class its accessor when {@link Classifier} is initialised (the JDK's
 * {@code SharedSecrets} pattern), so the members stay package-private there.
 */
public final class ModelInternals {
    /** What the model package lets the engine's callers see. */
    public interface Access {
        /** The base's layer list, as the engine builds it. */
        List<KerasLayer> layers(BaseModel base);

        /** The DL4J graph holding the base's weights. */
        ComputationGraph graph(BaseModel base);

        /** The DL4J graph holding a compiled classifier's weights. */
        ComputationGraph graph(Classifier model);

        /** The compiled classifier as the engine runs it. */
        Network network(Classifier model);
    }

    private static volatile Access access;

    private ModelInternals() { }

    /** Called once by the model package; a second accessor is refused. */
    public static synchronized void install(Access a) {
        if (access != null) throw new IllegalStateException("the model package's accessor is already installed");
        access = a;
    }

    private static Access access() {
        Access a = access;
        if (a != null) return a;
        try {
            Class.forName(Classifier.class.getName(), true, ModelInternals.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return access;
    }

    /** Keras' layer list of the base, as engine layers. */
    public static List<KerasLayer> layers(BaseModel base) {
        return access().layers(base);
    }

    /** The DL4J graph holding the base's weights (all layers trainable; freezing applies in classifiers). */
    public static ComputationGraph graph(BaseModel base) {
        return access().graph(base);
    }

    /** The DL4J graph holding the classifier's weights (after {@code compile}). */
    public static ComputationGraph graph(Classifier model) {
        return access().graph(model);
    }

    /** The compiled network as the engine sees it (for recipes, benchmarks and engine tests). */
    public static Network network(Classifier model) {
        return access().network(model);
    }
}
