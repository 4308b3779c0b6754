package io.github.wisesrnet.layers;

import io.github.wisesrnet.TestNets;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finite-difference gradient checks in double precision over formats, pool sizes, map shapes and bias. */
class WiseSrLayerGradientTest {

    private static DataType previousDefault;

    @BeforeAll
    static void doublePrecision() {
        previousDefault = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restorePrecision() {
        Nd4j.setDefaultDataTypes(previousDefault, previousDefault);
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        // 17x23 is above WiseSrLayerImpl.MAX_MATRIX_POOLED_PIXELS: pooled with ND4J's op (p > 1), with remainders
        int[][] maps = {{7, 7}, {16, 16}, {5, 9}, {17, 23}};
        for (CNN2DFormat format : CNN2DFormat.values()) {
            for (int p = 1; p <= 3; p++) {
                for (int[] map : maps) {
                    for (boolean bias : new boolean[]{true, false}) {
                        cases.add(Arguments.of(format, p, map[0], map[1], bias));
                    }
                }
            }
        }
        // an NCHW plane above WiseSrLayerImpl.MAX_POOLING_OP_PLANE_PIXELS: window sums forward, with remainders
        // (p = 8 keeps the parameter count, and so the time of the check, small)
        cases.add(Arguments.of(CNN2DFormat.NCHW, 8, 113, 118, true));
        cases.add(Arguments.of(CNN2DFormat.NCHW, 8, 113, 118, false));
        // and without remainders (120 = 8 * 15): no rows or columns dropped
        cases.add(Arguments.of(CNN2DFormat.NCHW, 8, 120, 120, true));
        cases.add(Arguments.of(CNN2DFormat.NCHW, 8, 120, 120, false));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} p={1} map={2}x{3} bias={4}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(CNN2DFormat format, int p, int h, int w, boolean bias) {
        WiseSrLayer head = new WiseSrLayer.Builder().poolSize(p).hasBias(bias).nonNegative(false).build();
        assertTrue(check(TestNets.cnn(h, w, 2, format), head),
                "gradient check failed for " + format + " p=" + p + " " + h + "x" + w + " bias=" + bias);
    }

    /**
     * Dropout on the layer's input (DL4J's layer dropout) and on its output, in the backward pass of every path: the
     * random generator is reset before each pass, so that every pass drops the same values.
     */
    @ParameterizedTest(name = "{0} p={1} map={2}x{3}")
    @CsvSource({"NCHW, 1, 7, 7", "NHWC, 1, 7, 7", "NCHW, 2, 7, 7", "NHWC, 2, 7, 7", "NCHW, 3, 17, 23",
            "NHWC, 3, 17, 23", "NCHW, 8, 113, 118"})
    void gradientsWithDropoutMatchFiniteDifferences(CNN2DFormat format, int p, int h, int w) {
        WiseSrLayer head = new WiseSrLayer.Builder().poolSize(p).nonNegative(false).dropOut(0.6).outputDropout(0.3)
                .build();
        assertTrue(check(TestNets.cnn(h, w, 2, format), head),
                "gradient check with dropout failed for " + format + " p=" + p + " " + h + "x" + w);
    }

    /** Gradient check of input -> 1x1 conv -> head -> softmax. */
    private static boolean check(InputType input, WiseSrLayer head) {
        ComputationGraph net = TestNets.convHeadOutput(input, 3, head, 3, DataType.DOUBLE, null, 12345);
        // Tolerances are tighter than DL4J's own checks (1e-3 relative, 1e-8 absolute); the absolute floor is the
        // finite-difference noise of a double score (~1e-10 on these gradients).
        // Weights of a normal size so that the check is not dominated by the tiny N(0, 0.01) init.
        net.getLayer("head").getParam("W").assign(Nd4j.rand(DataType.DOUBLE,
                net.getLayer("head").getParam("W").shape()).subi(0.5));

        INDArray features = TestNets.randomInput(input, 3, DataType.DOUBLE, 42);
        INDArray labels = TestNets.labels(3, 3, DataType.DOUBLE);
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net)
                .inputs(new INDArray[]{features}).labels(new INDArray[]{labels})
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .callEachIter(graph -> Nd4j.getRandom().setSeed(77)) // the same dropout masks in every pass
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false));
    }
}
