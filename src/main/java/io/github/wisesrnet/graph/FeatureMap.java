package io.github.wisesrnet.graph;

import io.github.wisesrnet.layers.WiseSrLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a backbone's final convolutional feature map is, found from the graph's structure (never from layer
 * names): the vertex, its output type, and the vertices that compute it (everything else is the old head).
 *
 * @param vertex     name of the vertex whose output is the feature map
 * @param mapType    the feature map's type (channels, height, width, data format)
 * @param backbone   the vertex and all its ancestors, network inputs included
 * @param inputTypes the network's input types, one per input, when known (empty when only the map is known)
 */
public record FeatureMap(String vertex, InputType.InputTypeConvolutional mapType, Set<String> backbone,
        List<InputType> inputTypes) {

    private static final Logger log = LoggerFactory.getLogger(FeatureMap.class);

    /**
     * Finds the feature map of {@code graph}. With input types (one per network input) every vertex's output type
     * is known; the feature map is the convolutional output that feeds the classifier, with any trailing spatial
     * pooling counted as part of the head. Without them, in this order: the input types recorded in the
     * configuration ({@link InputTypeRecord}, on every graph the library builds), the map recorded by an existing
     * {@link WiseSrLayer} head, the sizes kept by DL4J's preprocessors ({@link InputTypeInference}); otherwise an
     * error that says what to pass.
     */
    public static FeatureMap locate(ComputationGraph graph, InputType[] inputTypes, String requestedVertex) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        Map<String, List<String>> inputsOf = conf.getVertexInputs();
        InputType[] types = inputTypes != null ? inputTypes : InputTypeRecord.readFrom(conf);
        if (types == null) {
            FeatureMap fromHead = locateFromExistingHead(conf, inputsOf, requestedVertex);
            if (fromHead != null) {
                return fromHead;
            }
            types = InputTypeInference.fromPreProcessors(conf, inferred -> {
                FeatureMap map = locateWithTypes(conf, inputsOf, inferred, requestedVertex);
                return map.vertex() + " " + map.mapType();
            });
            if (types == null) {
                throw new IllegalArgumentException("Cannot tell the size of this backbone's feature map: the graph"
                        + " records no input type (DL4J keeps none in a built ComputationGraph) and no layer keeps a"
                        + " map size. Pass the input type, e.g. WiseSrNet.attach(backbone, numClasses,"
                        + " InputType.convolutional(224, 224, 3)), or attach to the graph's builder, which keeps its"
                        + " input types: WiseSrNet.attach(graphBuilder, numClasses) (DL4J's zoo ResNet50:"
                        + " model.graphBuilder()).");
            }
            log.info("Input type inferred from the graph's preprocessors: {}", Arrays.toString(types));
        }
        return locateWithTypes(conf, inputsOf, types, requestedVertex);
    }

    private static FeatureMap locateWithTypes(ComputationGraphConfiguration conf, Map<String, List<String>> inputsOf,
            InputType[] inputTypes, String requestedVertex) {
        Map<String, InputType> types = activationTypes(conf, inputTypes);
        String vertex = requestedVertex != null ? requestedVertex : findFeatureVertex(conf, inputsOf, types);
        InputType type = types.get(vertex);
        if (type == null) {
            throw new IllegalArgumentException("featureMapVertex '" + vertex + "' is not a vertex of the backbone."
                    + " Vertices: " + types.keySet());
        }
        if (!(type instanceof InputType.InputTypeConvolutional)) {
            throw new IllegalArgumentException("featureMapVertex '" + vertex + "' outputs " + type
                    + ", not a convolutional feature map.");
        }
        return new FeatureMap(vertex, (InputType.InputTypeConvolutional) type, ancestors(conf, inputsOf, vertex),
                List.of(inputTypes));
    }

    /** The map recorded by the graph's one Wise-SrNet head, or null if it has none (or several). */
    private static FeatureMap locateFromExistingHead(ComputationGraphConfiguration conf,
            Map<String, List<String>> inputsOf, String requestedVertex) {
        List<String> wiseSrVertices = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (layerOf(e.getValue()) instanceof WiseSrLayer) {
                wiseSrVertices.add(e.getKey());
            }
        }
        if (wiseSrVertices.size() != 1) {
            return null;
        }
        String head = wiseSrVertices.get(0);
        String vertex = inputsOf.get(head).get(0);
        if (requestedVertex != null && !requestedVertex.equals(vertex)) {
            throw new IllegalArgumentException("featureMapVertex '" + requestedVertex + "' needs input types to"
                    + " resolve its size; pass AttachOptions.builder().inputTypes(...).");
        }
        WiseSrLayer layer = (WiseSrLayer) layerOf(conf.getVertices().get(head));
        InputType.InputTypeConvolutional type = (InputType.InputTypeConvolutional) InputType.convolutional(
                layer.getInputHeight(), layer.getInputWidth(), layer.getNIn(), layer.getDataFormat());
        return new FeatureMap(vertex, type, ancestors(conf, inputsOf, vertex), List.of());
    }

    /** Every vertex's output type for the given network inputs; checks the types agree with the layers' sizes. */
    private static Map<String, InputType> activationTypes(ComputationGraphConfiguration conf, InputType[] inputTypes) {
        List<String> networkInputs = conf.getNetworkInputs();
        if (inputTypes.length != networkInputs.size()) {
            throw new IllegalArgumentException("The backbone has " + networkInputs.size() + " input(s) "
                    + networkInputs + " but " + inputTypes.length + " input type(s) were given.");
        }
        ComputationGraphConfiguration probe = conf.clone(); // getLayerActivationTypes changes the configuration
        Map<String, InputType> types;
        try {
            types = probe.getLayerActivationTypes(inputTypes);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("The input type(s) " + java.util.Arrays.toString(inputTypes)
                    + " do not fit this backbone: " + e.getMessage(), e);
        }
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            Layer original = layerOf(e.getValue());
            Layer probed = layerOf(probe.getVertices().get(e.getKey()));
            if (original instanceof FeedForwardLayer o && probed instanceof FeedForwardLayer p
                    && o.getNIn() > 0 && o.getNIn() != p.getNIn()) {
                throw new IllegalArgumentException("The input type(s) " + java.util.Arrays.toString(inputTypes)
                        + " do not fit this backbone: layer '" + e.getKey() + "' takes " + o.getNIn()
                        + " inputs/channels but would receive " + p.getNIn() + ". Check the channel count"
                        + " (and, for a dense classifier, the image size).");
            }
        }
        return types;
    }

    private static String findFeatureVertex(ComputationGraphConfiguration conf, Map<String, List<String>> inputsOf,
            Map<String, InputType> types) {
        Map<String, List<String>> consumersOf = consumers(inputsOf);
        Set<String> found = new LinkedHashSet<>();
        for (String vertex : types.keySet()) {
            if (!isMap(types, vertex)) {
                continue;
            }
            List<String> consumers = consumersOf.getOrDefault(vertex, List.of());
            boolean feedsHead = conf.getNetworkOutputs().contains(vertex)
                    || consumers.stream().anyMatch(c -> !isMap(types, c));
            if (feedsHead) {
                found.add(withoutTrailingPooling(conf, inputsOf, consumersOf, types, vertex));
            }
        }
        found.removeAll(conf.getNetworkInputs()); // a raw input image is not a learned feature map
        if (found.isEmpty()) {
            throw new IllegalArgumentException("The backbone has no convolutional feature map: no vertex outputs a"
                    + " rank 4 map (InputType CNN). Wise-SrNet needs a CNN whose last convolutional layers produce a"
                    + " [channels, height, width] map.");
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException("The backbone has several feature maps that feed a classifier: "
                    + found + ". Choose one with AttachOptions.builder().featureMapVertex(name).");
        }
        return withoutConvolutionalClassifier(conf, inputsOf, types, found.iterator().next());
    }

    /**
     * Steps back over a classifier made of convolutions (DL4J's zoo SqueezeNet: {@code conv10} 1x1 with one channel
     * per class -> ReLU -> global pooling -> loss). When nothing after {@code vertex} has parameters yet something
     * follows it, the class scores are computed by the last convolution before it: that convolution, and the
     * parameterless layers around it (activations, dropout), belong to the old head.
     */
    private static String withoutConvolutionalClassifier(ComputationGraphConfiguration conf,
            Map<String, List<String>> inputsOf, Map<String, InputType> types, String vertex) {
        Set<String> kept = ancestorsOf(inputsOf, vertex);
        List<String> head = conf.getVertices().keySet().stream().filter(v -> !kept.contains(v)).toList();
        if (head.isEmpty() || head.stream().anyMatch(v -> hasParameters(layerOf(conf.getVertices().get(v))))) {
            return vertex;
        }
        String current = vertex;
        while (isParameterlessMapLayer(conf, inputsOf, types, current)) {
            current = inputsOf.get(current).get(0);
        }
        Layer classifier = layerOf(conf.getVertices().get(current));
        if (!(classifier instanceof ConvolutionLayer) || inputsOf.getOrDefault(current, List.of()).size() != 1) {
            throw new IllegalArgumentException("The backbone's classifier has no layer with weights after the"
                    + " feature map '" + vertex + "' (" + head + "), so its class scores come from the layers"
                    + " before it, and which of them form the classifier is not clear. Name the feature map with"
                    + " AttachOptions.builder().featureMapVertex(name).");
        }
        String classifierName = current;
        current = inputsOf.get(current).get(0);
        while (isParameterlessMapLayer(conf, inputsOf, types, current)) {
            current = inputsOf.get(current).get(0);
        }
        if (!isMap(types, current) || conf.getNetworkInputs().contains(current)) {
            throw new IllegalArgumentException("The backbone's class scores come from the convolution '"
                    + classifierName + "', but no feature map precedes it. Name the feature map with"
                    + " AttachOptions.builder().featureMapVertex(name).");
        }
        log.info("The backbone's classifier is the convolution '{}' (no dense layer follows the map): it is removed"
                + " with the old head, and the head is attached to '{}'", classifierName, current);
        return current;
    }

    /** A single-input layer without parameters that maps a feature map to a feature map (activation, dropout). */
    private static boolean isParameterlessMapLayer(ComputationGraphConfiguration conf,
            Map<String, List<String>> inputsOf, Map<String, InputType> types, String vertex) {
        Layer layer = layerOf(conf.getVertices().get(vertex));
        List<String> inputs = inputsOf.getOrDefault(vertex, List.of());
        return layer != null && !hasParameters(layer) && inputs.size() == 1 && isMap(types, vertex)
                && isMap(types, inputs.get(0)) && !(layer instanceof SubsamplingLayer);
    }

    private static boolean hasParameters(Layer layer) {
        return layer != null && layer.initializer().numParams(layer) > 0;
    }

    /**
     * Steps back over spatial pooling layers that only feed the classifier (e.g. a final pooling before a dense
     * layer): they are part of the head that is replaced.
     */
    private static String withoutTrailingPooling(ComputationGraphConfiguration conf, Map<String, List<String>> inputsOf,
            Map<String, List<String>> consumersOf, Map<String, InputType> types, String vertex) {
        String current = vertex;
        while (isSpatialPooling(layerOf(conf.getVertices().get(current)))) {
            List<String> inputs = inputsOf.getOrDefault(current, List.of());
            boolean onlyFeedsHead = consumersOf.getOrDefault(current, List.of()).stream()
                    .noneMatch(c -> isMap(types, c));
            if (inputs.size() != 1 || !isMap(types, inputs.get(0)) || !onlyFeedsHead) {
                break;
            }
            current = inputs.get(0);
        }
        return current;
    }

    /** Pooling that keeps a map: a pooling layer, or global pooling that does not collapse the spatial axes. */
    private static boolean isSpatialPooling(Layer layer) {
        return layer instanceof SubsamplingLayer
                || layer instanceof GlobalPoolingLayer global && !global.isCollapseDimensions();
    }

    private static Set<String> ancestors(ComputationGraphConfiguration conf, Map<String, List<String>> inputsOf,
            String vertex) {
        Set<String> seen = ancestorsOf(inputsOf, vertex);
        for (String input : conf.getNetworkInputs()) {
            if (!seen.contains(input)) {
                throw new IllegalArgumentException("Network input '" + input + "' does not feed the feature map '"
                        + vertex + "'; a backbone for Wise-SrNet must compute the map from all its inputs.");
            }
        }
        return seen;
    }

    private static Set<String> ancestorsOf(Map<String, List<String>> inputsOf, String vertex) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(vertex));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (seen.add(v)) {
                todo.addAll(inputsOf.getOrDefault(v, List.of()));
            }
        }
        return seen;
    }

    private static Map<String, List<String>> consumers(Map<String, List<String>> inputsOf) {
        Map<String, List<String>> consumers = new LinkedHashMap<>();
        inputsOf.forEach((vertex, inputs) -> inputs.forEach(
                in -> consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(vertex)));
        return consumers;
    }

    private static boolean isMap(Map<String, InputType> types, String vertex) {
        return types.get(vertex) instanceof InputType.InputTypeConvolutional;
    }

    /** The layer configuration of a vertex, seen through frozen wrappers; null for non-layer vertices. */
    public static Layer layerOf(GraphVertex vertex) {
        Layer layer = vertex instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
        if (layer instanceof FrozenLayer frozen) {
            return frozen.getLayer();
        }
        if (layer instanceof FrozenLayerWithBackprop frozen) {
            return frozen.getUnderlying();
        }
        return layer;
    }
}
