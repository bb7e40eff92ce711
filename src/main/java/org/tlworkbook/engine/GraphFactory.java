package org.tlworkbook.engine;

import org.tlworkbook.engine.dl4j.FastDepthwiseConvolution2D;
import org.tlworkbook.engine.dl4j.InferenceBatchNormalization;
import org.tlworkbook.engine.dl4j.PointwiseConvolution;
import org.tlworkbook.engine.dl4j.Relu6;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.function.Predicate;

/**
 * Translates Keras layer lists into a DL4J {@link ComputationGraphConfiguration} with the same vertex
 * names. Layers the predicate marks frozen are wrapped in {@link FrozenLayer}: their weights stay put and
 * their batch-norm layers use the moving statistics, as frozen layers do in Keras.
 */
public final class GraphFactory {
    private GraphFactory() { }

    public static ComputationGraphConfiguration build(List<KerasLayer> layers, int height, int width, Predicate<String> frozen,
                                               IUpdater updater, LossFunctions.LossFunction loss, long seed) {
        return build(layers, InputType.convolutional(height, width, 3), frozen, updater, loss, seed);
    }

    /** As above, for a graph whose input is an intermediate activation of type {@code input}. */
    public static ComputationGraphConfiguration build(List<KerasLayer> layers, InputType input, Predicate<String> frozen,
                                               IUpdater updater, LossFunctions.LossFunction loss, long seed) {
        return build(layers, input, frozen, updater, loss, seed, false);
    }

    /**
     * As above; with {@code batchNormTraining} the batch-norm layers that are not frozen are DL4J's own, which in
     * training use each batch's statistics and update the moving ones (Keras' {@code training=True}).
     */
    public static ComputationGraphConfiguration build(List<KerasLayer> layers, InputType input, Predicate<String> frozen,
                                               IUpdater updater, LossFunctions.LossFunction loss, long seed, boolean batchNormTraining) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater == null ? new NoOp() : updater)
                .weightInit(WeightInit.XAVIER_UNIFORM)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder();
        String output = null;
        for (int i = 0; i < layers.size(); i++) {
            KerasLayer k = layers.get(i);
            boolean last = i == layers.size() - 1 && k.kind() == KerasLayer.Kind.DENSE;
            switch (k.kind()) {
                case INPUT -> g.addInputs(k.name());
                case ADD -> {
                    org.deeplearning4j.nn.conf.graph.GraphVertex add = new ElementWiseVertex(ElementWiseVertex.Op.Add);
                    if (frozen.test(k.name())) add = new FrozenVertex(add);
                    g.addVertex(k.name(), add, k.inputs().toArray(String[]::new));
                }
                case FLATTEN -> {
                    // DL4J flattens implicitly in front of a dense layer; Keras' Flatten stays a named no-op.
                    g.addVertex(k.name(), new org.deeplearning4j.nn.conf.graph.PreprocessorVertex(
                            new CnnToFeedForwardPreProcessor()), k.input());
                }
                default -> {
                    Layer layer = last ? outputLayer((KerasLayer.Dense) k, loss)
                            : batchNormTraining && k instanceof KerasLayer.BatchNorm bn && !frozen.test(k.name()) ? trainingBatchNorm(bn) : layer(k);
                    // every frozen layer is wrapped, weights or not, so backpropagation stops cleanly at the frozen part
                    if (frozen.test(k.name())) layer = new FrozenLayer(layer);
                    g.addLayer(k.name(), layer, k.input());
                }
            }
            output = k.name();
        }
        g.setOutputs(output);
        g.setInputTypes(input);
        return g.build();
    }

    /** DL4J's batch norm with the layer's Keras settings (its epsilon, momentum 0.999), in training mode while it trains. */
    private static Layer trainingBatchNorm(KerasLayer.BatchNorm k) {
        org.deeplearning4j.nn.conf.layers.BatchNormalization bn = new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder()
                .eps(k.epsilon()).decay(0.999).useLogStd(false).lockGammaBeta(false).build();
        bn.setCnn2DFormat(org.deeplearning4j.nn.conf.CNN2DFormat.NCHW);
        return bn;
    }

    private static Layer layer(KerasLayer layer) {
        return switch (layer.kind()) {
            case CONV -> {
                KerasLayer.Conv k = (KerasLayer.Conv) layer;
                ConvolutionLayer.Builder b = new ConvolutionLayer.Builder(k.kernel(), k.kernel())
                        .stride(k.stride(), k.stride())
                        .nOut(k.filters())
                        .hasBias(k.bias())
                        .convolutionMode(k.samePadding() ? ConvolutionMode.Same : ConvolutionMode.Truncate)
                        .activation(activation(k.activation()));
                boolean pointwise = k.kernel() == 1 && k.stride() == 1 && !k.bias() && k.activation() == null;
                yield pointwise ? new PointwiseConvolution(b) : b.build();
            }
            case DEPTHWISE -> {
                KerasLayer.Depthwise k = (KerasLayer.Depthwise) layer;
                yield new FastDepthwiseConvolution2D(new DepthwiseConvolution2D.Builder(k.kernel(), k.kernel())
                        .stride(k.stride(), k.stride())
                        .depthMultiplier(1)
                        .hasBias(false)
                        .convolutionMode(k.samePadding() ? ConvolutionMode.Same : ConvolutionMode.Truncate)
                        .activation(Activation.IDENTITY));
            }
            case BATCH_NORM -> {
                InferenceBatchNormalization bn = new InferenceBatchNormalization();
                bn.setEps(((KerasLayer.BatchNorm) layer).epsilon());
                yield bn;
            }
            case RELU6 -> new Relu6();
            case RELU -> new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder().activation(Activation.RELU).build();
            case ZERO_PAD -> {
                KerasLayer.ZeroPad k = (KerasLayer.ZeroPad) layer;
                yield new ZeroPaddingLayer.Builder(k.top(), k.bottom(), k.left(), k.right()).build();
            }
            case MAX_POOL -> {
                KerasLayer.MaxPool k = (KerasLayer.MaxPool) layer;
                yield new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(k.pool(), k.pool()).stride(k.stride(), k.stride()).convolutionMode(ConvolutionMode.Truncate).build();
            }
            case GLOBAL_AVG_POOL -> new GlobalPoolingLayer.Builder(PoolingType.AVG).build();
            case DENSE -> {
                KerasLayer.Dense k = (KerasLayer.Dense) layer;
                yield new DenseLayer.Builder().nOut(k.units()).activation(activation(k.activation())).build();
            }
            case DROPOUT -> new DropoutLayer.Builder(1.0 - ((KerasLayer.Dropout) layer).rate()).build();
            case INPUT, ADD, FLATTEN -> throw new IllegalArgumentException("not a layer: " + layer);
        };
    }

    private static Layer outputLayer(KerasLayer.Dense k, LossFunctions.LossFunction loss) {
        return new OutputLayer.Builder(loss).nOut(k.units()).activation(activation(k.activation())).build();
    }

    public static Activation activation(String name) {
        if (name == null) return Activation.IDENTITY;
        return switch (name) {
            case "relu" -> Activation.RELU;
            case "sigmoid" -> Activation.SIGMOID;
            case "softmax" -> Activation.SOFTMAX;
            case "linear" -> Activation.IDENTITY;
            default -> throw new IllegalArgumentException("unsupported activation " + name);
        };
    }
}
