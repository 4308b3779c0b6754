package io.github.wisesrnet;

import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.graph.FeatureMap;
import io.github.wisesrnet.graph.InputTypeRecord;
import io.github.wisesrnet.layers.WiseSrLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Attaches a Wise-SrNet (or another of the paper's) classification head to a CNN backbone.
 *
 * <pre>{@code
 * ComputationGraph model = WiseSrNet.attach(backbone, numClasses);
 * }</pre>
 *
 * The backbone's classifier (whatever pooling, flatten, dense and output layers follow its last convolutional
 * feature map) is found from the graph's structure and replaced by {@code head -> OutputLayer} (softmax,
 * multi-class cross-entropy, weights Normal(0, 0.01), bias 0). The backbone's parameters are carried over
 * unchanged; the new head is initialized from the backbone's seed. Attaching to a graph that already has a head
 * replaces it, so calling attach twice still leaves one head.
 */
public final class WiseSrNet {

    private static final Logger log = LoggerFactory.getLogger(WiseSrNet.class);

    /**
     * Vertex name of the spatial-weighting layer of the Wise-SrNet and depthwise heads. Like the other vertex names
     * of the attached head below, it gets a suffix ({@code _1}, {@code _2}...) if the backbone already uses it.
     */
    public static final String SPATIAL_WEIGHTS_VERTEX = "wise_sr";
    /** Vertex name of the global average pooling layer of the GAP heads. */
    public static final String GLOBAL_POOL_VERTEX = "avg_pool";
    /** Vertex name of the average pre-pooling layer of the {@link Head#FLATTEN_FC} head. */
    public static final String FLATTEN_POOL_VERTEX = "pre_pool";
    /** Vertex name of the dropout layer before the dense layer, present only when the head's dropout is above 0. */
    public static final String DROPOUT_VERTEX = "head_dropout";
    /** Vertex name of the dense softmax output layer. */
    public static final String OUTPUT_VERTEX = "predictions";

    private WiseSrNet() {
    }

    /**
     * Wise-SrNet head with the paper's settings. The graph must be able to tell the size of its feature map: graphs
     * built by this library record their input type ({@link InputTypeRecord}), a graph with a Wise-SrNet head
     * records its map, and graphs whose classifier flattens a map (DL4J's zoo ResNet50) keep its size in a
     * preprocessor. Otherwise pass the input type with {@link #attach(ComputationGraph, int, InputType...)}, or
     * attach to the graph's builder with {@link #attach(ComputationGraphConfiguration.GraphBuilder, int)}.
     *
     * @return a new, initialized network: the backbone's layers with their parameters copied, then the head; the
     *         backbone itself is left unchanged and can be used again
     * @throws IllegalArgumentException if {@code numClasses < 2} or the feature map's size cannot be told
     */
    public static ComputationGraph attach(ComputationGraph backbone, int numClasses) {
        return attach(backbone, numClasses, AttachOptions.defaults());
    }

    /** Wise-SrNet head with the paper's settings, for a backbone fed with the given input type(s). */
    public static ComputationGraph attach(ComputationGraph backbone, int numClasses, InputType... inputTypes) {
        checkNumClasses(numClasses);
        return attach(backbone, numClasses, AttachOptions.builder().inputTypes(inputTypes).build());
    }

    /** One of the paper's heads with its default settings. */
    public static ComputationGraph attach(ComputationGraph backbone, int numClasses, Head head) {
        checkNumClasses(numClasses);
        return attach(backbone, numClasses, AttachOptions.builder().head(head).build());
    }

    /** One of the paper's heads, for a backbone fed with the given input type(s). */
    public static ComputationGraph attach(ComputationGraph backbone, int numClasses, Head head,
            InputType... inputTypes) {
        checkNumClasses(numClasses);
        return attach(backbone, numClasses, AttachOptions.builder().head(head).inputTypes(inputTypes).build());
    }

    /**
     * Wise-SrNet head with the paper's settings on the network a DL4J graph builder describes, e.g. a zoo model:
     * {@code WiseSrNet.attach(ResNet50.builder().numClasses(1000).build().graphBuilder(), 10)}. The builder must have
     * its inputs and input types set ({@code setInputTypes(...)}). DL4J's zoo ResNet50 sets them in
     * {@code graphBuilder()}; Xception and SqueezeNet only in {@code init()}, so for those attach to
     * {@code model.init()} with the input type.
     *
     * @return a new, initialized network (backbone parameters from the builder's initialization, then the head);
     *         the builder is built once, as {@code builder.build()} would, and can be used again
     */
    public static ComputationGraph attach(ComputationGraphConfiguration.GraphBuilder builder, int numClasses) {
        return attach(builder, numClasses, AttachOptions.defaults());
    }

    /** One of the paper's heads on the network a DL4J graph builder describes. */
    public static ComputationGraph attach(ComputationGraphConfiguration.GraphBuilder builder, int numClasses,
            Head head) {
        checkNumClasses(numClasses);
        return attach(builder, numClasses, AttachOptions.builder().head(head).build());
    }

    /** The general form on a DL4J graph builder; input types not given in {@code options} come from the builder. */
    public static ComputationGraph attach(ComputationGraphConfiguration.GraphBuilder builder, int numClasses,
            AttachOptions options) {
        checkNumClasses(numClasses);
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(options, "options");
        if (builder.getNetworkInputs().isEmpty()) {
            throw new IllegalArgumentException("The graph builder has no inputs (DL4J's zoo Xception and SqueezeNet add"
                    + " theirs only in init()). Attach to the initialized model with its input type instead, e.g."
                    + " WiseSrNet.attach(model.init(), numClasses, InputType.convolutional(299, 299, 3)).");
        }
        List<InputType> builderTypes = builder.getNetworkInputTypes();
        InputType[] inputTypes = options.inputTypes() != null ? options.inputTypes()
                : builderTypes == null || builderTypes.isEmpty() ? null : builderTypes.toArray(new InputType[0]);
        if (inputTypes == null) {
            throw new IllegalArgumentException("The graph builder has no input types, so the size of its feature map"
                    + " is unknown: call setInputTypes(InputType.convolutional(height, width, channels)) on it, or"
                    + " pass them with AttachOptions.builder().inputTypes(...).");
        }
        ComputationGraphConfiguration conf = builder.build().clone();
        InputTypeRecord.addTo(conf, inputTypes);
        ComputationGraph backbone = new ComputationGraph(conf);
        backbone.init();
        return attach(backbone, numClasses, options.toBuilder().inputTypes(inputTypes).build());
    }

    /**
     * The general form: head, input types, pool size, constraint, bias, dropout, freezing. The result records its
     * input types (when known) in its configuration, so it can be attached to again with two arguments, also after
     * saving and loading.
     */
    public static ComputationGraph attach(ComputationGraph backbone, int numClasses, AttachOptions options) {
        checkNumClasses(numClasses);
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(options, "options");
        if (backbone.getLayers() == null) {
            throw new IllegalArgumentException("The backbone is not initialized: call backbone.init() first.");
        }
        FeatureMap featureMap = FeatureMap.locate(backbone, options.inputTypes(), options.featureMapVertex());
        log.debug("Feature map of the backbone: vertex '{}' {}", featureMap.vertex(), featureMap.mapType());

        TransferLearning.GraphBuilder builder = new TransferLearning.GraphBuilder(backbone);
        for (String vertex : backbone.getConfiguration().getVertices().keySet()) {
            if (!featureMap.backbone().contains(vertex)) {
                builder.removeVertexAndConnections(vertex);
            }
        }
        String output = addHead(builder, featureMap, numClasses, options, backboneUpdaters(backbone, featureMap));
        builder.setOutputs(output);
        InputType[] inputTypes = featureMap.inputTypes().isEmpty() ? null
                : featureMap.inputTypes().toArray(new InputType[0]);
        if (inputTypes != null) {
            builder.setInputTypes(inputTypes);
        }
        if (options.freezeBackbone()) {
            builder.setFeatureExtractor(featureMap.vertex());
        }
        ComputationGraph net = builder.build();
        if (inputTypes != null) {
            // The record computes nothing, so adding it to the built configuration only changes what is saved.
            InputTypeRecord.addTo(net.getConfiguration(), inputTypes);
        }
        OneDnnHelpers.tuneIfRequested(net);
        return net;
    }

    /** One class makes softmax constant: nothing could be learned. Checked before anything else. */
    private static void checkNumClasses(int numClasses) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be at least 2, got " + numClasses
                    + ": a classifier needs two or more classes (with one, softmax is constant and nothing is"
                    + " learned). Pass the number of classes in your data set.");
        }
    }

    /** Builds the head layers after the feature map; returns the output vertex name. */
    private static String addHead(TransferLearning.GraphBuilder builder, FeatureMap featureMap, int numClasses,
            AttachOptions options, IUpdater[] updaters) {
        Set<String> taken = featureMap.backbone();
        InputType.InputTypeConvolutional map = featureMap.mapType();
        long channels = map.getChannels();
        String previous = featureMap.vertex();
        long features;
        CnnToFeedForwardPreProcessor flatten = null;

        switch (options.head().pooling()) {
            case GLOBAL_AVERAGE -> {
                String name = unique(GLOBAL_POOL_VERTEX, taken);
                builder.addLayer(name, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), previous);
                previous = name;
                features = channels;
            }
            case SPATIAL_WEIGHTS -> {
                String name = unique(SPATIAL_WEIGHTS_VERTEX, taken);
                WiseSrLayer layer = withUpdaters(new WiseSrLayer.Builder(), updaters)
                        .poolSize(options.poolSize())
                        .nonNegative(options.nonNegative())
                        .hasBias(options.bias())
                        .headInit(options.headInit())
                        .inputType(map)
                        .build();
                builder.addLayer(name, layer, previous);
                previous = name;
                features = channels;
            }
            case AVERAGE_FLATTEN -> {
                String name = unique(FLATTEN_POOL_VERTEX, taken);
                int p = options.poolSize() == WiseSrLayer.AUTO_POOL_SIZE
                        ? WiseSrLayer.paperPoolSize(map.getHeight(), map.getWidth()) : options.poolSize();
                if (map.getHeight() < p || map.getWidth() < p) {
                    throw new IllegalArgumentException("The feature map " + map.getHeight() + "x" + map.getWidth()
                            + " is smaller than the pool size " + p + ". Use a smaller poolSize or a larger input.");
                }
                builder.addLayer(name, new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG)
                        .kernelSize(p, p).stride(p, p).convolutionMode(ConvolutionMode.Truncate)
                        .dataFormat(map.getFormat()).build(), previous);
                previous = name;
                long h = map.getHeight() / p;
                long w = map.getWidth() / p;
                features = channels * h * w;
                flatten = new CnnToFeedForwardPreProcessor(h, w, channels, map.getFormat());
            }
            default -> throw new IllegalStateException("Unhandled head " + options.head());
        }

        if (options.dropout() > 0) {
            String name = unique(DROPOUT_VERTEX, taken);
            Layer dropout = new DropoutLayer.Builder(1.0 - options.dropout()).nIn(features).nOut(features).build();
            if (flatten != null) {
                builder.addLayer(name, dropout, flatten, previous);
                flatten = null;
            } else {
                builder.addLayer(name, dropout, previous);
            }
            previous = name;
        }

        String outputName = unique(OUTPUT_VERTEX, taken);
        OutputLayer outputLayer = withUpdaters(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT), updaters)
                .nIn(features).nOut(numClasses)
                .activation(Activation.SOFTMAX)
                .weightInit(new NormalDistribution(0, 0.01))
                .biasInit(0.0)
                .build();
        if (flatten != null) {
            builder.addLayer(outputName, outputLayer, flatten, previous);
        } else {
            builder.addLayer(outputName, outputLayer, previous);
        }
        return outputName;
    }

    /**
     * The updater (and bias updater) the backbone trains with, taken from its last trainable layer, so that the new
     * head learns like the rest of the network. (The graph's global settings are not kept in its configuration, and
     * DL4J would otherwise give new layers plain SGD with learning rate 1e-3.)
     */
    private static IUpdater[] backboneUpdaters(ComputationGraph backbone, FeatureMap featureMap) {
        IUpdater[] found = {null, null};
        int[] order = backbone.topologicalSortOrder();
        org.deeplearning4j.nn.graph.vertex.GraphVertex[] vertices = backbone.getVertices();
        for (int index : order) {
            org.deeplearning4j.nn.graph.vertex.GraphVertex v = vertices[index];
            if (!featureMap.backbone().contains(v.getVertexName())) {
                continue;
            }
            Layer layer = FeatureMap.layerOf(backbone.getConfiguration().getVertices().get(v.getVertexName()));
            if (layer instanceof BaseLayer base && base.getIUpdater() != null && layer.initializer().numParams(layer) > 0) {
                found[0] = base.getIUpdater();
                found[1] = base.getBiasUpdater();
            }
        }
        return found;
    }

    private static <T extends BaseLayer.Builder<T>> T withUpdaters(T builder, IUpdater[] updaters) {
        if (updaters[0] != null) {
            builder.updater(updaters[0].clone());
        }
        if (updaters[1] != null) {
            builder.biasUpdater(updaters[1].clone());
        }
        return builder;
    }

    /** {@code base}, or {@code base_1}, {@code base_2}... if the backbone already uses that name. */
    private static String unique(String base, Set<String> taken) {
        String name = base;
        for (int i = 1; taken.contains(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }
}
