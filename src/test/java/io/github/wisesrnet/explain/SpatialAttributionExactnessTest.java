package io.github.wisesrnet.explain;

import io.github.wisesrnet.AttachOptions;
import io.github.wisesrnet.Head;
import io.github.wisesrnet.TestNets;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attributions add up to the network's own class scores, for every head, both layouts and maps with and
 * without 'valid' pooling remainders; for GAP they are the class activation map.
 */
class SpatialAttributionExactnessTest {

    private static final int CLASSES = 5;
    private static final int CHANNELS = 6;

    /** Maps: 7x7 (p=2, one row and column dropped), 5x8 (non-square, p=2, one row dropped), 12x12 (p=3, exact). */
    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] sizes = {{7, 7}, {5, 8}, {12, 12}};
        for (Head head : Head.values()) {
            for (CNN2DFormat format : CNN2DFormat.values()) {
                for (int[] size : sizes) {
                    cases.add(Arguments.of(head, format, size[0], size[1]));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}x{3}")
    @MethodSource("cases")
    void mapsPlusConstantEqualTheNetworksLogits(Head head, CNN2DFormat format, int height, int width) {
        ComputationGraph net = randomNetwork(head, format, height, width, 7);
        INDArray input = TestNets.randomInput(TestNets.cnn(height, width, 3, format), 4, DataType.FLOAT, 11);

        SpatialAttribution explainer = SpatialAttribution.of(net);
        assertEquals(head.pooling(), explainer.pooling());
        Attributions a = explainer.explain(input, IntStream.range(0, CLASSES).toArray());

        assertArrayEquals(new long[]{4, CLASSES, height, width}, a.maps().shape());
        INDArray expected = logitsOf(net, input);
        assertTrue(expected.equalsWithEps(a.logits(), 2e-5),
                "logits\n" + expected + "\nvs sums of the maps + constants\n" + a.logits());
        INDArray output = net.outputSingle(false, input);
        assertTrue(output.equalsWithEps(a.probabilities(), 1e-6));
        assertTrue(output.equalsWithEps(Transforms.softmax(a.logits()), 1e-5));
        // Not trivially satisfied: the maps vary over positions.
        assertTrue(a.maps().std(2, 3).maxNumber().doubleValue() > 1e-4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void gapAttributionIsTheClassActivationMapOverTheMapSize(CNN2DFormat format) {
        int h = 6;
        int w = 9;
        ComputationGraph net = randomNetwork(Head.GAP, format, h, w, 3);
        INDArray input = TestNets.randomInput(TestNets.cnn(h, w, 3, format), 3, DataType.FLOAT, 5);
        Attributions a = SpatialAttribution.of(net).explain(input, 1, 4);

        // CAM_k[h, w] = sum_c D[c, k] x[c, h, w], computed here from DL4J's activations and parameters.
        INDArray map = net.feedForward(input, false).get("conv");
        INDArray nchw = format == CNN2DFormat.NHWC ? map.permute(0, 3, 1, 2).dup() : map;
        INDArray dense = net.getLayer(WiseSrNet.OUTPUT_VERTEX).getParam(DefaultParamInitializer.WEIGHT_KEY);
        int[] classes = {1, 4};
        for (int n = 0; n < 3; n++) {
            for (int j = 0; j < classes.length; j++) {
                INDArray cam = Nd4j.zeros(DataType.FLOAT, h, w);
                for (int c = 0; c < CHANNELS; c++) {
                    cam.addi(nchw.get(org.nd4j.linalg.indexing.NDArrayIndex.point(n),
                            org.nd4j.linalg.indexing.NDArrayIndex.point(c)).mul(dense.getDouble(c, classes[j])));
                }
                assertTrue(cam.divi(h * w).equalsWithEps(a.map(n, j), 1e-6), "image " + n + " class " + classes[j]);
            }
        }
    }

    static Stream<CNN2DFormat> formats() {
        return Stream.of(CNN2DFormat.values());
    }

    @Test
    void topKIsRankedByTheNetworksProbabilities() {
        ComputationGraph net = randomNetwork(Head.WISE_SRNET, CNN2DFormat.NCHW, 7, 7, 2);
        INDArray input = TestNets.randomInput(TestNets.cnn(7, 7, 3, CNN2DFormat.NCHW), 3, DataType.FLOAT, 9);
        Attributions a = SpatialAttribution.of(net).explainTopK(input, 2);
        INDArray output = net.outputSingle(false, input);
        for (int n = 0; n < 3; n++) {
            assertEquals(output.getRow(n).argMax().getInt(0), a.classes()[n][0]);
            assertTrue(a.probabilities().getDouble(n, 0) >= a.probabilities().getDouble(n, 1));
        }
        assertEquals(CLASSES, SpatialAttribution.of(net).explainTopK(input, 99).classes()[0].length);
    }

    @Test
    void everyLibraryBackboneWithItsKerasTopOrAWiseSrNetHead() {
        for (Backbone backbone : List.of(Backbone.TINY, Backbone.SMALL_CNN, Backbone.RESNET50)) {
            int side = Math.max(backbone.minimumInputSize(), 40);
            InputType.InputTypeConvolutional type = (InputType.InputTypeConvolutional) InputType.convolutional(side,
                    side, 3, CNN2DFormat.NCHW);
            ComputationGraph keras = backbone.classifier(type, 3, 1);
            ComputationGraph wise = WiseSrNet.attach(backbone.featureExtractor(type, 1), 3);
            INDArray input = TestNets.randomInput(type, 2, DataType.FLOAT, 3);
            for (ComputationGraph net : List.of(keras, wise)) {
                Attributions a = SpatialAttribution.of(net).explain(input, 0, 1, 2);
                assertTrue(logitsOf(net, input).equalsWithEps(a.logits(), 1e-4),
                        backbone + " " + SpatialAttribution.of(net).describeHead());
            }
        }
    }

    @Test
    void refusesHeadsThatAreNotLinearBeforeTheSoftmax() {
        var conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nOut(4).build(), "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").setInputTypes(InputType.convolutional(5, 5, 3)).build();
        ComputationGraph maxPooled = new ComputationGraph(conf);
        maxPooled.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpatialAttribution.of(maxPooled));
        assertTrue(e.getMessage().contains("'pool'"), e.getMessage());

        var hidden = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nOut(4).build(), "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv")
                .addLayer("fc", new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build(), "pool")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("out").setInputTypes(InputType.convolutional(5, 5, 3)).build();
        ComputationGraph withHidden = new ComputationGraph(hidden);
        withHidden.init();
        e = assertThrows(IllegalArgumentException.class, () -> SpatialAttribution.of(withHidden));
        assertTrue(e.getMessage().contains("'fc'") && e.getMessage().contains("DenseLayer"), e.getMessage());
    }

    @Test
    void rejectsClassesOutsideTheNetworkAndInputsOfAnotherSize() {
        ComputationGraph net = randomNetwork(Head.WISE_SRNET, CNN2DFormat.NCHW, 7, 7, 2);
        SpatialAttribution explainer = SpatialAttribution.of(net);
        INDArray input = TestNets.randomInput(TestNets.cnn(7, 7, 3, CNN2DFormat.NCHW), 1, DataType.FLOAT, 9);
        assertThrows(IllegalArgumentException.class, () -> explainer.explain(input, CLASSES));
        assertThrows(IllegalArgumentException.class, () -> explainer.explainTopK(input, 0));
        assertThrows(IllegalArgumentException.class, () -> explainer.explain(input.reshape(3, 7, 7), 0));
    }

    @Test
    void upsampledMapsHaveTheRequestedSizeAndKeepTheirSign() {
        ComputationGraph net = randomNetwork(Head.WISE_SRNET, CNN2DFormat.NHWC, 7, 7, 2);
        INDArray input = TestNets.randomInput(TestNets.cnn(7, 7, 3, CNN2DFormat.NHWC), 2, DataType.FLOAT, 9);
        Attributions a = SpatialAttribution.of(net).explainTopK(input, 2);
        INDArray up = a.upsampled(28, 21);
        assertArrayEquals(new long[]{2, 2, 28, 21}, up.shape());
        // Bilinear resizing stays within the range of the map it resizes.
        for (int n = 0; n < 2; n++) {
            INDArray map = a.map(n, 0);
            INDArray big = up.get(org.nd4j.linalg.indexing.NDArrayIndex.point(n),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(0));
            assertTrue(big.maxNumber().doubleValue() <= map.maxNumber().doubleValue() + 1e-6);
            assertTrue(big.minNumber().doubleValue() >= map.minNumber().doubleValue() - 1e-6);
        }
        assertFalse(SpatialAttribution.of(net).spatialWeights().isEmpty());
    }

    /** The output layer's pre-softmax values, from DL4J: its input (after any preprocessor) times W plus b. */
    static INDArray logitsOf(ComputationGraph net, INDArray input) {
        String output = net.getConfiguration().getNetworkOutputs().get(0);
        net.feedForward(new INDArray[]{input}, false, false);
        org.deeplearning4j.nn.api.Layer layer = net.getLayer(output);
        INDArray in = layer.input().castTo(DataType.FLOAT);
        INDArray w = layer.getParam(DefaultParamInitializer.WEIGHT_KEY).castTo(DataType.FLOAT);
        INDArray b = layer.getParam(DefaultParamInitializer.BIAS_KEY).castTo(DataType.FLOAT);
        INDArray logits = in.mmul(w).addiRowVector(b);
        net.clearLayersStates();
        return logits;
    }

    /** conv 1x1 (tanh) -> head -> softmax, every parameter drawn from U(-1, 1) so that no term is negligible. */
    static ComputationGraph randomNetwork(Head head, CNN2DFormat format, int height, int width, long seed) {
        var builder = new NeuralNetConfiguration.Builder().seed(seed).weightInit(WeightInit.XAVIER)
                .updater(new Sgd(0.1)).graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nOut(CHANNELS).activation(Activation.TANH)
                        .convolutionMode(ConvolutionMode.Truncate).dataFormat(format).build(), "in")
                .setOutputs("conv")
                .setInputTypes(InputType.convolutional(height, width, 3, format));
        ComputationGraph net = WiseSrNet.attach(builder, CLASSES, AttachOptions.builder().head(head).build());
        Nd4j.getRandom().setSeed(seed);
        net.params().assign(Nd4j.rand(net.params().dataType(), net.params().shape()).subi(0.5).muli(2));
        return net;
    }

}
