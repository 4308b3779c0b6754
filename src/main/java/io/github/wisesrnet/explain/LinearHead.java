package io.github.wisesrnet.explain;

import io.github.wisesrnet.graph.FeatureMap;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.layers.WiseSrLayer;
import io.github.wisesrnet.layers.WiseSrParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A classification head that is linear up to its softmax, read from a network's structure: a spatial reduction of
 * the feature map (global average pooling, Wise-SrNet weighting, or average pooling then flatten), dropout (the
 * identity at inference) and a softmax output layer. Such a head's class score is a sum over the map's positions,
 * which {@link #contributionKernel(int, long, long, long)} spells out.
 */
final class LinearHead {

    private final String mapVertex;
    private final String outputVertex;
    private final Head.Pooling pooling;
    private final CNN2DFormat format;
    private final int poolSize;
    /** Wise-SrNet's W [C, kH, kW], or null. */
    private final INDArray spatialWeights;
    /** Wise-SrNet's per-channel bias [C], or null. */
    private final INDArray headBias;
    /** The output layer's weights [nIn, classes] and bias [classes]. */
    private final INDArray dense;
    private final INDArray denseBias;
    private final String description;

    private LinearHead(String mapVertex, String outputVertex, Head.Pooling pooling, CNN2DFormat format, int poolSize,
            INDArray spatialWeights, INDArray headBias, INDArray dense, INDArray denseBias, String description) {
        this.mapVertex = mapVertex;
        this.outputVertex = outputVertex;
        this.pooling = pooling;
        this.format = format;
        this.poolSize = poolSize;
        this.spatialWeights = spatialWeights;
        this.headBias = headBias;
        this.dense = dense;
        this.denseBias = denseBias;
        this.description = description;
    }

    /**
     * Reads the head of {@code net}, walking back from its one output: softmax output layer, any dropout layers,
     * then the spatial reduction whose input is the feature map.
     *
     * @throws IllegalArgumentException naming the layer that makes the head non-linear or unknown
     */
    static LinearHead of(ComputationGraph net) {
        if (net.getLayers() == null) {
            throw new IllegalArgumentException("The network is not initialized: call net.init() first.");
        }
        ComputationGraphConfiguration conf = net.getConfiguration();
        Map<String, List<String>> inputsOf = conf.getVertexInputs();
        if (conf.getNetworkOutputs().size() != 1) {
            throw unsupported("it has " + conf.getNetworkOutputs().size() + " outputs " + conf.getNetworkOutputs());
        }
        String output = conf.getNetworkOutputs().get(0);
        Layer outputLayer = layerOf(conf.getVertices().get(output));
        if (!(outputLayer instanceof OutputLayer out) || !(out.getActivationFn() instanceof ActivationSoftmax)) {
            throw unsupported("its output '" + output + "' is " + describe(outputLayer)
                    + ", not a dense OutputLayer with softmax");
        }
        InputPreProcessor flatten = preProcessorOf(conf.getVertices().get(output));
        String current = singleInput(inputsOf, output);
        StringBuilder path = new StringBuilder();
        while (layerOf(conf.getVertices().get(current)) instanceof DropoutLayer) {
            if (flatten == null) {
                flatten = preProcessorOf(conf.getVertices().get(current));
            }
            path.insert(0, " -> dropout '" + current + "'");
            current = singleInput(inputsOf, current);
        }
        Layer reduction = layerOf(conf.getVertices().get(current));
        String mapVertex = singleInput(inputsOf, current);
        INDArray dense = net.getLayer(output).getParam(DefaultParamInitializer.WEIGHT_KEY).castTo(DataType.FLOAT);
        INDArray denseBias = net.getLayer(output).getParam(DefaultParamInitializer.BIAS_KEY).castTo(DataType.FLOAT)
                .reshape(-1);
        String tail = path + " -> softmax '" + output + "'";

        if (reduction instanceof WiseSrLayer wise) {
            requireNoFlatten(flatten, current);
            INDArray w = net.getLayer(current).getParam(WiseSrParamInitializer.WEIGHT_KEY).castTo(DataType.FLOAT);
            INDArray b = wise.hasBias()
                    ? net.getLayer(current).getParam(WiseSrParamInitializer.BIAS_KEY).castTo(DataType.FLOAT)
                            .reshape(-1)
                    : null;
            return new LinearHead(mapVertex, output, Head.Pooling.SPATIAL_WEIGHTS, wise.getDataFormat(),
                    wise.getPoolSize(), w, b, dense, denseBias, "Wise-SrNet weighting '" + current + "' (p="
                    + wise.getPoolSize() + ", W " + Arrays.toString(w.shape()) + ")" + tail);
        }
        if (reduction instanceof GlobalPoolingLayer global && global.getPoolingType() == PoolingType.AVG
                && global.isCollapseDimensions()) {
            requireNoFlatten(flatten, current);
            return new LinearHead(mapVertex, output, Head.Pooling.GLOBAL_AVERAGE, globalPoolingFormat(global, current),
                    1, null, null, dense, denseBias, "global average pooling '" + current + "'" + tail);
        }
        if (reduction instanceof SubsamplingLayer pool && isWindowAverage(pool)
                && flatten instanceof CnnToFeedForwardPreProcessor flat) {
            return new LinearHead(mapVertex, output, Head.Pooling.AVERAGE_FLATTEN, flat.getFormat(),
                    pool.getKernelSize()[0], null, null, dense, denseBias, "average pooling '" + current + "' (p="
                    + pool.getKernelSize()[0] + ") -> flatten" + tail);
        }
        throw unsupported("the layer before its output is '" + current + "', " + describe(reduction)
                + ", which is not global average pooling, a WiseSrLayer or non-overlapping average pooling with"
                + " flatten");
    }

    /** Name of the vertex whose output is the feature map the head reduces. */
    String mapVertex() {
        return mapVertex;
    }

    String outputVertex() {
        return outputVertex;
    }

    Head.Pooling pooling() {
        return pooling;
    }

    CNN2DFormat format() {
        return format;
    }

    int numClasses() {
        return (int) dense.size(1);
    }

    INDArray spatialWeights() {
        return spatialWeights;
    }

    int poolSize() {
        return poolSize;
    }

    String description() {
        return description;
    }

    /** The part of class {@code k}'s score that does not depend on the map: the dense bias plus the head bias. */
    double constant(int k) {
        double constant = denseBias.getDouble(k);
        if (headBias != null) {
            constant += headBias.mul(classColumn(k)).sumNumber().doubleValue();
        }
        return constant;
    }

    /**
     * {@code M_k [C, H, W]} such that class {@code k}'s score is {@code constant(k) + sum_{c,h,w} M_k * x} for a map
     * {@code x [C, H, W]}: the dense weights of class {@code k} spread over the positions each reduction averages.
     * Positions that 'valid' pooling drops get 0.
     *
     * @throws IllegalArgumentException if the map's size does not fit the head's parameters
     */
    INDArray contributionKernel(int k, long channels, long height, long width) {
        if (k < 0 || k >= numClasses()) {
            throw new IllegalArgumentException("Class " + k + " is outside 0.." + (numClasses() - 1));
        }
        INDArray classWeights = classColumn(k); // [nIn]
        switch (pooling) {
            case GLOBAL_AVERAGE -> {
                requireSize(channels, classWeights.length(), "channels");
                return classWeights.reshape(channels, 1, 1).div(height * width)
                        .broadcast(channels, height, width).dup('c');
            }
            case SPATIAL_WEIGHTS -> {
                requireSize(channels, spatialWeights.size(0), "channels");
                requireSize(height / poolSize, spatialWeights.size(1), "pooled height");
                requireSize(width / poolSize, spatialWeights.size(2), "pooled width");
                INDArray perWindow = spatialWeights.mul(classWeights.reshape(channels, 1, 1));
                return spread(perWindow, height, width);
            }
            case AVERAGE_FLATTEN -> {
                long ph = height / poolSize;
                long pw = width / poolSize;
                requireSize(channels * ph * pw, classWeights.length(), "flattened inputs");
                // CnnToFeedForwardPreProcessor flattens [C, h', w'] (NCHW) or [h', w', C] (NHWC) in C order.
                INDArray perWindow = format == CNN2DFormat.NHWC
                        ? classWeights.reshape('c', ph, pw, channels).permute(2, 0, 1).dup('c')
                        : classWeights.reshape('c', channels, ph, pw);
                return spread(perWindow, height, width);
            }
            default -> throw new IllegalStateException("Unhandled pooling " + pooling);
        }
    }

    private INDArray classColumn(int k) {
        return dense.getColumn(k).reshape(-1).dup();
    }

    /** [C, h', w'] per pooling window -> [C, H, W]: each window's value / p^2 on its p x p pixels, 0 beyond. */
    private INDArray spread(INDArray perWindow, long height, long width) {
        int p = poolSize;
        INDArray expanded = p == 1 ? perWindow.dup('c') : perWindow.repeat(1, p).repeat(2, p).divi(p * p);
        if (expanded.size(1) == height && expanded.size(2) == width) {
            return expanded;
        }
        INDArray full = Nd4j.zeros(DataType.FLOAT, perWindow.size(0), height, width);
        full.get(NDArrayIndex.all(), NDArrayIndex.interval(0, expanded.size(1)),
                NDArrayIndex.interval(0, expanded.size(2))).assign(expanded);
        return full;
    }

    private void requireSize(long found, long expected, String what) {
        if (found != expected) {
            throw new IllegalArgumentException("The feature map does not fit the head (" + description + "): "
                    + what + " " + found + ", the head's parameters expect " + expected + ". Was the network given an"
                    + " input of the size it was built for?");
        }
    }

    private static CNN2DFormat globalPoolingFormat(GlobalPoolingLayer global, String vertex) {
        int[] dims = global.getPoolingDimensions();
        if (dims == null || Arrays.equals(dims, new int[]{2, 3})) {
            return CNN2DFormat.NCHW;
        }
        if (Arrays.equals(dims, new int[]{1, 2})) {
            return CNN2DFormat.NHWC;
        }
        throw unsupported("its global pooling '" + vertex + "' pools dimensions " + Arrays.toString(dims)
                + ", not the two spatial axes of a 4d map");
    }

    /** Average pooling with windows that tile the map: kernel = stride, no padding, 'valid'/truncate. */
    private static boolean isWindowAverage(SubsamplingLayer pool) {
        int[] k = pool.getKernelSize();
        int[] s = pool.getStride();
        int[] pad = pool.getPadding();
        return pool.getPoolingType() == org.deeplearning4j.nn.conf.layers.PoolingType.AVG
                && k[0] == k[1] && Arrays.equals(k, s) && (pad == null || (pad[0] == 0 && pad[1] == 0))
                && (pool.getConvolutionMode() == null || pool.getConvolutionMode() == ConvolutionMode.Truncate);
    }

    private static void requireNoFlatten(InputPreProcessor flatten, String vertex) {
        if (flatten != null) {
            throw unsupported("a preprocessor (" + flatten.getClass().getSimpleName() + ") follows '" + vertex + "'");
        }
    }

    private static String singleInput(Map<String, List<String>> inputsOf, String vertex) {
        List<String> inputs = inputsOf.getOrDefault(vertex, List.of());
        if (inputs.size() != 1) {
            throw unsupported("'" + vertex + "' has " + inputs.size() + " inputs " + inputs);
        }
        return inputs.get(0);
    }

    private static InputPreProcessor preProcessorOf(GraphVertex vertex) {
        return vertex instanceof LayerVertex lv ? lv.getPreProcessor() : null;
    }

    private static Layer layerOf(GraphVertex vertex) {
        return FeatureMap.layerOf(vertex);
    }

    private static String describe(Layer layer) {
        return layer == null ? "not a layer" : "a " + layer.getClass().getSimpleName();
    }

    private static IllegalArgumentException unsupported(String why) {
        return new IllegalArgumentException("Cannot attribute this network's scores to feature-map positions: " + why
                + ". Spatial attributions need a head that is linear up to its softmax: global average pooling,"
                + " a WiseSrLayer or average pooling + flatten, optional dropout, then a softmax OutputLayer (every"
                + " head WiseSrNet.attach builds, and Backbone.classifier's).");
    }
}
