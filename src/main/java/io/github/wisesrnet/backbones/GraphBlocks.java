package io.github.wisesrnet.backbones;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.HashMap;
import java.util.Map;

/**
 * The Keras layers the backbones are made of, as DL4J graph vertices: one method per Keras layer type, each taking
 * the vertex name and its input(s) and returning the name, so that builders read like Keras's functional code
 * ({@code x = blocks.conv(name + "_1_conv", x, filters, 1, 1, stride, VALID, true)}).
 *
 * <p>Mapping: {@code Conv2D} -> {@link ConvolutionLayer} (identity activation), {@code SeparableConv2D} ->
 * {@link SeparableConvolution2D}, {@code BatchNormalization} -> {@link BatchNormalization} (momentum = DL4J decay,
 * variance stored as variance like Keras), {@code Activation('relu')} -> {@link ActivationLayer},
 * {@code ZeroPadding2D} -> {@link ZeroPaddingLayer}, {@code MaxPooling2D}/{@code AveragePooling2D} ->
 * {@link SubsamplingLayer} (padding excluded from averages, as in TensorFlow), {@code Add} ->
 * {@link ElementWiseVertex}, {@code Concatenate} on the channel axis -> {@link MergeVertex}. Keras padding
 * {@code 'valid'} is {@link ConvolutionMode#Truncate}, {@code 'same'} is {@link ConvolutionMode#Same}.
 *
 * <p>Layers Keras leaves unnamed get Keras's automatic names from a counter kept per build: {@code conv2d},
 * {@code conv2d_1}, ... (see {@link #autoName(String)}), i.e. the names a fresh Keras session gives.
 *
 * <p>Weights of convolutions are He-initialized ({@link WeightInit#RELU}, normal with variance 2/fan-in), biases 0;
 * the dense classifier uses Glorot uniform like Keras's {@code Dense}.
 */
final class GraphBlocks {

    /** Name of the network input vertex. */
    static final String INPUT = "input";
    /** Keras's {@code 'valid'} padding. */
    static final ConvolutionMode VALID = ConvolutionMode.Truncate;
    /** Keras's {@code 'same'} padding. */
    static final ConvolutionMode SAME = ConvolutionMode.Same;

    /** Keras's BatchNormalization momentum (DL4J's decay). */
    static final double KERAS_BN_MOMENTUM = 0.99;
    /** Keras's default BatchNormalization epsilon (InceptionV3, Xception). */
    static final double KERAS_BN_EPSILON = 1e-3;
    /** The epsilon resnet.py and densenet.py pass explicitly. */
    static final double RESNET_DENSENET_BN_EPSILON = 1.001e-5;

    /** Learning rate and momentum of the paper's SGD (the networks' default updater). */
    static final double PAPER_LEARNING_RATE = 0.045;
    static final double PAPER_MOMENTUM = 0.9;

    private final ComputationGraphConfiguration.GraphBuilder graph;
    private final double batchNormEpsilon;
    private final Map<String, Integer> autoNameCounts = new HashMap<>();

    private GraphBlocks(ComputationGraphConfiguration.GraphBuilder graph, double batchNormEpsilon) {
        this.graph = graph;
        this.batchNormEpsilon = batchNormEpsilon;
    }

    /**
     * A new graph with one input {@link #INPUT} of the given type: float, seeded, He init, the paper's SGD with
     * momentum as updater; BatchNormalization layers added by {@link #batchNorm} use {@code batchNormEpsilon}.
     */
    static GraphBlocks start(InputType.InputTypeConvolutional input, long seed, double batchNormEpsilon) {
        ComputationGraphConfiguration.GraphBuilder graph = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Nesterovs(PAPER_LEARNING_RATE, PAPER_MOMENTUM))
                .weightInit(WeightInit.RELU)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(input);
        return new GraphBlocks(graph, batchNormEpsilon);
    }

    /** The configuration, with {@code output} as the network's only output. Input types are set, so nIn is too. */
    ComputationGraphConfiguration build(String output) {
        return graph.setOutputs(output).build();
    }

    /**
     * Keras's automatic layer name for a layer class (snake case, e.g. {@code "conv2d"}): the first call returns
     * {@code base}, later ones {@code base_1}, {@code base_2}, ... The counter belongs to this build, so names do
     * not depend on what else was built before.
     */
    String autoName(String base) {
        int n = autoNameCounts.merge(base, 1, Integer::sum) - 1;
        return n == 0 ? base : base + "_" + n;
    }

    /** Any layer (for architectures whose layers are not Keras's). */
    String layer(String name, Layer layer, String... inputs) {
        graph.addLayer(name, layer, inputs);
        return name;
    }

    /** {@code Conv2D(filters, (kernelH, kernelW), strides=stride, padding, use_bias=bias)}, linear. */
    String conv(String name, String input, int filters, int kernelH, int kernelW, int stride, ConvolutionMode padding,
            boolean bias) {
        return layer(name, new ConvolutionLayer.Builder(kernelH, kernelW)
                .stride(stride, stride)
                .nOut(filters)
                .convolutionMode(padding)
                .hasBias(bias)
                .activation(Activation.IDENTITY)
                .build(), input);
    }

    /** {@code SeparableConv2D(filters, (kernel, kernel), padding='same', use_bias=False)}, depth multiplier 1. */
    String separableConv(String name, String input, int filters, int kernel) {
        return layer(name, new SeparableConvolution2D.Builder(kernel, kernel)
                .nOut(filters)
                .depthMultiplier(1)
                .convolutionMode(SAME)
                .hasBias(false)
                .activation(Activation.IDENTITY)
                .build(), input);
    }

    /** {@code BatchNormalization(epsilon, momentum=0.99)} over channels, with scale and center. */
    String batchNorm(String name, String input) {
        return layer(name, new BatchNormalization.Builder()
                .eps(batchNormEpsilon)
                .decay(KERAS_BN_MOMENTUM)
                .useLogStd(false)
                .build(), input);
    }

    /** {@code Activation('relu')}. */
    String relu(String name, String input) {
        return layer(name, new ActivationLayer.Builder().activation(Activation.RELU).build(), input);
    }

    /** {@code ZeroPadding2D(padding=((pad, pad), (pad, pad)))}. */
    String zeroPad(String name, String input, int pad) {
        return layer(name, new ZeroPaddingLayer.Builder(pad, pad, pad, pad).build(), input);
    }

    /** {@code MaxPooling2D(kernel, strides=stride, padding)}. */
    String maxPool(String name, String input, int kernel, int stride, ConvolutionMode padding) {
        return pool(name, input, SubsamplingLayer.PoolingType.MAX, kernel, stride, padding);
    }

    /** {@code AveragePooling2D(kernel, strides=stride, padding)}; 'same' padding is left out of the average. */
    String averagePool(String name, String input, int kernel, int stride, ConvolutionMode padding) {
        return pool(name, input, SubsamplingLayer.PoolingType.AVG, kernel, stride, padding);
    }

    private String pool(String name, String input, SubsamplingLayer.PoolingType type, int kernel, int stride,
            ConvolutionMode padding) {
        return layer(name, new SubsamplingLayer.Builder(type)
                .kernelSize(kernel, kernel)
                .stride(stride, stride)
                .convolutionMode(padding)
                .avgPoolIncludePadInDivisor(false)
                .build(), input);
    }

    /** {@code Add()([a, b])}. */
    String add(String name, String... inputs) {
        graph.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), inputs);
        return name;
    }

    /** {@code Concatenate(axis=channels)(inputs)}. */
    String concat(String name, String... inputs) {
        graph.addVertex(name, new MergeVertex(), inputs);
        return name;
    }

    /**
     * Keras's {@code include_top=True}: {@code GlobalAveragePooling2D(name='avg_pool')} then
     * {@code Dense(numClasses, activation='softmax', name='predictions')} (a DL4J output layer with cross-entropy
     * loss). Returns the output vertex name.
     */
    String classifierTop(String featureMap, int numClasses) {
        String pooled = layer("avg_pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), featureMap);
        return layer("predictions", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(numClasses)
                .activation(Activation.SOFTMAX)
                .weightInit(WeightInit.XAVIER_UNIFORM)
                .build(), pooled);
    }

    // Output sizes of Keras's paddings, for the architectures' featureMap(...) arithmetic.

    /** Output side of a 'valid' window: {@code floor((in - kernel) / stride) + 1}. */
    static long valid(long in, int kernel, int stride) {
        return (in - kernel) / stride + 1;
    }

    /** Output side of a 'same' window: {@code ceil(in / stride)}. */
    static long same(long in, int stride) {
        return (in + stride - 1) / stride;
    }
}
