package org.tlworkbook.engine;

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
    private final Network network;
    private final String cut;
    private final FastForward prefix;
    private final List<KerasLayer> suffixLayers;
    private final InputType cutType;
    private final Map<String, InputType> types;
    private final FastTraining fast;
    private ComputationGraph suffix;

    private SplitGraph(Network network, String cut, FastForward prefix, List<KerasLayer> suffixLayers,
                       InputType cutType, Map<String, InputType> types, FastTraining fast) {
        this.types = types;
        this.network = network;
        this.cut = cut;
        this.prefix = prefix;
        this.suffixLayers = suffixLayers;
        this.cutType = cutType;
        this.fast = fast;
    }

    /** Whether the network has a frozen part to split off (false when every base layer trains). */
    public static boolean canSplit(Network network) {
        return cutIndex(network, network.trainableFrom()) >= 1;
    }

    /**
     * The layer whose output would be cached when fine-tuning {@code network} from base layer
     * {@code fineTuneAt} (without changing what trains now), or null when nothing could be cached.
     */
    public static String cutFor(Network network, int fineTuneAt) {
        int c = cutIndex(network, Math.max(0, Math.min(fineTuneAt, network.baseLayers())));
        return c >= 1 ? network.layers().get(c).name() : null;
    }

    private static int cutIndex(Network network, int firstTrainable) {
        List<KerasLayer> all = network.layers();
        if (firstTrainable >= network.baseLayers() && network.head().get(0).kind() == KerasLayer.Kind.GLOBAL_AVG_POOL) {
            firstTrainable = network.baseLayers() + 1; // pooling has no weights: cache pooled features
        }
        for (int c = Math.min(firstTrainable, all.size()) - 1; c >= 1; c--) {
            if (isSingleEntry(all, c)) return c;
        }
        return -1;
    }

    /**
     * Splits the classifier as compiled now; parameters and optimizer state are copied in. The prefix runs
     * on {@link FastForward}; the suffix trains on {@link FastTraining} when it supports every suffix layer
     * (MobileNetV2 fine-tuning), else as a DL4J graph.
     */
    public static SplitGraph of(Network network) {
        return of(network, List.of());
    }

    /**
     * As {@link #of(Network)}; the prefix also returns the activations of the layers in {@code keep}
     * that it computes whole (see {@link #prefixOutputs}), e.g. the cut of a later fine-tuning phase.
     */
    public static SplitGraph of(Network network, List<String> keep) {
        List<KerasLayer> all = network.layers();
        int cutIndex = cutIndex(network, network.trainableFrom());
        if (cutIndex < 1) throw new IllegalStateException("no layer to cache: the whole network is trainable");
        String cutName = all.get(cutIndex).name();
        Map<String, InputType> types = network.graph().getConfiguration()
                .getLayerActivationTypes(InputType.convolutional(network.size(), network.size(), 3));
        InputType cutType = types.get(cutName);

        FastForward prefix = FastForward.compile(all.subList(0, cutIndex + 1), network.graph().paramTable(), keep);

        List<KerasLayer> suffixLayers = new ArrayList<>();
        suffixLayers.add(KerasLayer.input(cutName));
        suffixLayers.addAll(all.subList(cutIndex + 1, all.size()));
        FastTraining fast = FastTraining.supports(suffixLayers) && !network.batchNormTraining() // the fast engine keeps batch norm in inference mode
                ? FastTraining.compile(suffixLayers, network.graph(), network.frozen(), network.updater()) : null;
        return new SplitGraph(network, cutName, prefix, suffixLayers, cutType, types, fast);
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

    /** The layers asked for in {@link #of(Network, List)} that the prefix returns. */
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
            ComputationGraphConfiguration sc = GraphFactory.build(suffixLayers, cutType, network.frozen(),
                    network.updater(), network.loss(), 12345, network.batchNormTraining());
            suffix = new ComputationGraph(sc);
            suffix.init();
            copy(network.graph().paramTable(), suffix.paramTable());
            OptimizerState.copy(network.graph(), suffix);
        }
        return suffix;
    }

    /** The layers after the cut, as they train: on {@link FastTraining} where it covers them all, else on the DL4J suffix graph. */
    public Suffix trainable() {
        if (fast != null) return Suffix.fast(fast, network.graph());
        ComputationGraph g = suffix();
        return Suffix.dl4j(g, suffixLayers, () -> {
            copy(g.paramTable(), network.graph().paramTable());
            OptimizerState.copy(g, network.graph());
        });
    }

    /** Numbers per image in a layer's activation (the cut's or a kept layer's): what caching it costs. */
    public long floatsPerImage(String layer) {
        InputType t = types.get(layer);
        if (t == null) throw new IllegalArgumentException("no layer " + layer);
        return t.arrayElementsPerExample();
    }

    /** The layers after the cut, starting with an input layer named as the cut. */
    List<KerasLayer> suffixLayers() {
        return suffixLayers;
    }

    /** Number of layers (with weights or not) that run on cached activations. */
    public int suffixLayerCount() {
        return suffixLayers.size() - 1;
    }
}
