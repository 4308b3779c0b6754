package io.github.wisesrnet.deploy;

import io.github.wisesrnet.Head;
import io.github.wisesrnet.TestNets;
import io.github.wisesrnet.WiseSrNet;
import io.github.wisesrnet.backbones.Backbone;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every backbone of the library with the GAP and Wise-SrNet heads, NCHW and NHWC, trained two steps (so batch
 * normalization's running statistics are not their initial values): ONNX Runtime's output for the exported model
 * equals DL4J's within 1e-4 relative, and the file passes ONNX's own checker where Python's onnx package is installed.
 * Inputs are small where the full size is slow (each backbone at or near its smallest size).
 */
class OnnxExportEquivalenceTest {

    static final double TOLERANCE = 1e-4;
    private static final int CLASSES = 5;

    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Backbone backbone : Backbone.values()) {
            for (Head head : List.of(Head.GAP, Head.WISE_SRNET)) {
                for (CNN2DFormat format : CNN2DFormat.values()) {
                    cases.add(Arguments.of(backbone, head, format));
                }
            }
        }
        return cases.stream();
    }

    /** The smallest convenient input of each backbone (its minimum, rounded up to what its map needs). */
    static int sizeOf(Backbone backbone) {
        return Math.max(32, backbone.minimumInputSize());
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void onnxRuntimeMatchesDl4j(Backbone backbone, Head head, CNN2DFormat format) throws Exception {
        int size = sizeOf(backbone);
        InputType input = InputType.convolutional(size, size, 3, format);
        ComputationGraph net = WiseSrNet.attach(backbone.featureExtractor((InputType.InputTypeConvolutional) input, 7),
                CLASSES, head);
        trainFewSteps(net, input, CLASSES);
        for (org.deeplearning4j.nn.api.Layer layer : net.getLayers()) {
            if (layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization) {
                assertTrue(layer.getParam("mean").amaxNumber().doubleValue() > 0, "running means moved: "
                        + layer.conf().getLayer().getLayerName());
            }
        }

        Path file = dir.resolve(backbone.cliName() + "-" + head.cliName() + ".onnx");
        OnnxExport.of(net).write(file);
        INDArray x = TestNets.randomInput(input, 3, DataType.FLOAT, 11).muli(2);
        INDArray expected = net.outputSingle(false, x);
        assertTrue(Double.isFinite(expected.sumNumber().doubleValue()), "DL4J gives finite outputs: " + expected);
        try (OnnxClassifier onnx = OnnxClassifier.open(file, 2)) {
            INDArray actual = onnx.output(x);
            assertClose(expected, actual, TOLERANCE);
        }
        OnnxChecker.assertValid(file);
    }

    /** Two SGD steps on random images, so batch-norm statistics and all weights have moved from their start. */
    static void trainFewSteps(ComputationGraph net, InputType input, int classes) {
        net.setLearningRate(0.005); // the recipe's 0.045 makes ResNet50 diverge on random images
        for (int step = 0; step < 2; step++) {
            // batch 4: with 2 images, the 1x1 maps at the end of ResNet50 at 32 px give NaN in DL4J's training
            INDArray x = TestNets.randomInput(input, 4, DataType.FLOAT, 100 + step).muli(3).addi(0.5);
            net.fit(new DataSet(x, TestNets.labels(4, classes, DataType.FLOAT)));
        }
    }

    /** Element-wise {@code |a - e| <= tolerance * |e|}, with a floor for values near 0 (1e-3 of the tolerance). */
    static void assertClose(INDArray expected, INDArray actual, double tolerance) {
        assertEquals(List.of(expected.shape()[0], expected.shape()[1]), List.of(actual.shape()[0], actual.shape()[1]));
        double[] e = expected.castTo(DataType.DOUBLE).data().asDouble();
        double[] a = actual.castTo(DataType.DOUBLE).data().asDouble();
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            double relative = Math.abs(a[i] - e[i]) / Math.max(Math.abs(e[i]), 1e-3);
            worst = Math.max(worst, relative);
        }
        assertTrue(worst <= tolerance, "largest relative difference " + worst + " > " + tolerance + "\nDL4J: "
                + expected + "\nONNX Runtime: " + actual);
    }
}
