package io.github.wisesrnet.inference;

import io.github.wisesrnet.AttachOptions;
import io.github.wisesrnet.TestNets;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.backbones.Backbone;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link InferenceFolding}: the folded copy gives the trained network's inference outputs up to float rounding, on
 * every backbone and on the patterns it must fold or leave alone, with batch-norm statistics far from their initial
 * values (else folding an identity would pass unnoticed).
 */
class InferenceFoldingTest {

    private static final double TOLERANCE = 1e-5;

    @ParameterizedTest
    @EnumSource(value = Backbone.class, names = {"SMALL_CNN", "RESNET50", "INCEPTION_V3", "DENSENET121", "XCEPTION"})
    void foldedBackbonesComputeWhatTheTrainedOnesCompute(Backbone backbone) {
        int size = backbone.minimumInputSize();
        ComputationGraph trained = WiseSrNet.attach(backbone.featureExtractor(size, size, 3), 3);
        randomizeStatistics(trained, 11);
        INDArray paramsBefore = trained.params().dup();
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, size, size).muli(255).subi(120);

        ComputationGraph folded = InferenceFolding.fold(trained);

        assertClose(trained.outputSingle(false, x), folded.outputSingle(false, x));
        assertEquals(paramsBefore, trained.params(), "the trained network was changed");
        assertTrue(folded.getLayers().length < trained.getLayers().length);
        assertEquals(Set.of(), foldableLeft(folded), "batch norms after a linear convolution left unfolded");
        if (backbone == Backbone.RESNET50) { // every one of its 53 convolutions is followed by a batch norm
            assertEquals(53, count(trained, BatchNormalization.class) - count(folded, BatchNormalization.class));
            assertEquals(0, count(folded, BatchNormalization.class));
            assertEquals(33, count(trained, ActivationLayer.class) - count(folded, ActivationLayer.class),
                    "ReLUs right after conv + BN (the other 16 follow a residual add)");
        }
    }

    /** NHWC, where DL4J's separable convolutions need the layer after them (see InferenceFolding). */
    @Test
    void foldedNhwcXceptionComputesWhatTheTrainedOneComputes() {
        int size = Backbone.XCEPTION.minimumInputSize();
        ComputationGraph trained = Backbone.XCEPTION.featureExtractor((InputType.InputTypeConvolutional)
                InputType.convolutional(size, size, 3, CNN2DFormat.NHWC), 5);
        randomizeStatistics(trained, 14);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, size, size, 3).muli(255).subi(120);
        ComputationGraph folded = InferenceFolding.fold(trained);
        assertTrue(count(folded, BatchNormalization.class) < count(trained, BatchNormalization.class));
        assertClose(trained.outputSingle(false, x), folded.outputSingle(false, x));
    }

    @Test
    void frozenBackboneFoldsToo() {
        ComputationGraph trained = WiseSrNet.attach(Backbone.SMALL_CNN.featureExtractor(48, 48, 3), 4,
                AttachOptions.builder().freezeBackbone(true).build());
        randomizeStatistics(trained, 12);
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 3, 48, 48);
        assertTrue(count(trained, BatchNormalization.class) > 0);
        ComputationGraph folded = InferenceFolding.fold(trained);
        assertEquals(0, count(folded, BatchNormalization.class));
        assertClose(trained.outputSingle(false, x), folded.outputSingle(false, x));
    }

    /**
     * Folded: conv (no bias) -> BN (log10 std) -> tanh; separable conv -> BN (fixed gamma and beta) -> ReLU (NCHW
     * only); conv -> BN. Left alone: BN after a ReLU convolution (not linear), BN on a convolution that also feeds
     * another vertex, and the activation after such a BN.
     */
    @Test
    void foldsExactlyTheLinearSingleConsumerPairs() {
        for (CNN2DFormat format : CNN2DFormat.values()) {
            ComputationGraph trained = patterns(format);
            randomizeStatistics(trained, 13);
            ComputationGraph folded = InferenceFolding.fold(trained);
            Set<String> expected = new TreeSet<>(Set.of("c1", "c2", "c3", "bn3", "c4", "bn4", "act4", "c5", "add",
                    "gap", "out"));
            if (format == CNN2DFormat.NHWC) { // DL4J's NHWC separable convolution needs the layer after it
                expected.addAll(Set.of("bn2", "act2"));
            }
            assertEquals(expected, new TreeSet<>(folded.getConfiguration().getVertices().keySet()), format.toString());
            assertEquals("tanh", ((ConvolutionLayer) folded.getLayer("c1").conf().getLayer()).getActivationFn()
                    .toString());
            assertTrue(((ConvolutionLayer) folded.getLayer("c1").conf().getLayer()).hasBias(), "bias added");
            INDArray x = TestNets.randomInput(TestNets.cnn(9, 10, 3, format), 4, DataType.FLOAT, 5);
            assertClose(trained.outputSingle(false, x), folded.outputSingle(false, x));
        }
    }

    /**
     * conv -> BN -> BN, in both orders of the builder: only the first batch norm is folded, the second stays (folding
     * both into one convolution would need their composition).
     */
    @Test
    void twoBatchNormsInARowFoldOnlyTheFirst() {
        for (boolean secondAddedFirst : new boolean[]{false, true}) {
            var g = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER)
                    .graphBuilder().addInputs("in")
                    .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY)
                            .build(), "in");
            if (secondAddedFirst) {
                g.addLayer("bn2", new BatchNormalization.Builder().build(), "bn1");
                g.addLayer("bn1", new BatchNormalization.Builder().build(), "conv");
            } else {
                g.addLayer("bn1", new BatchNormalization.Builder().build(), "conv");
                g.addLayer("bn2", new BatchNormalization.Builder().build(), "bn1");
            }
            g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn2")
                    .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                            .activation(Activation.SOFTMAX).build(), "gap")
                    .setOutputs("out").setInputTypes(TestNets.cnn(8, 8, 2, CNN2DFormat.NCHW));
            ComputationGraph trained = new ComputationGraph(g.build());
            trained.init();
            OneDnnHelpers.tune(trained);
            randomizeStatistics(trained, 15);
            ComputationGraph folded = InferenceFolding.fold(trained);
            assertEquals(1, count(folded, BatchNormalization.class), "builder order " + secondAddedFirst);
            INDArray x = TestNets.randomInput(TestNets.cnn(8, 8, 2, CNN2DFormat.NCHW), 3, DataType.FLOAT, 6);
            assertClose(trained.feedForward(x, false).get("gap"), folded.feedForward(x, false).get("gap"));
        }
    }

    @Test
    void foldingAnUninitializedNetworkSaysToInitializeIt() {
        ComputationGraph net = new ComputationGraph(patterns(CNN2DFormat.NCHW).getConfiguration());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> InferenceFolding.fold(net));
        assertTrue(e.getMessage().contains("init()"), e.getMessage());
    }

    private static ComputationGraph patterns(CNN2DFormat format) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.FLOAT).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(6).hasBias(false).dataFormat(format)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn1", new BatchNormalization.Builder().useLogStd(true).eps(1e-3).build(), "c1")
                .addLayer("act1", new ActivationLayer.Builder().activation(Activation.TANH).build(), "bn1")
                .addLayer("c2", new SeparableConvolution2D.Builder(3, 3).nOut(6).dataFormat(format)
                        .activation(Activation.IDENTITY).build(), "act1")
                .addLayer("bn2", new BatchNormalization.Builder().lockGammaBeta(true).gamma(1.5).beta(-0.25)
                        .build(), "c2")
                .addLayer("act2", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn2")
                .addLayer("c3", new ConvolutionLayer.Builder(1, 1).nOut(6).dataFormat(format)
                        .activation(Activation.RELU).build(), "act2")
                .addLayer("bn3", new BatchNormalization.Builder().build(), "c3")
                .addLayer("c4", new ConvolutionLayer.Builder(1, 1).nOut(6).dataFormat(format)
                        .activation(Activation.IDENTITY).build(), "bn3")
                .addLayer("bn4", new BatchNormalization.Builder().build(), "c4")
                .addLayer("act4", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn4")
                .addLayer("c5", new ConvolutionLayer.Builder(1, 1).nOut(6).dataFormat(format)
                        .activation(Activation.IDENTITY).build(), "act4")
                .addLayer("bn5", new BatchNormalization.Builder().build(), "c5")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn5", "c4")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "add")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "gap")
                .setOutputs("out")
                .setInputTypes(TestNets.cnn(9, 10, 3, format))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        OneDnnHelpers.tune(net); // without the NHWC batch-norm helper, which is wrong (see OneDnnHelpers)
        return net;
    }

    /** Running statistics, scales, shifts and convolution biases far from their initial values. */
    private static void randomizeStatistics(ComputationGraph net, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (Layer layer : net.getLayers()) {
            for (var param : layer.paramTable().entrySet()) {
                INDArray p = param.getValue();
                switch (param.getKey()) {
                    case BatchNormalizationParamInitializer.GLOBAL_MEAN, BatchNormalizationParamInitializer.BETA, "b" ->
                            p.assign(Nd4j.rand(p.dataType(), p.shape()).subi(0.5).muli(4));
                    case BatchNormalizationParamInitializer.GLOBAL_VAR, BatchNormalizationParamInitializer.GAMMA ->
                            p.assign(Nd4j.rand(p.dataType(), p.shape()).muli(2).addi(0.3));
                    case BatchNormalizationParamInitializer.GLOBAL_LOG_STD ->
                            p.assign(Nd4j.rand(p.dataType(), p.shape()).subi(0.5));
                    default -> {
                    }
                }
            }
        }
    }

    /** Batch norms whose only input is a linear convolution that feeds nothing else: all should have been folded. */
    private static Set<String> foldableLeft(ComputationGraph net) {
        ComputationGraphConfiguration conf = net.getConfiguration();
        Set<String> left = new TreeSet<>();
        conf.getVertexInputs().forEach((name, inputs) -> {
            if (net.getLayer(name) != null && net.getLayer(name).conf().getLayer() instanceof BatchNormalization
                    && inputs.size() == 1 && net.getLayer(inputs.get(0)) != null
                    && net.getLayer(inputs.get(0)).conf().getLayer() instanceof ConvolutionLayer conv
                    && "identity".equals(conv.getActivationFn().toString())
                    && conf.getVertexInputs().values().stream().filter(in -> in.contains(inputs.get(0))).count() == 1) {
                left.add(name);
            }
        });
        return left;
    }

    private static long count(ComputationGraph net, Class<?> type) {
        long n = 0;
        for (Layer layer : net.getLayers()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            if (conf instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer frozen) {
                conf = frozen.getLayer();
            } else if (conf instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop frozen) {
                conf = frozen.getUnderlying();
            }
            if (type.isInstance(conf)) {
                n++;
            }
        }
        return n;
    }

    private static void assertClose(INDArray expected, INDArray actual) {
        assertNotNull(actual);
        assertFalse(expected.isEmpty());
        INDArray e = expected.castTo(DataType.DOUBLE);
        double norm = e.norm2Number().doubleValue();
        double diff = e.sub(actual.castTo(DataType.DOUBLE)).norm2Number().doubleValue();
        assertTrue(norm > 0, "output is all zeros");
        assertTrue(diff <= TOLERANCE * norm, "relative L2 difference " + diff / norm);
    }
}
