package io.github.wisesrnet.backbones.keras;

import io.github.wisesrnet.backbones.Backbone;
import io.github.wisesrnet.backbones.KerasExport;
import io.github.wisesrnet.backbones.KerasH5Writer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loading Keras-format weight files into the Keras-faithful backbones: every parameter lands in its place (the
 * loaded network equals the one the file was written from, parameter by parameter and in its output), with or
 * without top, Keras 2.0's 1-based automatic names, whole-model files, and clear errors that leave the network as it
 * was.
 */
class KerasWeightsTest {

    @TempDir
    Path dir;

    /** The five ImageNet backbones: a file written from one seed, loaded into a network built from another. */
    @ParameterizedTest
    @EnumSource(value = Backbone.class, names = {"RESNET50", "INCEPTION_V3", "DENSENET121", "DENSENET169",
            "XCEPTION"})
    void everyParameterLandsInItsPlace(Backbone backbone) throws IOException {
        int size = backbone.minimumInputSize();
        ComputationGraph source = backbone.featureExtractor(size, size, 3, 7);
        KerasExport.randomizeBatchNormStatistics(source, 7);
        boolean keras20Names = backbone == Backbone.INCEPTION_V3;
        boolean scaleLess = backbone == Backbone.INCEPTION_V3;
        if (scaleLess) { // Keras's InceptionV3 has no gamma: what it computes with is gamma = 1
            setGammaToOne(source);
        }
        Path file = dir.resolve(backbone.cliName() + "_notop.h5");
        KerasExport.of(source, scaleLess, keras20Names ? KerasWeightsTest::keras20Name : UnaryOperator.identity())
                .write(file, false);

        ComputationGraph target = backbone.featureExtractor(size, size, 3, 42);
        assertFalse(target.params().equalsWithEps(source.params(), 1e-6), "different seeds must differ first");
        KerasWeights.Report report = KerasWeights.read(file).loadInto(target);

        assertEquals(countLayersWithParameters(target), report.loaded().size(), report.toString());
        assertTrue(report.keptInitialized().isEmpty(), report.toString());
        assertEquals(keras20Names, report.renumbering() != null, report.toString());
        for (GraphVertex v : source.getVertices()) {
            if (v.hasLayer() && v.getLayer().numParams() > 0) {
                v.getLayer().paramTable().forEach((key, value) -> assertEquals(value,
                        target.getLayer(v.getVertexName()).getParam(key), v.getVertexName() + "." + key));
            }
        }
        INDArray input = Nd4j.rand(DataType.FLOAT, 2, 3, size, size).muli(2).subi(1);
        assertTrue(source.outputSingle(input).equalsWithEps(target.outputSingle(input), 1e-5));
    }

    /** A file with top: its 1000-class classifier goes into a 1000-class network, is skipped for 6 classes or none. */
    @Test
    void theTopIsUsedWhenItFitsAndSkippedOtherwise() throws IOException {
        int size = 32;
        ComputationGraph source = Backbone.RESNET50.classifier(size, size, 3, 1000, 7);
        Path file = dir.resolve("resnet50_with_top.h5");
        KerasExport.of(source, false, UnaryOperator.identity()).write(file, false);
        KerasWeights weights = KerasWeights.read(file);
        assertTrue(weights.layerNames().contains("predictions"));

        ComputationGraph sameTop = Backbone.RESNET50.classifier(size, size, 3, 1000, 42);
        KerasWeights.Report full = weights.loadInto(sameTop);
        assertTrue(full.loaded().contains("predictions"));
        assertEquals(source.params(), sameTop.params());

        ComputationGraph sixClasses = Backbone.RESNET50.classifier(size, size, 3, 6, 42);
        INDArray initialTop = sixClasses.getLayer("predictions").params().dup();
        KerasWeights.Report six = weights.loadInto(sixClasses);
        assertEquals(1, six.keptInitialized().size());
        assertTrue(six.keptInitialized().get(0).startsWith("predictions (output layer;"), six.toString());
        assertTrue(six.keptInitialized().get(0).contains("[2048, 6]") && six.keptInitialized().get(0)
                .contains("[2048, 1000]"), six.toString());
        assertEquals(initialTop, sixClasses.getLayer("predictions").params());
        assertEquals(source.getLayer("conv5_block3_3_conv").params(),
                sixClasses.getLayer("conv5_block3_3_conv").params());

        ComputationGraph features = Backbone.RESNET50.featureExtractor(size, size, 3, 42);
        KerasWeights.Report noTop = weights.loadInto(features);
        assertEquals(java.util.List.of("predictions"), noTop.skipped());
        assertEquals(source.getLayer("conv1_conv").params(), features.getLayer("conv1_conv").params());
    }

    /** A whole-model file (model.save) keeps its weights under model_weights. */
    @Test
    void wholeModelFilesAreReadFromModelWeights() throws IOException {
        ComputationGraph source = Backbone.XCEPTION.featureExtractor(71, 71, 3, 7);
        Path file = dir.resolve("xception_model.h5");
        KerasExport.of(source, false, UnaryOperator.identity()).write(file, true);
        ComputationGraph target = Backbone.XCEPTION.featureExtractor(71, 71, 3, 42);
        KerasWeights.read(file).loadInto(target);
        assertEquals(source.params(), target.params());
    }

    /** A network built NHWC takes the same file and computes the same features (transposed). */
    @Test
    void nhwcNetworksLoadTheSameFile() throws IOException {
        ComputationGraph source = Backbone.DENSENET121.featureExtractor(32, 32, 3, 7);
        KerasExport.randomizeBatchNormStatistics(source, 3);
        Path file = dir.resolve("densenet121.h5");
        KerasExport.of(source, false, UnaryOperator.identity()).write(file, false);
        ComputationGraph nhwc = Backbone.DENSENET121.featureExtractor(
                (org.deeplearning4j.nn.conf.inputs.InputType.InputTypeConvolutional)
                        org.deeplearning4j.nn.conf.inputs.InputType.convolutional(32, 32, 3,
                                org.deeplearning4j.nn.conf.CNN2DFormat.NHWC), 42);
        KerasWeights.read(file).loadInto(nhwc);
        INDArray input = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32);
        INDArray expected = source.outputSingle(input).permute(0, 2, 3, 1);
        assertTrue(expected.equalsWithEps(nhwc.outputSingle(input.permute(0, 2, 3, 1).dup()), 1e-4));
    }

    @Test
    void aFileThatIsNotHdf5IsRefusedClearly() throws IOException {
        Path text = Files.writeString(dir.resolve("weights.h5"), "not an HDF5 file");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KerasWeights.read(text));
        assertTrue(e.getMessage().contains("is not an HDF5 file"), e.getMessage());

        Path zip = dir.resolve("model.zip");
        Files.write(zip, new byte[]{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0});
        e = assertThrows(IllegalArgumentException.class, () -> KerasWeights.read(zip));
        assertTrue(e.getMessage().contains("zip archive"), e.getMessage());

        assertThrows(java.nio.file.NoSuchFileException.class, () -> KerasWeights.read(dir.resolve("missing.h5")));
        e = assertThrows(IllegalArgumentException.class, () -> KerasWeights.read(dir));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());

        // an interrupted download: the HDF5 signature, then the file stops
        Path whole = dir.resolve("whole.h5");
        KerasExport.of(Backbone.RESNET50.featureExtractor(32, 32, 3, 7), false, UnaryOperator.identity())
                .write(whole, false);
        byte[] bytes = Files.readAllBytes(whole);
        Path truncated = Files.write(dir.resolve("truncated.h5"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        e = assertThrows(IllegalArgumentException.class, () -> KerasWeights.read(truncated));
        assertTrue(e.getMessage().contains("damaged or incomplete") && e.getMessage().contains(
                "(" + bytes.length / 2 + " bytes)"), e.getMessage());
    }

    /** Xception's weights into ResNet50: no layer matches; the message says so and names file layers. */
    @Test
    void anotherArchitectureIsNamedAndNothingChanges() throws IOException {
        String message = refusedLoad(Backbone.XCEPTION, 71, Backbone.RESNET50.featureExtractor(32, 32, 3, 42));
        assertTrue(message.contains("0 of the network's 106 layers with parameters are in the file"), message);
        assertTrue(message.contains("File layers not in the network (80): "), message);
    }

    /** DenseNet169's weights into DenseNet121: shapes differ where the architectures part; every one is named. */
    @Test
    void shapeMismatchesNameLayerExpectedAndFound() throws IOException {
        String message = refusedLoad(Backbone.DENSENET169, 32, Backbone.DENSENET121.featureExtractor(32, 32, 3, 42));
        assertTrue(message.contains("File layers not in the network"), message);
        assertTrue(message.contains("Layer 'pool4_conv', parameter W: expected shape [512, 1024, 1, 1], the file's"
                + " gives [640, 1280, 1, 1]"), message);
    }

    /** Grey-scale input: the first convolution's kernel has 1 input channel, the file's 3. */
    @Test
    void inputChannelsThatDifferAreAShapeError() throws IOException {
        String message = refusedLoad(Backbone.RESNET50, 32, Backbone.RESNET50.featureExtractor(32, 32, 1, 42));
        assertTrue(message.contains("106 of the network's 106 layers with parameters are in the file"), message);
        assertTrue(message.contains("Layer 'conv1_conv', parameter W: expected shape [64, 1, 7, 7], the file's gives"
                + " [64, 3, 7, 7]"), message);
    }

    /**
     * Writes the weights of {@code fileBackbone} (built at {@code size} from seed 7), loads them into {@code target},
     * expects a refusal that leaves {@code target} unchanged, and returns the message.
     */
    private String refusedLoad(Backbone fileBackbone, int size, ComputationGraph target) throws IOException {
        Path file = dir.resolve(fileBackbone.cliName() + ".h5");
        KerasExport.of(fileBackbone.featureExtractor(size, size, 3, 7), false, UnaryOperator.identity())
                .write(file, false);
        INDArray before = target.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KerasWeights.read(file).loadInto(target));
        assertEquals(before, target.params(), "a refused load must leave the network as it was");
        return e.getMessage();
    }

    /** A layer inside the backbone missing from the file is a hole, not a new layer; nothing is written. */
    @Test
    void aMissingLayerInsideTheBackboneIsAnError() throws IOException {
        ComputationGraph source = Backbone.RESNET50.featureExtractor(32, 32, 3, 7);
        Path file = dir.resolve("holed.h5");
        KerasExport.of(source, false, n -> n.equals("conv3_block2_2_bn") ? "renamed_bn" : n).write(file, false);
        ComputationGraph target = Backbone.RESNET50.featureExtractor(32, 32, 3, 42);
        INDArray before = target.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KerasWeights.read(file).loadInto(target));
        assertTrue(e.getMessage().contains("Network layers not in the file, with loaded layers after them (1):"
                + " conv3_block2_2_bn"), e.getMessage());
        assertTrue(e.getMessage().contains("File layers not in the network (1): renamed_bn"), e.getMessage());
        assertEquals(before, target.params());
    }

    /** A convolution with a bias in the file where the layer has none (or the reverse) is named. */
    @Test
    void biasPresenceMustAgree() throws IOException {
        ComputationGraph source = Backbone.RESNET50.featureExtractor(32, 32, 3, 7);
        KerasH5Writer writer = KerasExport.of(source, false, UnaryOperator.identity());
        writer.weight("conv1_conv", "extra", Nd4j.zeros(DataType.FLOAT, 3));
        Path file = dir.resolve("extra.h5");
        writer.write(file, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KerasWeights.read(file).loadInto(Backbone.RESNET50.featureExtractor(32, 32, 3, 42)));
        assertTrue(e.getMessage().contains("Layer 'conv1_conv' (ConvolutionLayer) has no place for the file's"
                + " weights [extra]"), e.getMessage());

        Path densenet = dir.resolve("densenet.h5");
        ComputationGraph dn = Backbone.DENSENET121.featureExtractor(32, 32, 3, 7);
        KerasH5Writer withBias = KerasExport.of(dn, false, UnaryOperator.identity());
        withBias.weight("conv1/conv", "bias", Nd4j.zeros(DataType.FLOAT, 64));
        withBias.write(densenet, false);
        e = assertThrows(IllegalArgumentException.class,
                () -> KerasWeights.read(densenet).loadInto(Backbone.DENSENET121.featureExtractor(32, 32, 3, 42)));
        assertTrue(e.getMessage().contains("Layer 'conv1/conv' has no bias but the file has one for it"),
                e.getMessage());
    }

    /** Keras 2.0's names: conv2d_1 is the first Conv2D; later Keras calls it conv2d. */
    @Test
    void oneBasedAutomaticNamesShiftByOne() {
        Map<String, String> shift = KerasLayerNames.oneBasedAutoNames(
                java.util.Set.of("conv2d_1", "conv2d_2", "conv2d_10", "batch_normalization_1", "mixed0", "dense"),
                java.util.Set.of("conv2d", "conv2d_1", "conv2d_9", "batch_normalization", "dense"));
        assertEquals(Map.of("conv2d_1", "conv2d", "conv2d_2", "conv2d_1", "conv2d_10", "conv2d_9",
                "batch_normalization_1", "batch_normalization"), shift);
        assertTrue(KerasLayerNames.oneBasedAutoNames(java.util.Set.of("conv2d", "conv2d_1"),
                java.util.Set.of("conv2d", "conv2d_1")).isEmpty());
    }

    /** Keras 2.2's resnet50.py names (its ImageNet file, v0.2, has them): read as Keras 2.3's, top included. */
    @Test
    void keras22ResNet50NamesAreReadAsTheBackbonesNames() throws IOException {
        ComputationGraph source = Backbone.RESNET50.classifier(32, 32, 3, 1000, 7);
        Map<String, String> old = new HashMap<>();
        old.put("conv1_conv", "conv1");
        old.put("conv1_bn", "bn_conv1");
        old.put("predictions", "fc1000");
        for (int stage = 2; stage <= 5; stage++) {
            for (int block = 1; block <= 6; block++) {
                String letter = String.valueOf((char) ('a' + block - 1));
                for (String[] branch : new String[][]{{"1", "2a"}, {"2", "2b"}, {"3", "2c"}, {"0", "1"}}) {
                    String base = "conv" + stage + "_block" + block + "_" + branch[0];
                    old.put(base + "_conv", "res" + stage + letter + "_branch" + branch[1]);
                    old.put(base + "_bn", "bn" + stage + letter + "_branch" + branch[1]);
                }
            }
        }
        Path file = dir.resolve("resnet50_weights_tf_dim_ordering_tf_kernels_v0.2.h5");
        KerasExport.of(source, false, n -> old.getOrDefault(n, n)).write(file, false);
        KerasWeights weights = KerasWeights.read(file);
        assertTrue(weights.layerNames().contains("res4f_branch2c") && weights.layerNames().contains("bn5a_branch1"));

        ComputationGraph target = Backbone.RESNET50.classifier(32, 32, 3, 1000, 42);
        KerasWeights.Report report = weights.loadInto(target);
        assertEquals(107, report.loaded().size(), report.toString());
        assertTrue(report.renumbering().startsWith("Keras 2.2's ResNet50 names read as Keras 2.3's (107 layers"),
                report.renumbering());
        assertEquals(source.params(), target.params());
        assertTrue(KerasLayerNames.keras22ResNet50Names(java.util.Set.of("res2a_branch2a"),
                java.util.Set.of("res2a_branch2a")).isEmpty(), "a network with the old names needs no renaming");
    }

    @Test
    void layerOfAPathFollowsKerasWeightNames() {
        assertEquals("conv1_conv", KerasWeightsFile.layerOf(java.util.List.of("conv1_conv", "conv1_conv",
                "kernel:0")));
        assertEquals("conv1/conv", KerasWeightsFile.layerOf(java.util.List.of("conv1", "conv", "conv1", "conv",
                "kernel:0")));
        assertEquals("dense", KerasWeightsFile.layerOf(java.util.List.of("dense", "global", "shared", "dense",
                "kernel:0")));
        assertEquals("kernel", KerasWeightsFile.weightName("kernel:0"));
        assertEquals("moving_mean", KerasWeightsFile.weightName("moving_mean:0"));
    }

    private static String keras20Name(String name) {
        for (String prefix : new String[]{"conv2d", "batch_normalization"}) {
            if (name.equals(prefix)) {
                return prefix + "_1";
            }
            if (name.startsWith(prefix + "_") && name.substring(prefix.length() + 1).chars()
                    .allMatch(Character::isDigit)) {
                return prefix + "_" + (Integer.parseInt(name.substring(prefix.length() + 1)) + 1);
            }
        }
        return name;
    }

    private static void setGammaToOne(ComputationGraph net) {
        for (GraphVertex v : net.getVertices()) {
            if (v.hasLayer() && v.getLayer().paramTable().containsKey("gamma")) {
                v.getLayer().getParam("gamma").assign(1);
            }
        }
    }

    private static int countLayersWithParameters(ComputationGraph net) {
        Map<String, Boolean> seen = new HashMap<>();
        for (GraphVertex v : net.getVertices()) {
            if (v.hasLayer() && v.getLayer().numParams() > 0) {
                seen.put(v.getVertexName(), true);
            }
        }
        return seen.size();
    }
}
