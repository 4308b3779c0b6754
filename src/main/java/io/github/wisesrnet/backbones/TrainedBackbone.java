package io.github.wisesrnet.backbones;

import io.github.wisesrnet.graph.FeatureMap;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The backbone of a network trained with this library (a {@code best.zip}/{@code last.zip} checkpoint of
 * {@code train} or {@code compare}, or any DL4J {@code ComputationGraph} whose layers carry the backbone's names),
 * taken into a feature extractor built for another input size: the start of fine-tuning.
 *
 * <pre>{@code
 * TrainedBackbone trained = TrainedBackbone.read(Path.of("models/intel/gap/best.zip"));
 * ComputationGraph features = Backbone.SMALL_CNN.featureExtractor(96, 96, 3, 1);
 * trained.copyInto(features);                          // every backbone layer, batch-norm statistics included
 * ComputationGraph model = WiseSrNet.attach(features, 101);      // the old head is left behind
 * }</pre>
 *
 * <p>Layers are matched by vertex name. Every layer of the feature extractor that has parameters must be in the
 * trained network as the same kind of layer (class) with parameters of the same shapes (other settings, such as
 * strides, are not compared: a network of the same backbone has the same); all are checked before anything is
 * copied, so a refused copy leaves the feature extractor as it was. A convolutional backbone has no parameter whose
 * shape depends on the input size, so it carries to any size; the data layout (NCHW or NHWC) may differ too, as
 * DL4J stores convolution weights in one layout for both. Layers of the trained network that the feature extractor
 * does not have (its head) are left behind and listed in the {@link Report}.
 */
public final class TrainedBackbone {

    private final ComputationGraph trained;
    private final String source;

    private TrainedBackbone(ComputationGraph trained, String source) {
        this.trained = trained;
        this.source = source;
    }

    /** The backbone layers of a network in memory; {@code trained} is only read. */
    public static TrainedBackbone of(ComputationGraph trained) {
        Objects.requireNonNull(trained, "trained");
        if (trained.getLayers() == null) {
            throw new IllegalArgumentException("The trained network is not initialized: call init() first.");
        }
        return new TrainedBackbone(trained, "the trained network");
    }

    /**
     * Reads a saved DL4J {@code ComputationGraph} (a zip written by {@code ModelSerializer}, such as this library's
     * checkpoints), without its updater state.
     *
     * @throws NoSuchFileException      if there is no file at {@code zip}
     * @throws IllegalArgumentException if the file is not a saved DL4J ComputationGraph
     */
    public static TrainedBackbone read(Path zip) throws IOException {
        if (!Files.isRegularFile(zip)) {
            throw new NoSuchFileException(zip.toString(), null, "no model file there: expected a DL4J model zip"
                    + " such as the best.zip or last.zip that 'train' and 'compare' write");
        }
        ComputationGraph net;
        try {
            net = ModelSerializer.restoreComputationGraph(zip.toFile(), false);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(zip + " is not a saved DL4J ComputationGraph (" + e.getClass()
                    .getSimpleName() + (e.getMessage() == null ? "" : ": " + firstLine(e.getMessage())) + "). Expected"
                    + " a model zip such as the best.zip or last.zip that 'train' and 'compare' write.", e);
        }
        return new TrainedBackbone(net, zip.getFileName().toString());
    }

    /** The trained network as read (all of it, head included). */
    public ComputationGraph network() {
        return trained;
    }

    /**
     * Copies the trained parameters (batch-norm running statistics included) into every layer of
     * {@code featureExtractor} that has parameters.
     *
     * @param featureExtractor a backbone's feature extractor, e.g. from {@link Backbone#featureExtractor}, at any input
     *                         size
     * @return what was copied and what was left behind
     * @throws IllegalArgumentException if a layer is missing from the trained network or differs in kind or
     *                                  parameter shapes (the message names each); nothing is copied then
     */
    public Report copyInto(ComputationGraph featureExtractor) {
        Map<String, Map<String, INDArray>> targets = parameterLayers(featureExtractor);
        Map<String, Map<String, INDArray>> sources = parameterLayers(trained);
        List<String> missing = new ArrayList<>();
        List<String> different = new ArrayList<>();
        long parameters = 0;
        for (Map.Entry<String, Map<String, INDArray>> target : targets.entrySet()) {
            String name = target.getKey();
            Map<String, INDArray> from = sources.get(name);
            if (from == null) {
                missing.add(name);
                continue;
            }
            Layer mine = layerConf(featureExtractor, name);
            Layer theirs = layerConf(trained, name);
            if (mine.getClass() != theirs.getClass()) {
                different.add(name + " is a " + theirs.getClass().getSimpleName() + " there, a "
                        + mine.getClass().getSimpleName() + " here");
                continue;
            }
            for (Map.Entry<String, INDArray> p : target.getValue().entrySet()) {
                INDArray value = from.get(p.getKey());
                if (value == null || !Arrays.equals(value.shape(), p.getValue().shape())) {
                    different.add(name + "/" + p.getKey() + " " + (value == null ? "absent"
                            : Arrays.toString(value.shape())) + " there, " + Arrays.toString(p.getValue().shape())
                            + " here");
                } else {
                    parameters += value.length();
                }
            }
        }
        if (!missing.isEmpty() || !different.isEmpty()) {
            throw refusal(targets.size(), missing, different, sources.keySet());
        }
        for (Map.Entry<String, Map<String, INDArray>> target : targets.entrySet()) {
            Map<String, INDArray> from = sources.get(target.getKey());
            target.getValue().forEach((key, value) -> value.assign(from.get(key)));
        }
        List<String> leftBehind = new ArrayList<>(sources.keySet());
        leftBehind.removeAll(targets.keySet());
        return new Report(source, targets.size(), parameters, leftBehind);
    }

    private IllegalArgumentException refusal(int layers, List<String> missing, List<String> different,
            java.util.Set<String> theirs) {
        StringBuilder s = new StringBuilder("The backbone of ").append(source).append(" does not fit this backbone: ");
        if (missing.size() == layers) {
            s.append("none of its ").append(layers).append(" layers with parameters is there (it has ")
                    .append(shortList(new ArrayList<>(theirs))).append("). Is it a network of another backbone?"
                            + " Choose the backbone it was trained with.");
            return new IllegalArgumentException(s.toString());
        }
        if (!missing.isEmpty()) {
            s.append(missing.size()).append(" of ").append(layers).append(" layers missing (")
                    .append(shortList(missing)).append(")");
        }
        if (!different.isEmpty()) {
            s.append(missing.isEmpty() ? "" : "; ").append(different.size()).append(" differ (")
                    .append(shortList(different)).append(")");
        }
        s.append(". A convolutional backbone carries to any input size; parameters whose shapes differ belong to"
                + " another architecture or width. Choose the backbone the network was trained with.");
        return new IllegalArgumentException(s.toString());
    }

    /** Every layer vertex with parameters, by name, with its parameters (frozen wrappers seen through). */
    private static Map<String, Map<String, INDArray>> parameterLayers(ComputationGraph net) {
        Map<String, Map<String, INDArray>> out = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : net.getConfiguration().getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex) {
                org.deeplearning4j.nn.api.Layer layer = net.getLayer(e.getKey());
                if (layer != null && layer.numParams() > 0) {
                    out.put(e.getKey(), layer.paramTable());
                }
            }
        }
        return out;
    }

    private static Layer layerConf(ComputationGraph net, String vertex) {
        return FeatureMap.layerOf(net.getConfiguration().getVertices().get(vertex));
    }

    private static String shortList(List<String> items) {
        int shown = Math.min(items.size(), 5);
        return String.join(", ", items.subList(0, shown)) + (items.size() > shown ? ", ..." : "");
    }

    private static String firstLine(String message) {
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }

    /**
     * What {@link #copyInto} did.
     *
     * @param source     where the parameters came from (a file name, or "the trained network")
     * @param layers     layers copied
     * @param parameters parameters copied, batch-norm running statistics included
     * @param leftBehind layers of the trained network with parameters that the feature extractor does not have
     *                   (its head), by vertex name
     */
    public record Report(String source, int layers, long parameters, List<String> leftBehind) {

        /** Copies the list, which must not be null. */
        public Report {
            leftBehind = List.copyOf(leftBehind);
        }

        /** One line for logs. */
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "backbone from %s: %d layers, %,d parameters (batch-norm"
                    + " statistics included)%s", source, layers, parameters, leftBehind.isEmpty() ? ""
                    : "; left behind: " + String.join(", ", leftBehind));
        }
    }
}
