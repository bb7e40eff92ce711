package org.tlworkbook.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A compiled classifier cut in two at a layer that everything trainable lies after: a frozen prefix
 * whose output ({@link #prefixOutput}) can be computed once per image and cached (DL4J's
 * TransferLearningHelper idea), and a trainable suffix that starts from that cached activation and
 * trains on {@link #fastTraining()} or, for layers it lacks, as the DL4J graph {@link #suffix()}. The cut is the latest layer that (1) comes before the first trainable layer and (2) is
 * the only way into the rest of the network, so residual connections never cross it. For a fully
 * frozen base with a pooling head the cut is after the pooling, so only 1280 numbers per image are kept.
 */
public final class SplitGraph {
    private final Classifier classifier;
    private final String cut;
    private final FastForward prefix;
    private final List<KerasLayer> suffixLayers;
    private final InputType cutType;
    private final Map<String, InputType> types;
    private final FastTraining fast;
    private ComputationGraph suffix;

    private SplitGraph(Classifier classifier, String cut, FastForward prefix, List<KerasLayer> suffixLayers,
                       InputType cutType, Map<String, InputType> types, FastTraining fast) {
        this.types = types;
        this.classifier = classifier;
        this.cut = cut;
        this.prefix = prefix;
        this.suffixLayers = suffixLayers;
        this.cutType = cutType;
        this.fast = fast;
    }

    /** Whether the classifier has a frozen part to split off (false when every base layer trains). */
    public static boolean canSplit(Classifier classifier) {
        return cutIndex(classifier, classifier.base().trainableFrom()) >= 1;
    }

    /**
     * The layer whose output would be cached when fine-tuning {@code classifier} from base layer
     * {@code fineTuneAt} (without changing what trains now), or null when nothing could be cached.
     */
    public static String cutFor(Classifier classifier, int fineTuneAt) {
        int c = cutIndex(classifier, Math.max(0, Math.min(fineTuneAt, classifier.base().layers().size())));
        return c >= 1 ? all(classifier).get(c).name() : null;
    }

    private static int cutIndex(Classifier classifier, int firstTrainable) {
        BaseModel base = classifier.base();
        List<KerasLayer> all = all(classifier);
        if (firstTrainable >= base.layers().size()
                && classifier.head().layers().get(0).kind() == KerasLayer.Kind.GLOBAL_AVG_POOL) {
            firstTrainable = base.layers().size() + 1; // pooling has no weights: cache pooled features
        }
        for (int c = Math.min(firstTrainable, all.size()) - 1; c >= 1; c--) {
            if (isSingleEntry(all, c)) return c;
        }
        return -1;
    }

    private static List<KerasLayer> all(Classifier classifier) {
        List<KerasLayer> all = new ArrayList<>(classifier.base().layers());
        all.addAll(classifier.head().layers());
        return all;
    }

    /**
     * Splits the classifier as compiled now; parameters and optimizer state are copied in. The prefix runs
     * on {@link FastForward}; the suffix trains on {@link FastTraining} when it supports every suffix layer
     * (MobileNetV2 fine-tuning), else as a DL4J graph.
     */
    public static SplitGraph of(Classifier classifier) {
        return of(classifier, List.of());
    }

    /**
     * As {@link #of(Classifier)}; the prefix also returns the activations of the layers in {@code keep}
     * that it computes whole (see {@link #prefixOutputs}), e.g. the cut of a later fine-tuning phase.
     */
    public static SplitGraph of(Classifier classifier, List<String> keep) {
        BaseModel base = classifier.base();
        List<KerasLayer> all = all(classifier);
        int cutIndex = cutIndex(classifier, base.trainableFrom());
        if (cutIndex < 1) throw new IllegalStateException("no layer to cache: the whole network is trainable");
        String cutName = all.get(cutIndex).name();
        Map<String, InputType> types = classifier.graph().getConfiguration()
                .getLayerActivationTypes(InputType.convolutional(base.size(), base.size(), 3));
        InputType cutType = types.get(cutName);

        FastForward prefix = FastForward.compile(all.subList(0, cutIndex + 1), classifier.graph().paramTable(), keep);

        List<KerasLayer> suffixLayers = new ArrayList<>();
        suffixLayers.add(KerasLayer.input(cutName));
        suffixLayers.addAll(all.subList(cutIndex + 1, all.size()));
        FastTraining fast = FastTraining.supports(suffixLayers)
                ? FastTraining.compile(suffixLayers, classifier.graph(), frozen(base), classifier.optimizer()) : null;
        return new SplitGraph(classifier, cutName, prefix, suffixLayers, cutType, types, fast);
    }

    private static java.util.function.Predicate<String> frozen(BaseModel base) {
        int from = base.trainableFrom();
        return n -> base.indexOf(n) >= 0 && base.indexOf(n) < from;
    }

    /** True when every layer after {@code c} reads only from layers at or after {@code c}. */
    private static boolean isSingleEntry(List<KerasLayer> all, int c) {
        Set<String> before = new HashSet<>();
        for (int i = 0; i < c; i++) before.add(all.get(i).name());
        for (int i = c + 1; i < all.size(); i++) {
            for (String in : all.get(i).inputs()) if (before.contains(in)) return false;
        }
        return true;
    }

    private static void copy(Map<String, INDArray> from, Map<String, INDArray> to) {
        for (Map.Entry<String, INDArray> e : to.entrySet()) {
            INDArray src = from.get(e.getKey());
            if (src != null) e.getValue().assign(src);
        }
    }

    /** Name of the layer whose output is cached. */
    public String cut() {
        return cut;
    }

    /** Output of the frozen prefix (the activation at the cut) for a batch of images. */
    public INDArray prefixOutput(INDArray images) {
        return prefix.output(images);
    }

    /** The activation at the cut, then those of the {@link #keptLayers() kept} layers, in one pass. */
    public INDArray[] prefixOutputs(INDArray images) {
        return prefix.outputs(images);
    }

    /** Frees the prefix's activation buffers, say once everything is featurized (a later call allocates them again). */
    public void releasePrefix() {
        prefix.release();
    }

    /** Frees the activation buffers of the prefix and of the fast training engine. */
    public void release() {
        prefix.release();
        if (fast != null) fast.release();
    }

    /** The layers asked for in {@link #of(Classifier, List)} that the prefix returns. */
    public List<String> keptLayers() {
        return prefix.kept();
    }

    /** The fast training engine for the suffix, or null when some suffix layer needs the DL4J graph. */
    public FastTraining fastTraining() {
        return fast;
    }

    /** The suffix as a DL4J graph that trains (built on first use, with the classifier's current parameters and optimizer state). */
    public ComputationGraph suffix() {
        if (suffix == null) {
            ComputationGraphConfiguration sc = GraphFactory.build(suffixLayers, cutType, frozen(classifier.base()),
                    classifier.optimizer().updater(), classifier.head().loss(), 12345);
            suffix = new ComputationGraph(sc);
            suffix.init();
            copy(classifier.graph().paramTable(), suffix.paramTable());
            OptimizerState.copy(classifier.graph(), suffix);
        }
        return suffix;
    }

    /**
     * Inference through the suffix as its weights are now (take a new one after training), on
     * {@link FastForward} where every layer kind allows: for validation on cached activations.
     */
    public java.util.function.UnaryOperator<INDArray> suffixInference() {
        if (fast != null) return fast::predict;
        return FastForward.inference(suffixLayers, suffix());
    }

    /** Numbers per image in a layer's activation (the cut's or a kept layer's): what caching it costs. */
    public long floatsPerImage(String layer) {
        InputType t = types.get(layer);
        if (t == null) throw new IllegalArgumentException("no layer " + layer);
        return t.arrayElementsPerExample();
    }

    /** Number of layers (with weights or not) that run on cached activations. */
    public int suffixLayerCount() {
        return suffixLayers.size() - 1;
    }

    /** Writes what the suffix learned (parameters, optimizer state, iteration count) back into the classifier. */
    public void copyBack() {
        if (fast != null) {
            fast.copyTo(classifier.graph());
        } else if (suffix != null) {
            copy(suffix.paramTable(), classifier.graph().paramTable());
            OptimizerState.copy(suffix, classifier.graph());
        }
    }
}
