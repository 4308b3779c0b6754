package io.github.wisesrnet.backbones.keras;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Keras 2 HDF5 weights, such as the Keras applications' ImageNet files
 * ({@code resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5} and the InceptionV3, DenseNet121/169 and Xception
 * equivalents, with or without top), loaded into a DL4J graph whose layers carry Keras's names: the
 * {@link io.github.wisesrnet.backbones.Backbone}s do.
 *
 * <pre>{@code
 * ComputationGraph features = Backbone.RESNET50.featureExtractor(224, 224, 3);
 * KerasWeights.read(Path.of("resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5")).loadInto(features);
 * ComputationGraph model = WiseSrNet.attach(features, 6);     // the head starts from its own initialization
 * }</pre>
 *
 * <p>Layers are matched by name. Every matched tensor is converted to DL4J's layout ({@link KerasWeightLayout}) and
 * its shape checked before anything is written, so that a failed load leaves the network as it was. The rules:
 * <ul>
 *   <li>A network layer with parameters that is missing from the file is an error when a loaded layer depends on
 *       it (a hole in the backbone); after the loaded part (a head, a new classifier) it keeps its initialization.</li>
 *   <li>The network's output layer keeps its initialization when its shape differs from the file's (1000 ImageNet
 *       classes against yours).</li>
 *   <li>A file layer missing from the network is skipped when it is a dense classifier (the {@code predictions} of a
 *       file with top loaded into a feature extractor); any other is an error: the file is for another
 *       architecture.</li>
 *   <li>Files with older Keras names are read with the names the backbones use ({@link KerasLayerNames}): automatic
 *       names numbered from 1 (Keras 2.0 to 2.2) and the ResNet50 names of Keras 2.2's {@code resnet50.py}
 *       ({@code res2a_branch2a}).</li>
 * </ul>
 * Reading needs DL4J's Keras model import ({@code org.deeplearning4j:deeplearning4j-modelimport}) on the classpath.
 */
public final class KerasWeights {

    private static final Logger log = LoggerFactory.getLogger(KerasWeights.class);

    private final Path file;
    private final Map<String, Map<String, INDArray>> layers;

    private KerasWeights(Path file, Map<String, Map<String, INDArray>> layers) {
        this.file = file;
        this.layers = layers;
    }

    /**
     * Reads every weight of a Keras 2 HDF5 file ({@code save_weights} or whole-model {@code save}).
     *
     * @throws IOException              if the file is missing or cannot be opened
     * @throws IllegalArgumentException if it is a directory, not an HDF5 file, a damaged or incomplete HDF5 file, or
     *                                  holds no Keras 2 weights
     * @throws IllegalStateException    if DL4J's Keras model import is not on the classpath
     */
    public static KerasWeights read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try {
            return new KerasWeights(file, KerasWeightsFile.read(file));
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("Reading Keras weights needs DL4J's Keras model import on the classpath:"
                    + " add the dependency org.deeplearning4j:deeplearning4j-modelimport (the DL4J version you use)"
                    + " to your project.", e);
        }
    }

    /** The file's layers with weights, in file order. */
    public List<String> layerNames() {
        return List.copyOf(layers.keySet());
    }

    /**
     * The file's weights of one layer, by Keras weight name without {@code ":0"}, in Keras's layout.
     *
     * @throws IllegalArgumentException if the file has no such layer
     */
    public Map<String, INDArray> layer(String name) {
        Map<String, INDArray> weights = layers.get(name);
        if (weights == null) {
            throw new IllegalArgumentException("No layer '" + name + "' in " + file);
        }
        return Collections.unmodifiableMap(weights);
    }

    /** Number of weight values in the file. */
    public long parameterCount() {
        return layers.values().stream().flatMap(m -> m.values().stream()).mapToLong(INDArray::length).sum();
    }

    /**
     * Copies the file's weights into the layers of {@code net} with the same names (rules in the class comment).
     * All-or-nothing: on an error nothing is written.
     *
     * @return what was loaded, what kept its initialization and what in the file was skipped
     * @throws IllegalArgumentException when the file does not fit the network: a message naming how many layers
     *                                  matched, the first layers that do not, and each shape that differs (layer,
     *                                  parameter, expected, found)
     */
    public Report loadInto(ComputationGraph net) {
        Objects.requireNonNull(net, "net");
        Map<String, org.deeplearning4j.nn.api.Layer> netLayers = layersWithParameters(net);
        KerasLayerNames.Renaming renaming = KerasLayerNames.renaming(layers.keySet(), netLayers.keySet());
        String renumbered = renaming.description();
        Map<String, Map<String, INDArray>> fileLayers = renamed(layers, renaming.fileToNetwork());
        Set<String> outputs = new HashSet<>(net.getConfiguration().getNetworkOutputs());

        Map<String, Map<String, INDArray>> toWrite = new LinkedHashMap<>();
        List<String> keptInitialized = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, org.deeplearning4j.nn.api.Layer> e : netLayers.entrySet()) {
            String name = e.getKey();
            Map<String, INDArray> keras = fileLayers.get(name);
            if (keras == null) {
                continue;
            }
            org.deeplearning4j.nn.api.Layer layer = e.getValue();
            Map<String, INDArray> converted;
            try {
                converted = KerasWeightLayout.toDl4j(name, layer.conf().getLayer(), layer.paramTable().keySet(),
                        keras);
            } catch (IllegalArgumentException ex) {
                problems.add(ex.getMessage());
                continue;
            }
            List<Mismatch> mismatches = shapeMismatches(layer, converted);
            if (mismatches.isEmpty()) {
                toWrite.put(name, converted);
            } else if (outputs.contains(name)) {
                keptInitialized.add(name + " (output layer; " + mismatches.stream().map(Mismatch::brief)
                        .collect(Collectors.joining(", ")) + ")");
            } else {
                mismatches.forEach(m -> problems.add("Layer '" + name + "', " + m.brief()));
            }
        }

        List<String> missing = netLayers.keySet().stream().filter(n -> !fileLayers.containsKey(n)).toList();
        List<String> holes = new ArrayList<>();
        Map<String, List<String>> consumers = consumers(net.getConfiguration());
        for (String name : missing) {
            if (reachesAny(name, consumers, fileLayers.keySet())) {
                holes.add(name);
            } else {
                keptInitialized.add(name + " (not in the file; after the loaded layers)");
            }
        }
        List<String> skipped = new ArrayList<>();
        List<String> foreign = new ArrayList<>();
        for (Map.Entry<String, Map<String, INDArray>> e : fileLayers.entrySet()) {
            if (!netLayers.containsKey(e.getKey())) {
                (isDenseClassifier(e.getValue()) ? skipped : foreign).add(e.getKey());
            }
        }

        int matched = netLayers.size() - missing.size();
        if (matched == 0 || !holes.isEmpty() || !foreign.isEmpty() || !problems.isEmpty()) {
            throw new IllegalArgumentException(failure(netLayers.size(), fileLayers.size(), matched, holes, foreign,
                    problems, renumbered));
        }

        for (Map.Entry<String, Map<String, INDArray>> e : toWrite.entrySet()) {
            org.deeplearning4j.nn.api.Layer layer = netLayers.get(e.getKey());
            for (Map.Entry<String, INDArray> p : e.getValue().entrySet()) {
                layer.getParam(p.getKey()).assign(p.getValue());
            }
        }
        Report report = new Report(file, List.copyOf(toWrite.keySet()), keptInitialized, skipped, renumbered);
        log.debug("{}", report);
        return report;
    }

    private String failure(int netCount, int fileCount, int matched, List<String> holes, List<String> foreign,
            List<String> problems, String renumbered) {
        StringBuilder sb = new StringBuilder("The Keras weights in ").append(file).append(" do not fit this network")
                .append(" (nothing was loaded): ").append(matched).append(" of the network's ").append(netCount)
                .append(" layers with parameters are in the file, which has ").append(fileCount)
                .append(" layers with weights.");
        if (matched == 0) {
            sb.append(" No layer names match: the file is for another architecture, or the network's layers do not"
                    + " carry Keras's names.");
        }
        if (!holes.isEmpty()) {
            sb.append("\n  Network layers not in the file, with loaded layers after them (").append(holes.size())
                    .append("): ").append(firstFew(holes));
        }
        if (!foreign.isEmpty()) {
            sb.append("\n  File layers not in the network (").append(foreign.size()).append("): ")
                    .append(firstFew(foreign));
        }
        for (String p : problems.subList(0, Math.min(problems.size(), 8))) {
            sb.append("\n  ").append(p);
        }
        if (problems.size() > 8) {
            sb.append("\n  ... and ").append(problems.size() - 8).append(" more");
        }
        if (renumbered != null) {
            sb.append("\n  (").append(renumbered).append(")");
        }
        return sb.toString();
    }

    private static String firstFew(List<String> names) {
        return names.stream().limit(6).collect(Collectors.joining(", ")) + (names.size() > 6 ? ", ..." : "");
    }

    /** A parameter whose shape in the file (after conversion) differs from the layer's. */
    private record Mismatch(String parameter, long[] expected, long[] found) {
        String brief() {
            return "parameter " + parameter + ": expected shape " + Arrays.toString(expected) + ", the file's gives "
                    + Arrays.toString(found);
        }
    }

    private static List<Mismatch> shapeMismatches(org.deeplearning4j.nn.api.Layer layer,
            Map<String, INDArray> converted) {
        List<Mismatch> out = new ArrayList<>();
        for (Map.Entry<String, INDArray> p : converted.entrySet()) {
            INDArray target = layer.getParam(p.getKey());
            long[] expected = target == null ? new long[0] : target.shape();
            if (!Arrays.equals(expected, p.getValue().shape())) {
                out.add(new Mismatch(p.getKey(), expected, p.getValue().shape()));
            }
        }
        return out;
    }

    private static Map<String, org.deeplearning4j.nn.api.Layer> layersWithParameters(ComputationGraph net) {
        Map<String, org.deeplearning4j.nn.api.Layer> out = new LinkedHashMap<>();
        for (GraphVertex v : net.getVertices()) {
            if (v.hasLayer() && v.getLayer().numParams() > 0) {
                out.put(v.getVertexName(), v.getLayer());
            }
        }
        return out;
    }

    /** For each vertex, the vertices that take it as input. */
    private static Map<String, List<String>> consumers(ComputationGraphConfiguration conf) {
        Map<String, List<String>> out = new HashMap<>();
        conf.getVertexInputs().forEach((vertex, inputs) -> inputs.forEach(
                in -> out.computeIfAbsent(in, k -> new ArrayList<>()).add(vertex)));
        return out;
    }

    private static boolean reachesAny(String start, Map<String, List<String>> consumers, Set<String> targets) {
        Deque<String> todo = new ArrayDeque<>(consumers.getOrDefault(start, List.of()));
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (!seen.add(v)) {
                continue;
            }
            if (targets.contains(v)) {
                return true;
            }
            todo.addAll(consumers.getOrDefault(v, List.of()));
        }
        return false;
    }

    /** A Keras {@code Dense} layer's weights: a 2-D kernel and at most a bias. */
    private static boolean isDenseClassifier(Map<String, INDArray> weights) {
        INDArray kernel = weights.get("kernel");
        return kernel != null && kernel.rank() == 2 && weights.keySet().stream()
                .allMatch(w -> w.equals("kernel") || w.equals("bias"));
    }

    private static Map<String, Map<String, INDArray>> renamed(Map<String, Map<String, INDArray>> in,
            Map<String, String> shift) {
        Map<String, Map<String, INDArray>> out = new LinkedHashMap<>();
        in.forEach((name, weights) -> out.put(shift.getOrDefault(name, name), weights));
        return out;
    }

    /**
     * What {@link #loadInto} did.
     *
     * @param file            the weights file
     * @param loaded          network layers that took the file's weights
     * @param keptInitialized network layers with parameters that kept their initialization, each with the reason
     * @param skipped         file layers not used (a dense classifier the network does not have)
     * @param renumbering     how the file's layer names were read as the network's, or null
     */
    public record Report(Path file, List<String> loaded, List<String> keptInitialized, List<String> skipped,
            String renumbering) {

        /** Copies the lists, which must not be null. */
        public Report {
            loaded = List.copyOf(loaded);
            keptInitialized = List.copyOf(keptInitialized);
            skipped = List.copyOf(skipped);
        }

        /** One paragraph for logs. */
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("Keras weights from ").append(file.getFileName()).append(": ")
                    .append(loaded.size()).append(" layers loaded");
            if (!keptInitialized.isEmpty()) {
                sb.append("; kept their initialization: ").append(String.join(", ", keptInitialized));
            }
            if (!skipped.isEmpty()) {
                sb.append("; skipped from the file: ").append(String.join(", ", skipped));
            }
            if (renumbering != null) {
                sb.append("; ").append(renumbering);
            }
            return sb.toString();
        }
    }
}
