package io.github.wisesrnet.backbones;

import io.github.wisesrnet.graph.FeatureMap;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.layers.WiseSrLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static io.github.wisesrnet.backbones.BackboneArchitectureTest.nchw;
import static io.github.wisesrnet.backbones.BackboneArchitectureTest.parameterCount;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract every {@link Backbone} keeps (like timm's test_models): at its minimum input size, with a Wise-SrNet
 * head, it trains on caffe-scaled pixels without NaN and with decreasing loss, and survives a ModelSerializer round
 * trip; bad sizes fail with a clear message.
 */
class BackboneContractTest {

    private static final Logger log = LoggerFactory.getLogger(BackboneContractTest.class);

    private static final int BATCH = 2;
    private static final int CLASSES = 3;
    private static final int STEPS = 3;
    /** Adam's default; gave a strictly decreasing loss for every backbone, model seed and data seed tried. */
    private static final double LEARNING_RATE = 1e-3;
    /** ImageNet BGR means subtracted by Keras's 'caffe' preprocessing. */
    private static final double[] CAFFE_MEANS = {103.939, 116.779, 123.68};

    @ParameterizedTest
    @EnumSource(Backbone.class)
    void trainsWithWiseSrHeadAndSurvivesSerialization(Backbone backbone) throws IOException {
        int size = backbone.minimumInputSize();
        InputType input = InputType.convolutional(size, size, 3);
        ComputationGraph features = backbone.featureExtractor(size, size, 3, 7);
        assertEquals(parameterCount(backbone.featureExtractorConfiguration(nchw(size, size), 7)), features.numParams(),
                "counting from the configuration agrees with the built graph");

        ComputationGraph net = new TransferLearning.GraphBuilder(WiseSrNet.attach(features, CLASSES, input))
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(LEARNING_RATE)).build())
                .build();
        WiseSrLayer head = (WiseSrLayer) ((LayerVertex) net.getConfiguration().getVertices()
                .get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX)).getLayerConf().getLayer();
        InputType.InputTypeConvolutional map = backbone.featureMap(size, size, 3);
        assertEquals(map.getChannels(), head.getNIn());
        assertEquals(map.getHeight(), head.getInputHeight());
        assertEquals(WiseSrLayer.paperPoolSize(map.getHeight(), map.getWidth()), head.getPoolSize());

        DataSet batch = caffeScaledBatch(size, 123);
        INDArray before = net.outputSingle(false, batch.getFeatures());
        assertTrue(isFinite(before), backbone + ": non-finite inference output " + before);

        // The head's NonNeg constraint, like Keras's, acts after each update and never at initialization, so the
        // first step would also clip the negative half of the Normal(0, 0.01) spatial weights. Applying it once
        // up front makes every measured change the work of the gradient steps.
        net.applyConstraints(0, 0);
        List<Double> losses = new ArrayList<>();
        losses.add(net.score(batch, true)); // training mode: BatchNormalization uses the batch statistics
        for (int i = 0; i < STEPS; i++) {
            net.fit(batch);
            losses.add(net.score(batch, true));
        }
        for (int i = 0; i <= STEPS; i++) {
            assertTrue(Double.isFinite(losses.get(i)), backbone + ": losses " + losses);
            assertTrue(i == 0 || losses.get(i) < losses.get(i - 1), backbone + ": loss did not decrease: " + losses);
        }
        log.info("{} at {}x{}: losses {}", backbone, size, size, losses);

        INDArray expected = net.outputSingle(false, batch.getFeatures());
        assertTrue(isFinite(expected), backbone + ": non-finite output after training " + expected);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, false); // outputs do not need the updater state
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(
                new ByteArrayInputStream(bytes.toByteArray()), false);
        assertEquals(net.getConfiguration().getVertices().keySet(), restored.getConfiguration().getVertices().keySet());
        assertEquals(expected, restored.outputSingle(false, batch.getFeatures()), backbone + " after round trip");
    }

    /**
     * attach() finds the head of every include_top=True classifier from its structure: the feature map is the last
     * activation, and avg_pool + predictions are replaced. (FeatureMap.locate reads only the configuration, so the
     * graphs need no parameters.) One classifier is then attached and run for real.
     */
    @ParameterizedTest
    @EnumSource(Backbone.class)
    void classifierHeadIsFoundFromStructure(Backbone backbone) {
        int size = backbone.minimumInputSize();
        InputType[] input = {InputType.convolutional(size, size, 3)};
        String featureVertex = backbone.featureExtractorConfiguration(nchw(size, size), 1).getNetworkOutputs()
                .get(0);
        ComputationGraphConfiguration conf = backbone.classifierConfiguration(nchw(size, size), 10, 1);
        FeatureMap map = FeatureMap.locate(new ComputationGraph(conf), input, null);
        assertEquals(featureVertex, map.vertex());
        assertEquals(backbone.featureMap(size, size, 3), map.mapType());
        assertFalse(map.backbone().contains("avg_pool"));
        assertFalse(map.backbone().contains("predictions"));
    }

    @Test
    void classifierTakesAWiseSrHead() {
        ComputationGraph classifier = Backbone.DENSENET121.classifier(32, 32, 3, 10);
        INDArray probabilities = classifier.outputSingle(caffeScaledBatch(32, 5).getFeatures());
        assertTrue(isFinite(probabilities));
        assertEquals(BATCH, probabilities.sumNumber().doubleValue(), 1e-4, "softmax rows sum to 1");

        ComputationGraph net = WiseSrNet.attach(classifier, CLASSES, InputType.convolutional(32, 32, 3));
        assertEquals(List.of("relu"), net.getConfiguration().getVertexInputs().get(WiseSrNet.SPATIAL_WEIGHTS_VERTEX));
        assertEquals(List.of(WiseSrNet.OUTPUT_VERTEX), net.getConfiguration().getNetworkOutputs());
        assertFalse(net.getConfiguration().getVertices().containsKey("avg_pool"), "old head removed");
        assertEquals(classifier.getParam("conv1/conv_W"), net.getParam("conv1/conv_W"), "backbone carried over");
        INDArray out = net.outputSingle(caffeScaledBatch(32, 6).getFeatures());
        assertArrayEquals(new long[]{BATCH, CLASSES}, out.shape());
        assertTrue(isFinite(out));
    }

    /**
     * Channels-last: the same seed gives the same parameters, and the backbone and the backbone + Wise-SrNet head
     * compute the same outputs from NHWC input as from NCHW input, in inference and training mode. Both run DL4J's
     * built-in layer code, so that only the layout differs: the library removes the oneDNN batch-norm helper from
     * NHWC networks, and at the minimum sizes (1x1 final maps) training-mode batch norm over a few values turns
     * rounding differences between two implementations into large ones. Helpers vs built-in code, NHWC included,
     * is OneDnnHelpersTest's subject.
     */
    @ParameterizedTest
    @EnumSource(Backbone.class)
    void nhwcComputesTheSameAsNchw(Backbone backbone) {
        String helpers = System.getProperty(OneDnnHelpers.DISABLE_PROPERTY);
        OneDnnHelpers.disable();
        try {
            assertNhwcMatchesNchw(backbone);
        } finally {
            if (helpers == null) {
                System.clearProperty(OneDnnHelpers.DISABLE_PROPERTY);
                OneDnnHelpers.useByDefault(); // back to the library's default
            } else {
                System.setProperty(OneDnnHelpers.DISABLE_PROPERTY, helpers);
            }
        }
    }

    private static void assertNhwcMatchesNchw(Backbone backbone) {
        int size = backbone.minimumInputSize();
        InputType.InputTypeConvolutional nhwcInput = (InputType.InputTypeConvolutional) InputType.convolutional(size,
                size, 3, CNN2DFormat.NHWC);
        ComputationGraph nchw = backbone.featureExtractor(size, size, 3, 3);
        ComputationGraph nhwc = backbone.featureExtractor(nhwcInput, 3);
        assertEquals(nchw.params(), nhwc.params());
        assertEquals(CNN2DFormat.NHWC, backbone.featureMap(nhwcInput).getFormat());

        INDArray x = caffeScaledBatch(size, 9).getFeatures();
        INDArray xNhwc = x.permute(0, 2, 3, 1).dup();
        for (boolean train : new boolean[]{false, true}) {
            INDArray expected = nchw.outputSingle(train, x);
            INDArray actual = nhwc.outputSingle(train, xNhwc).permute(0, 3, 1, 2);
            assertTrue(isFinite(expected));
            assertEquals(0.0, expected.sub(actual).norm2Number().doubleValue(),
                    1e-5 * expected.norm2Number().doubleValue(), backbone + (train ? " training" : " inference"));
        }
        ComputationGraph nchwNet = WiseSrNet.attach(nchw, CLASSES, nchw(size, size));
        ComputationGraph nhwcNet = WiseSrNet.attach(nhwc, CLASSES, nhwcInput);
        assertEquals(nchwNet.outputSingle(x).sub(nhwcNet.outputSingle(xNhwc)).amaxNumber().doubleValue(), 0.0, 1e-5,
                backbone + " with a Wise-SrNet head");
    }

    @Test
    void rejectsInputsBelowTheMinimumNamingBackboneSizeAndMinimum() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backbone.INCEPTION_V3.featureExtractor(74, 299, 3));
        assertMessage(e, "inception-v3", "74x299", "75x75");
        e = assertThrows(IllegalArgumentException.class, () -> Backbone.XCEPTION.featureMap(299, 70, 3));
        assertMessage(e, "xception", "299x70", "71x71");
        e = assertThrows(IllegalArgumentException.class, () -> Backbone.RESNET50.classifier(31, 31, 3, 10));
        assertMessage(e, "resnet50", "31x31", "32x32");
        e = assertThrows(IllegalArgumentException.class, () -> Backbone.DENSENET169.featureExtractor(16, 64, 3, 1));
        assertMessage(e, "densenet169", "16x64", "32x32");
        e = assertThrows(IllegalArgumentException.class, () -> Backbone.DENSENET121.featureExtractor(224, 224, 0));
        assertMessage(e, "densenet121", "channels", "0");
        e = assertThrows(IllegalArgumentException.class, () -> Backbone.RESNET50.featureMap(224, 224, -1));
        assertMessage(e, "resnet50", "channels", "-1");
        e = assertThrows(IllegalArgumentException.class, () -> Backbone.XCEPTION.classifier(224, 224, 3, 0));
        assertMessage(e, "xception", "numClasses", "0");
    }

    @Test
    void namesRoundTrip() {
        for (Backbone b : Backbone.values()) {
            assertEquals(b, Backbone.fromName(b.cliName()));
            assertEquals(b, Backbone.fromName(b.name()));
        }
        assertEquals(Backbone.INCEPTION_V3, Backbone.fromName("InceptionV3"));
        assertEquals(Backbone.RESNET50, Backbone.fromName(" resnet50 "));
        assertEquals("inception-v3", Backbone.INCEPTION_V3.cliName());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backbone.fromName("vgg16"));
        assertMessage(e, "vgg16", "resnet50", "densenet169");
    }

    @Test
    void defaultSeedIsReproducible() {
        ComputationGraph a = Backbone.XCEPTION.featureExtractor(71, 71, 3);
        ComputationGraph b = Backbone.XCEPTION.featureExtractor(71, 71, 3, Backbone.DEFAULT_SEED);
        ComputationGraph c = Backbone.XCEPTION.featureExtractor(71, 71, 3, 1);
        assertEquals(a.params(), b.params());
        assertNotEquals(a.params(), c.params(), "another seed gives other weights");
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    /** A fixed random batch of NCHW images as Keras's caffe preprocessing gives them: pixel - channel mean. */
    static DataSet caffeScaledBatch(int size, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray pixels = Nd4j.rand(DataType.FLOAT, BATCH, 3, size, size).muli(255);
        for (int c = 0; c < 3; c++) {
            pixels.get(NDArrayIndex.all(), NDArrayIndex.point(c)).subi(CAFFE_MEANS[c]);
        }
        INDArray labels = Nd4j.zeros(DataType.FLOAT, BATCH, CLASSES);
        for (int i = 0; i < BATCH; i++) {
            labels.putScalar(i, i % CLASSES, 1.0);
        }
        return new DataSet(pixels, labels);
    }

    private static boolean isFinite(INDArray a) {
        return !a.isNaN().any() && !a.isInfinite().any();
    }
}
