package io.github.wisesrnet.backbones.keras;

import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the tensors of a Keras 2 HDF5 weights file with DL4J's {@link Hdf5Archive} (Keras model import, on JavaCPP's
 * HDF5): {@code model.save_weights(...)} files such as the Keras applications' ImageNet weights, and whole-model
 * {@code model.save(...)} files, whose weights sit in the group {@code model_weights}.
 *
 * <p>Layout: one group per layer (a layer name with '/' makes nested groups, as h5py does), and inside it one data set
 * per weight at the path of the weight's name, e.g. {@code conv1_conv/conv1_conv/kernel:0} or
 * {@code conv1/conv/conv1/conv/kernel:0} for DenseNet's {@code conv1/conv}. The layer of a data set is the first half
 * of its path when the path repeats it (Keras names weights {@code <layer>/<weight>:0}), else its top-level group.
 * Layers without weights have empty groups and are ignored.
 *
 * <p>Only this class touches the model-import module (an optional dependency), so that its absence surfaces in one
 * place, {@link KerasWeights#read}, as a clear message.
 */
final class KerasWeightsFile {

    /** The 8 bytes every HDF5 file without a user block starts with (Keras writes none). */
    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    /** Where {@code model.save} puts the weights; {@code save_weights} puts them at the root. */
    private static final String MODEL_WEIGHTS_GROUP = "model_weights";

    private KerasWeightsFile() {
    }

    /**
     * Every weight tensor of the file, by layer name and then by weight name without Keras's {@code ":0"} suffix
     * ({@code kernel}, {@code bias}, {@code gamma}, {@code moving_mean}, {@code depthwise_kernel}, ...), with the
     * shapes Keras stores (e.g. convolution kernels {@code [kH, kW, in, out]}). Layers in file order.
     *
     * @throws IOException              if the file cannot be read
     * @throws IllegalArgumentException if it is not an HDF5 file or holds no Keras 2 weights
     */
    static Map<String, Map<String, INDArray>> read(Path file) throws IOException {
        checkSignature(file);
        Map<String, Map<String, INDArray>> layers = new LinkedHashMap<>();
        try (Hdf5Archive archive = open(file)) {
            List<String> rootGroups = archive.getGroups();
            List<String> root = rootGroups.contains(MODEL_WEIGHTS_GROUP) ? List.of(MODEL_WEIGHTS_GROUP) : List.of();
            List<String> layerGroups = root.isEmpty() ? rootGroups : archive.getGroups(MODEL_WEIGHTS_GROUP);
            if (layerGroups.contains("layers") && layerGroups.contains("vars")) {
                throw new IllegalArgumentException(file + " is in Keras 3's weights format ('.weights.h5': layers/"
                        + "<name>/vars/0, ...); this loader reads Keras 2's HDF5 layout, which the Keras applications'"
                        + " published ImageNet weight files use.");
            }
            for (String group : layerGroups) {
                List<String> path = new ArrayList<>(root);
                path.add(group);
                collect(archive, path, root.size(), layers);
            }
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new IllegalArgumentException("Cannot read the HDF5 file " + file + " (" + Files.size(file)
                    + " bytes): " + e.getMessage() + ". The file is damaged or incomplete, e.g. an interrupted"
                    + " download:"
                    + " download it again (Keras's ImageNet files are 30-100 MB).", e);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(file + " is an HDF5 file but holds no Keras weights (no layer group"
                    + " with data sets, at its root or under '" + MODEL_WEIGHTS_GROUP + "').");
        }
        return layers;
    }

    private static Hdf5Archive open(Path file) {
        return new Hdf5Archive(file.toString());
    }

    /** Adds every data set under {@code path} (depth first), keyed by its layer and weight name. */
    private static void collect(Hdf5Archive archive, List<String> path, int rootDepth,
            Map<String, Map<String, INDArray>> layers) {
        String[] groups = path.toArray(String[]::new);
        for (String dataSet : archive.getDataSets(groups)) {
            List<String> full = new ArrayList<>(path.subList(rootDepth, path.size()));
            full.add(dataSet);
            String layer = layerOf(full);
            String weight = weightName(dataSet);
            INDArray value;
            try {
                value = archive.readDataSet(dataSet, groups);
            } catch (Exception e) {
                throw new IllegalArgumentException("Cannot read the weight " + String.join("/", full) + ": "
                        + e.getMessage(), e);
            }
            Map<String, INDArray> weights = layers.computeIfAbsent(layer, k -> new LinkedHashMap<>());
            if (weights.put(weight, value) != null) {
                throw new IllegalArgumentException("The layer '" + layer + "' has two weights named '" + weight
                        + "'; the file's layout is not Keras 2's.");
            }
        }
        for (String child : archive.getGroups(groups)) {
            List<String> deeper = new ArrayList<>(path);
            deeper.add(child);
            collect(archive, deeper, rootDepth, layers);
        }
    }

    /**
     * The layer a data set belongs to, from its path below the weights root: {@code a/b/a/b/kernel:0} belongs to
     * {@code a/b}; a path that does not repeat its start belongs to its top-level group.
     */
    static String layerOf(List<String> path) {
        int groups = path.size() - 1;
        if (groups >= 2 && groups % 2 == 0) {
            List<String> first = path.subList(0, groups / 2);
            if (first.equals(path.subList(groups / 2, groups))) {
                return String.join("/", first);
            }
        }
        return path.get(0);
    }

    /** {@code kernel:0} -> {@code kernel}. */
    static String weightName(String dataSet) {
        int colon = dataSet.lastIndexOf(':');
        return colon > 0 && dataSet.substring(colon + 1).chars().allMatch(Character::isDigit)
                ? dataSet.substring(0, colon) : dataSet;
    }

    private static void checkSignature(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + " is a directory, not a Keras weights file.");
        }
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "no Keras weights file there");
        }
        byte[] start = new byte[HDF5_SIGNATURE.length];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(start, 0, start.length);
        }
        if (n < start.length || !Arrays.equals(start, HDF5_SIGNATURE)) {
            String hint = n >= 2 && start[0] == 'P' && start[1] == 'K'
                    ? " It is a zip archive (a DL4J model or a Keras 3 '.keras' file?)." : "";
            throw new IllegalArgumentException(file + " is not an HDF5 file (it does not start with the HDF5"
                    + " signature); Keras weights files are HDF5 ('.h5')." + hint);
        }
    }
}
