package io.github.wisesrnet.cpu;

import io.github.wisesrnet.TestNets;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The project's default CPU setup: the oneDNN build of ND4J with DL4J's layer helpers switched on. The helpers
 * must be really used (not dropped as "not supported", as DL4J M2.1 does on its own) and must compute what DL4J's
 * built-in code computes: outputs, gradients and one training step, for each backbone.
 */
class OneDnnHelpersTest {

    private static final int BATCH = 4;
    private static final int CLASSES = 3;
    /**
     * Relative L2 difference allowed: float32, and the helpers sum in another order (oneDNN kernels vs im2col +
     * gemm). Measured: at most 6e-4 (ResNet50 gradient at 64x64); a wrong kernel gives differences near 1.
     */
    private static final double TOLERANCE = 5e-3;

    private String savedProperty;

    @BeforeEach
    void saveProperty() {
        savedProperty = System.getProperty(OneDnnHelpers.DISABLE_PROPERTY);
    }

    @AfterEach
    void restoreProperty() {
        if (savedProperty == null) {
            System.clearProperty(OneDnnHelpers.DISABLE_PROPERTY);
            OneDnnHelpers.useByDefault(); // back to the library's default
        } else {
            System.setProperty(OneDnnHelpers.DISABLE_PROPERTY, savedProperty);
        }
    }

    @Test
    void libraryRequestsHelpersUnlessTheUserDecided() {
        System.clearProperty(OneDnnHelpers.DISABLE_PROPERTY);
        OneDnnHelpers.useByDefault();
        assertTrue(OneDnnHelpers.requested());
        OneDnnHelpers.disable();
        OneDnnHelpers.useByDefault(); // the user's choice stays
        assertFalse(OneDnnHelpers.requested());
    }

    @Test
    void defaultBuildLoadsTheOneDnnBinaryOnX86() {
        assumeTrue(isX86(), "the oneDNN binary is the default only on x86-64; this is " + System.getProperty("os.arch"));
        assertTrue(OneDnnHelpers.oneDnnAvailable(), "expected the -onednn ND4J binary (pom: nd4j.extension), got: "
                + OneDnnHelpers.describe());
        OneDnnHelpers.enable();
        assertTrue(OneDnnHelpers.describe().endsWith("oneDNN layer helpers on"), OneDnnHelpers.describe());
    }

    @Test
    void convolutionLayersGetAHelperOnlyWhenEnabled() {
        assumeTrue(OneDnnHelpers.oneDnnAvailable(), "needs the oneDNN ND4J binary, loaded: " + OneDnnHelpers.describe());
        OneDnnHelpers.enable();
        assertNotNull(firstConvolution(Backbone.SMALL_CNN.featureExtractor(32, 32, 3)).getHelper());
        OneDnnHelpers.disable();
        assertNull(firstConvolution(Backbone.SMALL_CNN.featureExtractor(32, 32, 3)).getHelper());
    }

    @ParameterizedTest
    @EnumSource(value = Backbone.class, names = {"SMALL_CNN", "RESNET50", "INCEPTION_V3", "DENSENET121", "XCEPTION"})
    void helpersComputeWhatDl4jComputes(Backbone backbone) {
        assumeTrue(OneDnnHelpers.oneDnnAvailable(), "needs the oneDNN ND4J binary, loaded: " + OneDnnHelpers.describe());
        int size = smallestSizeWithMapOfTwo(backbone);
        InputType input = InputType.convolutional(size, size, 3);
        OneDnnHelpers.disable();
        ComputationGraph builtIn = WiseSrNet.attach(backbone.featureExtractor(size, size, 3), CLASSES, input);
        OneDnnHelpers.enable();
        ComputationGraph withHelpers = WiseSrNet.attach(backbone.featureExtractor(size, size, 3), CLASSES, input);
        assertNotNull(firstConvolution(withHelpers).getHelper(), "helpers were not created");
        withHelpers.setParams(builtIn.params().dup());

        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, 3, size, size).muli(255).subi(120);
        INDArray y = TestNets.labels(BATCH, CLASSES, DataType.FLOAT);

        assertClose("inference output", builtIn.outputSingle(false, x), withHelpers.outputSingle(false, x));
        assertClose("training-mode output", builtIn.outputSingle(true, x), withHelpers.outputSingle(true, x));

        builtIn.setInputs(x);
        builtIn.setLabels(y);
        withHelpers.setInputs(x);
        withHelpers.setLabels(y);
        builtIn.computeGradientAndScore();
        withHelpers.computeGradientAndScore();
        assertEquals(builtIn.score(), withHelpers.score(), TOLERANCE * Math.max(1, Math.abs(builtIn.score())));
        assertClose("gradient", builtIn.gradient().gradient(), withHelpers.gradient().gradient());

        INDArray before = builtIn.params().dup();
        builtIn.fit(new INDArray[]{x}, new INDArray[]{y});
        withHelpers.fit(new INDArray[]{x}, new INDArray[]{y});
        assertClose("parameter change of one step (incl. batch-norm statistics)", builtIn.params().sub(before),
                withHelpers.params().sub(before));
    }

    /**
     * DL4J M2.1's oneDNN batch-norm helper is wrong on NHWC input in Xception (outputs 118% off); the library removes
     * it from every NHWC network it builds, keeping the other helpers, and the outputs then match.
     */
    @Test
    void nhwcNetworksLoseTheBatchNormHelperAndMatchDl4j() {
        assumeTrue(OneDnnHelpers.oneDnnAvailable(), "needs the oneDNN ND4J binary, loaded: " + OneDnnHelpers.describe());
        Backbone backbone = Backbone.XCEPTION;
        int size = backbone.minimumInputSize();
        InputType.InputTypeConvolutional nhwc = (InputType.InputTypeConvolutional) InputType.convolutional(size, size,
                3, org.deeplearning4j.nn.conf.CNN2DFormat.NHWC);
        OneDnnHelpers.disable();
        ComputationGraph builtIn = backbone.featureExtractor(nhwc, 3);
        OneDnnHelpers.enable();
        ComputationGraph withHelpers = backbone.featureExtractor(nhwc, 3);
        int batchNorms = 0;
        for (Layer layer : withHelpers.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization bn) {
                assertNull(bn.getHelper(), bn.getConfig().getLayerName() + " kept its helper");
                batchNorms++;
            }
        }
        assertTrue(batchNorms > 0);
        assertNotNull(firstConvolution(withHelpers).getHelper(), "convolution helpers are kept");
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, size, size, 3).muli(255).subi(120);
        assertClose("NHWC inference output", builtIn.outputSingle(false, x), withHelpers.outputSingle(false, x));
        assertClose("NHWC training-mode output", builtIn.outputSingle(true, x), withHelpers.outputSingle(true, x));
    }

    @Test
    void tuneGivesNchwBatchNormsTheStatsHelper() {
        assumeTrue(OneDnnHelpers.oneDnnAvailable(), "needs the oneDNN ND4J binary, loaded: " + OneDnnHelpers.describe());
        OneDnnHelpers.enable();
        ComputationGraph net = Backbone.SMALL_CNN.featureExtractor(32, 32, 3);
        int batchNorms = 0;
        for (Layer layer : net.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization bn) {
                assertTrue(bn.getHelper() instanceof BatchNormStatsHelper, bn.getConfig().getLayerName() + ": "
                        + bn.getHelper());
                batchNorms++;
            }
        }
        assertEquals(4, batchNorms);
        ComputationGraph untuned = net.clone(); // clone() builds fresh layers: DL4J's own helper
        assertTrue(firstBatchNorm(untuned).getHelper() instanceof
                org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper);
    }

    /**
     * The stats helper against DL4J's oneDNN helper on the same network and batch: the batch statistics (and so the
     * running estimates) are the same bit for bit, the gradients agree to float rounding (measured: 2e-6 at most), and
     * so do three training steps.
     */
    @Test
    void statsHelperComputesWhatDl4jsHelperComputes() {
        assumeTrue(OneDnnHelpers.oneDnnAvailable(), "needs the oneDNN ND4J binary, loaded: " + OneDnnHelpers.describe());
        OneDnnHelpers.enable();
        ComputationGraph tuned = WiseSrNet.attach(Backbone.SMALL_CNN.featureExtractor(48, 48, 3), CLASSES);
        ComputationGraph dl4j = tuned.clone();
        dl4j.setCacheMode(org.deeplearning4j.nn.conf.CacheMode.NONE);
        assertTrue(firstBatchNorm(tuned).getHelper() instanceof BatchNormStatsHelper);
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 48, 48).muli(255).subi(120);
        INDArray y = TestNets.labels(8, CLASSES, DataType.FLOAT);

        assertEquals(dl4j.outputSingle(true, x), tuned.outputSingle(true, x), "training-mode output");
        for (ComputationGraph net : new ComputationGraph[]{dl4j, tuned}) {
            net.setInputs(x);
            net.setLabels(y);
            net.computeGradientAndScore();
        }
        assertEquals(dl4j.score(), tuned.score(), 1e-6 * Math.abs(dl4j.score()));
        for (String name : new String[]{"block1_bn_gamma", "block1_bn_beta", "block4_bn_gamma", "block1_conv_W"}) {
            INDArray expected = dl4j.gradient().getGradientFor(name);
            INDArray actual = tuned.gradient().getGradientFor(name);
            double diff = expected.sub(actual).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
            assertTrue(diff < 1e-4, name + " gradient: relative L2 difference " + diff);
        }
        for (int step = 0; step < 3; step++) {
            dl4j.fit(new INDArray[]{x}, new INDArray[]{y});
            tuned.fit(new INDArray[]{x}, new INDArray[]{y});
        }
        assertEquals(dl4j.getParam("block2_bn_mean"), tuned.getParam("block2_bn_mean"),
                "running mean after 3 steps");
        assertClose("parameters after 3 steps", dl4j.params(), tuned.params());
        assertClose("inference output after 3 steps", dl4j.outputSingle(false, x), tuned.outputSingle(false, x));
    }

    @Test
    void forwardCacheOnlyWhereExact() {
        assumeTrue(OneDnnHelpers.oneDnnAvailable(), "needs the oneDNN ND4J binary, loaded: " + OneDnnHelpers.describe());
        OneDnnHelpers.enable();
        ComputationGraph identityConvolutions = Backbone.SMALL_CNN.featureExtractor(32, 32, 3);
        assertEquals(org.deeplearning4j.nn.conf.CacheMode.NONE, identityConvolutions.getConfiguration()
                .getCacheMode(), "the cache costs memory: never on without the explicit call");
        assertTrue(OneDnnHelpers.enableForwardCache(identityConvolutions));
        assertEquals(org.deeplearning4j.nn.conf.CacheMode.DEVICE, identityConvolutions.getConfiguration()
                .getCacheMode());
        assertFalse(OneDnnHelpers.enableForwardCache(Backbone.TINY.featureExtractor(32, 32, 3)),
                "ReLU convolutions need their pre-activation in the backward pass: no cache");
        OneDnnHelpers.disable();
        ComputationGraph builtIn = Backbone.SMALL_CNN.featureExtractor(32, 32, 3);
        assertEquals(org.deeplearning4j.nn.conf.CacheMode.NONE, builtIn.getConfiguration().getCacheMode(),
                "without helpers DL4J would keep every im2col matrix");
        assertFalse(OneDnnHelpers.enableForwardCache(builtIn));
    }

    /** The forward cache changes nothing but time: three steps with and without it give the same network, exactly. */
    @Test
    void forwardCacheTrainsExactlyAsWithout() {
        assumeTrue(OneDnnHelpers.oneDnnAvailable(), "needs the oneDNN ND4J binary, loaded: " + OneDnnHelpers.describe());
        OneDnnHelpers.enable();
        ComputationGraph cached = WiseSrNet.attach(Backbone.SMALL_CNN.featureExtractor(48, 48, 3), CLASSES);
        assertTrue(OneDnnHelpers.enableForwardCache(cached));
        ComputationGraph uncached = cached.clone();
        OneDnnHelpers.tune(uncached);
        uncached.setCacheMode(org.deeplearning4j.nn.conf.CacheMode.NONE);
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 48, 48).muli(255).subi(120);
        INDArray y = TestNets.labels(8, CLASSES, DataType.FLOAT);
        for (int step = 0; step < 3; step++) {
            cached.fit(new INDArray[]{x}, new INDArray[]{y});
            uncached.fit(new INDArray[]{x}, new INDArray[]{y});
            assertEquals(uncached.params(), cached.params(), "parameters after step " + (step + 1));
        }
    }

    @Test
    void tuningAnUninitializedNetworkSaysToInitializeIt() {
        ComputationGraph notInitialized = new ComputationGraph(Backbone.SMALL_CNN.featureExtractorConfiguration(
                (InputType.InputTypeConvolutional) InputType.convolutional(32, 32, 3), 1));
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> OneDnnHelpers.tune(notInitialized));
        assertTrue(e.getMessage().contains("call net.init()"), e.getMessage());
    }

    private static org.deeplearning4j.nn.layers.normalization.BatchNormalization firstBatchNorm(ComputationGraph net) {
        return first(net, org.deeplearning4j.nn.layers.normalization.BatchNormalization.class);
    }

    /**
     * The smallest input (from the backbone's minimum, in steps of 8) whose final map is at least 2x2. At a 1x1 map
     * with a batch of 4, the last batch normalizations see 4 values per channel and their gradients are dominated
     * by rounding (differences of 50% measured between two correct implementations), which would test nothing.
     */
    private static int smallestSizeWithMapOfTwo(Backbone backbone) {
        int size = backbone.minimumInputSize();
        while (backbone.featureMap(size, size, 3).getHeight() < 2) {
            size += 8;
        }
        return size;
    }

    private static ConvolutionLayer firstConvolution(ComputationGraph net) {
        return first(net, ConvolutionLayer.class);
    }

    private static <T extends Layer> T first(ComputationGraph net, Class<T> type) {
        for (Layer layer : net.getLayers()) {
            if (type.isInstance(layer)) {
                return type.cast(layer);
            }
        }
        throw new AssertionError("no " + type.getSimpleName());
    }

    /**
     * Relative L2 difference |expected - actual| / |expected| within TOLERANCE. Relative to the whole array, not per
     * element: biases in front of batch normalization have gradients that are exactly 0 up to rounding.
     */
    private static void assertClose(String what, INDArray expected, INDArray actual) {
        assertNotNull(actual, what + " missing");
        assertEquals(expected.length(), actual.length(), what + " length");
        INDArray e = expected.castTo(DataType.DOUBLE);
        double norm = e.norm2Number().doubleValue();
        double diff = e.sub(actual.castTo(DataType.DOUBLE)).norm2Number().doubleValue();
        assertTrue(norm > 0, what + " is all zeros");
        assertTrue(diff <= TOLERANCE * norm, what + ": relative L2 difference " + diff / norm);
    }

    private static boolean isX86() {
        String arch = System.getProperty("os.arch");
        return "amd64".equals(arch) || "x86_64".equals(arch);
    }

    @Test
    void describeNamesTheCpuOnEveryArchitecture() {
        assertEquals("AVX512", OneDnnHelpers.binaryName("amd64", 3));
        assertEquals("AVX2", OneDnnHelpers.binaryName("x86_64", 2));
        assertEquals("generic x86-64", OneDnnHelpers.binaryName("amd64", 0));
        assertEquals("generic arm64", OneDnnHelpers.binaryName("aarch64", 0));
        assertEquals("generic arm64", OneDnnHelpers.binaryName("aarch64", 3)); // a level means nothing there
        assertEquals("generic ppc64le", OneDnnHelpers.binaryName("ppc64le", 0));
    }
}
