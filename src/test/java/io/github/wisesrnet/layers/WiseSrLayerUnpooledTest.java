package io.github.wisesrnet.layers;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.TestNets;
import io.github.wisesrnet.WiseSrNet;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pool size 1 (the DEPTHWISE heads) on a 220x220 map, inside the tests' default heap (-Xmx6g): the layer weights the
 * map as it is, so nothing grows with (H*W)^2 (the pooling matrix used to be 48400 x 48400 doubles, 18.7
 * GB, here). Outputs are checked against the definition, {@code out[n,c] = sum_hw(x * W) + b}, computed plane by plane.
 */
class WiseSrLayerUnpooledTest {

    private static final int SIDE = 220;
    private static final int CHANNELS = 8;

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void depthwiseHeadComputesTheWeightedSumAndTrainsOnA220x220Map(CNN2DFormat format) {
        InputType input = TestNets.cnn(SIDE, SIDE, 3, format);
        ComputationGraph net = TestNets.convHeadOutput(input, CHANNELS,
                new WiseSrLayer.Builder().poolSize(1).nonNegative(false).build(), 4, DataType.FLOAT, new Sgd(0.1), 3);
        INDArray w = net.getLayer("head").getParam("W");
        assertEquals(SIDE, w.size(1), "p = 1: the kernel covers the whole map");
        w.assign(Nd4j.rand(DataType.FLOAT, w.shape()).subi(0.5).divi(SIDE));
        net.getLayer("head").getParam("b").assign(Nd4j.rand(DataType.FLOAT, 1, CHANNELS));
        INDArray x = TestNets.randomInput(input, 2, DataType.FLOAT, 4);

        Map<String, INDArray> activations = net.feedForward(x, false);
        INDArray map = activations.get("conv");
        INDArray b = net.getLayer("head").getParam("b");
        INDArray head = activations.get("head");
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < CHANNELS; c++) {
                INDArray plane = format == CNN2DFormat.NCHW
                        ? map.get(NDArrayIndex.point(n), NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all())
                        : map.get(NDArrayIndex.point(n), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(c));
                double expected = plane.mul(w.get(NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all()))
                        .sumNumber().doubleValue() + b.getDouble(0, c);
                assertEquals(expected, head.getDouble(n, c), 1e-4 * Math.max(1, Math.abs(expected)),
                        "head output [" + n + ", " + c + "]");
            }
        }

        INDArray before = w.dup();
        net.fit(new INDArray[]{x}, new INDArray[]{TestNets.labels(2, 4, DataType.FLOAT)});
        assertTrue(Double.isFinite(net.score()));
        assertNotEquals(before, w, "one training step should change W");
    }

    /** The DEPTHWISE head as WiseSrNet.attach builds it, on a backbone whose final map is 220x220: one step. */
    @Test
    void attachedDepthwiseHeadTrainsOnA220x220Map() {
        InputType image = InputType.convolutional(SIDE, SIDE, 3);
        ComputationGraph backbone = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(5)
                .dataType(DataType.FLOAT).graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nOut(CHANNELS).activation(Activation.RELU)
                        .convolutionMode(ConvolutionMode.Same).build(), "in")
                .setOutputs("conv").setInputTypes(image).build());
        backbone.init();
        ComputationGraph net = WiseSrNet.attach(backbone, 3, Head.DEPTHWISE, image);
        WiseSrLayerImpl head = java.util.Arrays.stream(net.getLayers()).filter(WiseSrLayerImpl.class::isInstance)
                .map(WiseSrLayerImpl.class::cast).findFirst().orElseThrow();
        assertEquals(1, head.layerConf().getPoolSize());
        assertEquals(SIDE, head.layerConf().getKernelHeight());

        INDArray x = TestNets.randomInput(image, 2, DataType.FLOAT, 6);
        INDArray w = head.getParam("W");
        INDArray before = w.dup();
        net.fit(new INDArray[]{x}, new INDArray[]{TestNets.labels(2, 3, DataType.FLOAT)});
        assertTrue(Double.isFinite(net.score()));
        assertNotEquals(before, w, "one training step should change W");
        assertEquals(2, net.outputSingle(x).size(0));
    }
}
