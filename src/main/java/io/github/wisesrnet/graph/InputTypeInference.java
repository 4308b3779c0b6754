package io.github.wisesrnet.graph;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Recovers the input type of a built graph that records none, from what its configuration does hold: the map sizes
 * that DL4J's preprocessors keep.
 * <ul>
 *   <li>A layer reading the input through a {@code FeedForwardToCnnPreProcessor} (flattened images) names the
 *   image size directly.</li>
 *   <li>A {@code CnnToFeedForwardPreProcessor} (a map flattened into a dense layer, as in DL4J's zoo ResNet50) fixes
 *   the size of one map. The input sizes that give that map are searched for (map sizes grow monotonically with the
 *   input); the answer is used only if every such input size gives the same feature map.</li>
 * </ul>
 * Graphs whose classifier starts with global pooling keep no size anywhere: for those nothing can be inferred.
 */
final class InputTypeInference {

    /** Largest input side searched. */
    private static final int MAX_SIDE = 1 << 15;

    private final ComputationGraphConfiguration conf;
    private final long channels;
    private final CNN2DFormat format;
    private final String recordVertex;
    private final CnnToFeedForwardPreProcessor record;

    private InputTypeInference(ComputationGraphConfiguration conf, long channels, String recordVertex,
            CnnToFeedForwardPreProcessor record) {
        this.conf = conf;
        this.channels = channels;
        this.format = record.getFormat() == null ? CNN2DFormat.NCHW : record.getFormat();
        this.recordVertex = recordVertex;
        this.record = record;
    }

    /**
     * The graph's input types inferred from its preprocessors, or null if it holds nothing to infer them from.
     *
     * @param featureMapOf the feature map (vertex and type, in any comparable form) for given input types
     * @throws IllegalArgumentException if several input sizes fit what the graph records but give different
     *                                  feature maps
     */
    static InputType[] fromPreProcessors(ComputationGraphConfiguration conf,
            Function<InputType[], Object> featureMapOf) {
        if (conf.getNetworkInputs().size() != 1) {
            return null;
        }
        String input = conf.getNetworkInputs().get(0);
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            if (e.getValue().contains(input) && preProcessorOf(conf.getVertices().get(e.getKey()))
                    instanceof FeedForwardToCnnPreProcessor flat && flat.getInputHeight() > 0) {
                return new InputType[]{InputType.convolutionalFlat(flat.getInputHeight(), flat.getInputWidth(),
                        flat.getNumChannels())};
            }
        }
        long channels = inputChannels(conf, input);
        if (channels <= 0) {
            return null;
        }
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (preProcessorOf(e.getValue()) instanceof CnnToFeedForwardPreProcessor map
                    && map.getInputHeight() > 0 && map.getInputWidth() > 0
                    && conf.getVertexInputs().getOrDefault(e.getKey(), List.of()).size() == 1) {
                InputType[] found = new InputTypeInference(conf, channels, e.getKey(), map).search(featureMapOf);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private InputType[] search(Function<InputType[], Object> featureMapOf) {
        int square = 1;
        while (square <= MAX_SIDE && recordedSide(square, square, true) < 0) {
            square *= 2;
        }
        if (square > MAX_SIDE) {
            return null;
        }
        int valid = square;
        long wantHeight = record.getInputHeight();
        long wantWidth = record.getInputWidth();
        int lowHeight = smallestReaching(wantHeight, side -> recordedSide(side, validSideFor(side, valid), true));
        int lowWidth = smallestReaching(wantWidth, side -> recordedSide(validSideFor(side, valid), side, false));
        if (lowHeight < 0 || lowWidth < 0) {
            return null;
        }
        InputType.InputTypeConvolutional lowMap = recordedMap(lowHeight, lowWidth);
        if (lowMap == null || lowMap.getHeight() != wantHeight || lowMap.getWidth() != wantWidth
                || lowMap.getChannels() != record.getNumChannels()) {
            return null;
        }
        int highHeight = smallestReaching(wantHeight + 1,
                side -> recordedSide(side, validSideFor(side, valid), true)) - 1;
        int highWidth = smallestReaching(wantWidth + 1,
                side -> recordedSide(validSideFor(side, valid), side, false)) - 1;
        if (highHeight < lowHeight) {
            highHeight = MAX_SIDE;
        }
        if (highWidth < lowWidth) {
            highWidth = MAX_SIDE;
        }
        InputType[] low = {type(lowHeight, lowWidth)};
        InputType[] high = {type(highHeight, highWidth)};
        Object lowFeatureMap = featureMapOf.apply(low);
        Object highFeatureMap = featureMapOf.apply(high);
        if (!lowFeatureMap.equals(highFeatureMap)) {
            throw new IllegalArgumentException("Cannot tell the size of this backbone's feature map: the graph"
                    + " records the map entering '" + recordVertex + "' (" + wantHeight + "x" + wantWidth + "), and"
                    + " every input from " + lowHeight + "x" + lowWidth + " to " + highHeight + "x" + highWidth
                    + " gives that map, but with different feature maps (" + lowFeatureMap + " to " + highFeatureMap + "). Pass"
                    + " the input type, e.g. WiseSrNet.attach(backbone, numClasses, InputType.convolutional(224, 224,"
                    + " 3)), or attach to the graph's builder, which keeps its input types: WiseSrNet.attach("
                    + "graphBuilder, numClasses) (DL4J's zoo ResNet50: model.graphBuilder()).");
        }
        return low;
    }

    /** A square side is valid; keep the other side at least that valid size so only the searched side matters. */
    private static int validSideFor(int side, int valid) {
        return Math.max(side, valid);
    }

    /** The smallest side in [1, MAX_SIDE] at which {@code sideAt} reaches {@code want}, or -1 if none does. */
    private static int smallestReaching(long want, java.util.function.IntToLongFunction sideAt) {
        int high = 1;
        while (high <= MAX_SIDE && sideAt.applyAsLong(high) < want) {
            high *= 2;
        }
        if (high > MAX_SIDE) {
            return sideAt.applyAsLong(MAX_SIDE) >= want ? MAX_SIDE : -1;
        }
        int low = high / 2; // sideAt(low) < want, or low == 0
        while (high - low > 1) {
            int mid = (low + high) >>> 1;
            if (sideAt.applyAsLong(mid) >= want) {
                high = mid;
            } else {
                low = mid;
            }
        }
        return high;
    }

    /** Height (or width) of the map entering the recorded vertex for an input of this size; -1 if it does not fit. */
    private long recordedSide(int height, int width, boolean wantHeight) {
        InputType.InputTypeConvolutional map = recordedMap(height, width);
        return map == null ? -1 : wantHeight ? map.getHeight() : map.getWidth();
    }

    private InputType.InputTypeConvolutional recordedMap(int height, int width) {
        Map<String, InputType> types;
        try {
            types = conf.clone().getLayerActivationTypes(type(height, width));
        } catch (RuntimeException e) {
            return null; // too small for this network
        }
        String source = conf.getVertexInputs().get(recordVertex).get(0);
        return types.get(source) instanceof InputType.InputTypeConvolutional map ? map : null;
    }

    private InputType type(int height, int width) {
        return InputType.convolutional(height, width, channels, format);
    }

    /** Channels of the input: nIn of the first layer with parameters reached from it through single-input layers. */
    private static long inputChannels(ComputationGraphConfiguration conf, String input) {
        Deque<String> todo = new ArrayDeque<>(List.of(input));
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String vertex = todo.poll();
            if (!seen.add(vertex)) {
                continue;
            }
            for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
                if (!e.getValue().contains(vertex)) {
                    continue;
                }
                Layer layer = FeatureMap.layerOf(conf.getVertices().get(e.getKey()));
                if (layer instanceof FeedForwardLayer ff && ff.getNIn() > 0) {
                    return ff.getNIn();
                }
                if (layer != null && e.getValue().size() == 1) {
                    todo.add(e.getKey()); // padding, pooling, activation: channels pass through
                }
            }
        }
        return -1;
    }

    private static InputPreProcessor preProcessorOf(GraphVertex vertex) {
        return vertex instanceof LayerVertex layer ? layer.getPreProcessor() : null;
    }
}
