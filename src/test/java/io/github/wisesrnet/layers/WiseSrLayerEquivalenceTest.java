package io.github.wisesrnet.layers;

import io.github.wisesrnet.HelperSwitch;
import io.github.wisesrnet.cpu.OneDnnHelpers;
import io.github.wisesrnet.TestNets;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With identical weights, WiseSrLayer equals DL4J's own SubsamplingLayer(AVG) + DepthwiseConvolution2D + flatten
 * composition in outputs and in every gradient (float, within 1e-5 of the largest magnitude).
 */
class WiseSrLayerEquivalenceTest {

    private static final double TOLERANCE = 1e-5;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (CNN2DFormat format : CNN2DFormat.values()) {
            for (int p = 1; p <= 3; p++) {
                cases.add(Arguments.of(format, p, 7, 7));
                cases.add(Arguments.of(format, p, 5, 9));
            }
        }
        cases.add(Arguments.of(CNN2DFormat.NCHW, 3, 16, 16));
        // maps above WiseSrLayerImpl.MAX_MATRIX_POOLED_PIXELS: pooled with ND4J's pooling op, with remainders
        for (CNN2DFormat format : CNN2DFormat.values()) {
            for (int p = 2; p <= 3; p++) {
                cases.add(Arguments.of(format, p, 17, 23));
            }
            cases.add(Arguments.of(format, 3, 56, 56));
            // NCHW planes above WiseSrLayerImpl.MAX_POOLING_OP_PLANE_PIXELS: window sums forward (NHWC: the op)
            cases.add(Arguments.of(format, 4, 113, 118));
            cases.add(Arguments.of(format, 3, 120, 125));
            // and exact multiples of p: no rows or columns dropped, bands and windows cover the whole plane
            cases.add(Arguments.of(format, 3, 114, 114));
            cases.add(Arguments.of(format, 4, 120, 120));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} p={1} map={2}x{3}")
    @MethodSource("cases")
    void sameOutputsAndGradientsAsDl4jComposition(CNN2DFormat format, int p, int h, int w) {
        assertSameAsComposition(format, p, h, w, 5);
    }

    /** One case per path (unpooled, pooling matrix, pooling op, window sums) and format. */
    static Stream<Arguments> onePerPath() {
        List<Arguments> cases = new ArrayList<>();
        for (CNN2DFormat format : CNN2DFormat.values()) {
            cases.add(Arguments.of(format, 1, 7, 7));
            cases.add(Arguments.of(format, 2, 7, 7));
            cases.add(Arguments.of(format, 3, 17, 23));
            cases.add(Arguments.of(format, 3, 120, 125));
        }
        return cases.stream();
    }

    /** A batch of one: the [1, C] gradients and [1, ...] maps must not lose their example axis. */
    @ParameterizedTest(name = "{0} p={1} map={2}x{3}")
    @MethodSource("onePerPath")
    void batchOfOneGivesTheCompositionsOutputsAndGradients(CNN2DFormat format, int p, int h, int w) {
        assertSameAsComposition(format, p, h, w, 1);
    }

    /**
     * The same comparison with DL4J's layer helpers off when the networks are created and ND4J's native platform
     * helpers off while they run: the reference is then DL4J's and ND4J's built-in code, not oneDNN (which the default
     * test setup gives both networks' pooling and convolutions). Both switches are restored afterwards.
     */
    @ParameterizedTest(name = "{0} p={1} map={2}x{3}")
    @MethodSource("onePerPath")
    void sameAsCompositionWithHelpersOff(CNN2DFormat format, int p, int h, int w) {
        boolean nativeHelpers = Nd4j.getEnvironment().helpersAllowed();
        try (HelperSwitch ignored = HelperSwitch.saved()) {
            OneDnnHelpers.disable();
            Nd4j.getEnvironment().allowHelpers(false);
            ComputationGraph reference = assertSameAsComposition(format, p, h, w, 3);
            for (String name : new String[]{"conv", "pool"}) {
                if (reference.getVertex(name) != null) {
                    Object layer = reference.getLayer(name);
                    LayerHelper helper = layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer conv
                            ? conv.getHelper()
                            : ((org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer) layer).getHelper();
                    assertNull(helper, name + " has a layer helper: " + helper);
                }
            }
        } finally {
            Nd4j.getEnvironment().allowHelpers(nativeHelpers);
        }
    }

    /** Compares WiseSrLayer with the composition on a batch of {@code batch}; returns the reference network. */
    private static ComputationGraph assertSameAsComposition(CNN2DFormat format, int p, int h, int w, int batch) {
        int channels = 6;
        InputType input = TestNets.cnn(h, w, 3, format);
        ComputationGraph fused = TestNets.convHeadOutput(input, channels,
                new WiseSrLayer.Builder().poolSize(p).build(), 4, DataType.FLOAT, null, 7);
        ComputationGraph reference = composition(input, channels, p, h / p, w / p, format);

        // Same weights everywhere; the head's W is random and of normal size so differences would show.
        reference.setParams(Nd4j.rand(DataType.FLOAT, reference.params().shape()).subi(0.5));
        fused.getLayer("conv").setParams(reference.getLayer("conv").params().dup());
        fused.getLayer("out").setParams(reference.getLayer("out").params().dup());
        INDArray depthwiseW = reference.getLayer("dw").getParam("W"); // [kH, kW, C, 1]
        fused.getLayer("head").getParam("W").assign(toWiseSr(depthwiseW));
        fused.getLayer("head").getParam("b").assign(reference.getLayer("dw").getParam("b"));

        INDArray x = TestNets.randomInput(input, batch, DataType.FLOAT, 3);
        INDArray y = TestNets.labels(batch, 4, DataType.FLOAT);

        Map<String, INDArray> fusedActs = fused.feedForward(x, false);
        Map<String, INDArray> refActs = reference.feedForward(x, false);
        assertClose(refActs.get("dw").reshape(batch, channels), fusedActs.get("head"), "head output");
        assertClose(refActs.get("out"), fusedActs.get("out"), "network output");

        Gradient gFused = gradient(fused, x, y);
        Gradient gRef = gradient(reference, x, y);
        for (String key : new String[]{"conv_W", "conv_b", "out_W", "out_b"}) {
            assertClose(gRef.getGradientFor(key), gFused.getGradientFor(key), key);
        }
        assertClose(toWiseSr(gRef.getGradientFor("dw_W")), gFused.getGradientFor("head_W"), "head W gradient");
        assertClose(gRef.getGradientFor("dw_b").reshape(1, channels), gFused.getGradientFor("head_b"),
                "head b gradient");
        return reference;
    }

    private static ComputationGraph composition(InputType input, int channels, int p, int kH, int kW,
            CNN2DFormat format) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.FLOAT).updater(new NoOp()).weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nOut(channels).activation(Activation.TANH)
                        .convolutionMode(ConvolutionMode.Truncate).dataFormat(format).build(), "in");
        String previous = "conv";
        if (p > 1) {
            b.addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(p, p)
                    .stride(p, p).convolutionMode(ConvolutionMode.Truncate).dataFormat(format).build(), previous);
            previous = "pool";
        }
        b.addLayer("dw", new DepthwiseConvolution2D.Builder(kH, kW).depthMultiplier(1).stride(1, 1)
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.IDENTITY).dataFormat(format)
                        .build(), previous)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "dw")
                .setOutputs("out")
                .setInputTypes(input);
        ComputationGraph net = new ComputationGraph(b.build());
        net.init();
        return net;
    }

    /** DepthwiseConvolution2D's [kH, kW, C, 1] weights as WiseSrLayer's [C, kH, kW]. */
    private static INDArray toWiseSr(INDArray depthwise) {
        return depthwise.reshape(depthwise.size(0), depthwise.size(1), depthwise.size(2)).permute(2, 0, 1).dup('c');
    }

    private static Gradient gradient(ComputationGraph net, INDArray x, INDArray y) {
        net.setInputs(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        return net.gradient();
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-12);
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= TOLERANCE * scale, what + ": max difference " + diff + " vs largest value " + scale);
    }
}
