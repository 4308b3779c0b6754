package io.github.wisesrnet.layers;

import io.github.wisesrnet.TestNets;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sizes derived from the input type, parameter shapes, defaults and clear errors. */
class WiseSrLayerConfigTest {

    @ParameterizedTest(name = "{0}x{1} -> p={2}, kernel {3}x{4}")
    @CsvSource({
            "7, 7, 2, 3, 3",     // ResNet50 at 224: the paper's 3x3 kernel
            "16, 16, 3, 5, 5",   // at 512: 5x5
            "10, 10, 2, 5, 5",   // the rule's boundary
            "11, 11, 3, 3, 3",
            "5, 9, 2, 2, 4",     // non-square; 'valid' drops the last row
            "1, 1, 1, 1, 1",     // too small for pre-pooling: auto falls back to 1
            "2, 8, 2, 1, 4"})
    void paperRuleSetsPoolAndKernel(int h, int w, int p, int kH, int kW) {
        WiseSrLayer layer = new WiseSrLayer.Builder().inputType(InputType.convolutional(h, w, 64)).build();
        assertEquals(p, layer.getPoolSize());
        assertEquals(kH, layer.getKernelHeight());
        assertEquals(kW, layer.getKernelWidth());
        assertEquals(64, layer.getNIn());
        assertEquals(64, layer.getNOut());
        assertEquals(64L * (kH * kW + 1), layer.initializer().numParams(layer));
    }

    @Test
    void paramTableHasThePromisedShapes() {
        ComputationGraph net = TestNets.convHeadOutput(TestNets.cnn(7, 7, 3, CNN2DFormat.NHWC), 32,
                new WiseSrLayer.Builder().build(), 5, DataType.FLOAT, new Sgd(0.1), 1);
        assertArrayEquals(new long[]{32, 3, 3}, net.getLayer("head").getParam("W").shape());
        assertArrayEquals(new long[]{1, 32}, net.getLayer("head").getParam("b").shape());
        assertEquals(0.0, net.getLayer("head").getParam("b").sumNumber().doubleValue());
        double std = net.getLayer("head").getParam("W").stdNumber().doubleValue();
        assertTrue(std > 0.005 && std < 0.02, "W should start as Normal(0, 0.01), std was " + std);
        assertEquals(CNN2DFormat.NHWC, ((WiseSrLayer) net.getLayer("head").conf().getLayer()).getDataFormat());
    }

    @Test
    void noBiasMeansNoBiasParameter() {
        ComputationGraph net = TestNets.convHeadOutput(TestNets.cnn(4, 4, 3, CNN2DFormat.NCHW), 8,
                new WiseSrLayer.Builder().hasBias(false).poolSize(1).build(), 2, DataType.FLOAT, new Sgd(0.1), 1);
        assertNull(net.getLayer("head").paramTable().get("b"));
        assertEquals(8 * 16, net.getLayer("head").numParams());
    }

    @Test
    void outputDropoutOnlyActsInTraining() {
        ComputationGraph net = TestNets.convHeadOutput(TestNets.cnn(4, 4, 3, CNN2DFormat.NCHW), 64,
                new WiseSrLayer.Builder().outputDropout(0.5).build(), 2, DataType.FLOAT, new Sgd(0.1), 1);
        net.getLayer("head").getParam("W").assign(1.0);
        var x = Nd4j.ones(DataType.FLOAT, 2, 3, 4, 4);
        var inference = net.feedForward(x, false).get("head");
        var training = net.feedForward(x, true).get("head");
        assertEquals(0, inference.eq(0.0).castTo(DataType.INT32).sumNumber().intValue());
        int zeros = training.eq(0.0).castTo(DataType.INT32).sumNumber().intValue();
        assertTrue(zeros > 20 && zeros < 108, "about half of 128 values should be dropped, got " + zeros);
    }

    @Test
    void mapSmallerThanPoolSizeIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> new WiseSrLayer.Builder().poolSize(3)
                .inputType(InputType.convolutional(2, 5, 8)).build());
        assertTrue(e.getMessage().contains("smaller than the pool size 3"), e.getMessage());
        assertTrue(e.getMessage().contains("poolSize(1)"), e.getMessage());
    }

    @Test
    void nonConvolutionalInputTypeIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new WiseSrLayer.Builder().inputType(InputType.feedForward(10)).build());
        assertTrue(e.getMessage().contains("expects a convolutional feature map"), e.getMessage());
    }

    @Test
    void missingInputTypeIsAClearError() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in")
                .addLayer("head", new WiseSrLayer.Builder().nIn(8).build(), "in")
                .addLayer("out", new OutputLayer.Builder().nIn(8).nOut(2).activation(Activation.SOFTMAX).build(),
                        "head")
                .setOutputs("out").build();
        var e = assertThrows(IllegalStateException.class, () -> new ComputationGraph(conf).init());
        assertTrue(e.getMessage().contains("setInputTypes"), e.getMessage());
    }

    @Test
    void wrongRankAndChannelsAreClearErrors() {
        ComputationGraph net = headOnly(InputType.convolutional(4, 4, 8));
        var rank = assertThrows(DL4JInvalidInputException.class,
                () -> net.outputSingle(Nd4j.ones(DataType.FLOAT, 2, 8)));
        assertTrue(rank.getMessage().contains("rank 4"), rank.getMessage());

        var channels = assertThrows(DL4JInvalidInputException.class,
                () -> net.outputSingle(Nd4j.ones(DataType.FLOAT, 2, 5, 4, 4)));
        assertTrue(channels.getMessage().contains("[minibatch, 8, 4, 4] (NCHW)"), channels.getMessage());

        var swapped = assertThrows(DL4JInvalidInputException.class,
                () -> net.outputSingle(Nd4j.ones(DataType.FLOAT, 2, 4, 4, 8)));
        assertTrue(swapped.getMessage().contains("NCHW vs NHWC"), swapped.getMessage());

        var size = assertThrows(DL4JInvalidInputException.class,
                () -> net.outputSingle(Nd4j.ones(DataType.FLOAT, 2, 8, 6, 6)));
        assertTrue(size.getMessage().contains("another input size"), size.getMessage());
    }

    @Test
    void builderRejectsBadOptions() {
        assertThrows(IllegalArgumentException.class, () -> new WiseSrLayer.Builder().poolSize(-1));
        assertThrows(IllegalArgumentException.class, () -> new WiseSrLayer.Builder().outputDropout(1.0));
    }

    private static ComputationGraph headOnly(InputType input) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .updater(new Sgd(0.1)).graphBuilder()
                .addInputs("in")
                .addLayer("head", new WiseSrLayer.Builder().build(), "in")
                .addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "head")
                .setOutputs("out").setInputTypes(input).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    @Test
    void memoryReportCountsWhatTheLayerAllocates() {
        org.nd4j.linalg.learning.config.Adam adam = new org.nd4j.linalg.learning.config.Adam(1e-3);
        long c = 2048;
        // NCHW 7x7, p = 2: 3x3 windows; pooling matrix E [9, 49] and full-map kernel K [C, 49] in training
        WiseSrLayer nchw = new WiseSrLayer.Builder().updater(adam).nIn(c).build();
        var small = nchw.getMemoryReport(InputType.convolutional(7, 7, c));
        long params = c * 9 + c;
        assertEquals(params, small.getParameterSize());
        assertEquals(2 * params, small.getUpdaterStateSize()); // Adam keeps two values per parameter
        assertEquals(9 * 49, small.getWorkingMemoryFixedInference());
        assertEquals(2 * c * 9, small.getWorkingMemoryVariableInference());
        assertEquals(9 * 49 + c * 49, small.getWorkingMemoryFixedTrain().get(org.deeplearning4j.nn.conf.CacheMode.NONE));

        // NHWC 7x7 multiplies the whole map by K: one map-sized array per example
        var nhwc = nchw.getMemoryReport(InputType.convolutional(7, 7, c, CNN2DFormat.NHWC));
        assertEquals(c * 49, nhwc.getWorkingMemoryVariableInference());
        assertEquals(c * 49, nhwc.getWorkingMemoryVariableTrain().get(org.deeplearning4j.nn.conf.CacheMode.NONE));

        // 56x56, p = 3: pooled with ND4J's op, nothing of the map's size is kept; 18x18 windows
        WiseSrLayer large = new WiseSrLayer.Builder().updater(adam).nIn(256).build();
        var op = large.getMemoryReport(InputType.convolutional(56, 56, 256));
        assertEquals(2 * 256 * 324, op.getWorkingMemoryVariableInference());
        assertEquals(3 * 256 * 324, op.getWorkingMemoryVariableTrain().get(org.deeplearning4j.nn.conf.CacheMode.NONE));
        assertEquals(0, op.getWorkingMemoryFixedTrain().get(org.deeplearning4j.nn.conf.CacheMode.NONE));
        // NHWC transposes W [C, kH*kW] once
        var opNhwc = large.getMemoryReport(InputType.convolutional(56, 56, 256, CNN2DFormat.NHWC));
        assertEquals(256 * 324, opNhwc.getWorkingMemoryFixedTrain().get(org.deeplearning4j.nn.conf.CacheMode.NONE));

        // NCHW 120x121 (above 112x112), p = 3: 40x40 windows; K's distinct rows [C, 40, 121] and two 3-value constants
        // fixed, the band rows of the gradient [N, C, 1, 3, 1] per example
        WiseSrLayer planes = new WiseSrLayer.Builder().updater(adam).nIn(32).build();
        var band = planes.getMemoryReport(InputType.convolutional(120, 121, 32));
        assertEquals(32 * 40 * 121 + 6, band.getWorkingMemoryFixedTrain().get(org.deeplearning4j.nn.conf.CacheMode.NONE));
        assertEquals(2 * 32 * 1600 + 32 * 3,
                band.getWorkingMemoryVariableTrain().get(org.deeplearning4j.nn.conf.CacheMode.NONE));
    }

    /**
     * Pool size 1 (DEPTHWISE heads): one array of the map's size per example and nothing fixed in NCHW (NHWC: W and
     * dW as [H, W, C]), so the report grows with the map's pixels, not with their square.
     */
    @Test
    void memoryReportOfPoolSizeOneIsLinearInTheMap() {
        WiseSrLayer depthwise = new WiseSrLayer.Builder().poolSize(1).nonNegative(false).nIn(32).build();
        var at110 = depthwise.getMemoryReport(InputType.convolutional(110, 110, 32));
        var at220 = depthwise.getMemoryReport(InputType.convolutional(220, 220, 32));
        var none = org.deeplearning4j.nn.conf.CacheMode.NONE;
        assertEquals(32L * 220 * 220, at220.getWorkingMemoryVariableTrain().get(none));
        assertEquals(32L * 220 * 220, at220.getWorkingMemoryVariableInference());
        assertEquals(0, at220.getWorkingMemoryFixedTrain().get(none));
        assertEquals(0, at220.getWorkingMemoryFixedInference());
        assertEquals(4 * at110.getWorkingMemoryVariableTrain().get(none),
                at220.getWorkingMemoryVariableTrain().get(none));
        assertEquals(32L * 220 * 220 + 32, at220.getParameterSize());
        var nhwc = depthwise.getMemoryReport(InputType.convolutional(220, 220, 32, CNN2DFormat.NHWC));
        assertEquals(2 * 32L * 220 * 220, nhwc.getWorkingMemoryFixedTrain().get(none));
        assertEquals(32L * 220 * 220, nhwc.getWorkingMemoryFixedInference());
    }
}
