package io.github.wisesrnet.layers;

import io.github.wisesrnet.TestNets;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The backward pass reuses the pooled map of the training forward pass only when it belongs to the current input
 * (the gradient and equivalence tests check the reuse itself, since every fit does it): a forward pass on one input,
 * then a backward pass on another gives the other input's gradients. Both pooling paths and both data formats.
 */
class WiseSrLayerKeptPoolingTest {

    @ParameterizedTest(name = "{0}x{0} map, p = {1}, {2}")
    @CsvSource({"7, 2, NCHW", "24, 3, NCHW", "24, 3, NHWC"})
    void backwardPassOnAnotherInputDoesNotUseTheKeptPooling(int size, int poolSize, CNN2DFormat format) {
        InputType input = TestNets.cnn(size, size, 4, format);
        ComputationGraph net = TestNets.convHeadOutput(input, 4, new WiseSrLayer.Builder().poolSize(poolSize).build(),
                3, DataType.DOUBLE, null, 5);
        net.initGradientsView();
        WiseSrLayerImpl head = (WiseSrLayerImpl) net.getLayer("head");
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        INDArray first = TestNets.randomInput(input, 3, DataType.DOUBLE, 1);
        INDArray second = TestNets.randomInput(input, 3, DataType.DOUBLE, 2);
        Nd4j.getRandom().setSeed(3);
        INDArray epsilon = Nd4j.rand(DataType.DOUBLE, 3, 4);

        head.setInput(second, noWorkspaces);
        head.activate(true, noWorkspaces);
        Pair<Gradient, INDArray> expected = copy(head.backpropGradient(epsilon, noWorkspaces));

        head.setInput(first, noWorkspaces);
        head.activate(true, noWorkspaces);
        Pair<Gradient, INDArray> afterFirst = copy(head.backpropGradient(epsilon, noWorkspaces));
        assertNotEquals(expected.getFirst().getGradientFor("W"), afterFirst.getFirst().getGradientFor("W"),
                "the two inputs must give different weight gradients for this test to mean anything");

        head.setInput(first, noWorkspaces);
        head.activate(true, noWorkspaces);
        head.setInput(second, noWorkspaces); // no forward pass on this one
        Pair<Gradient, INDArray> stale = head.backpropGradient(epsilon, noWorkspaces);
        assertEquals(expected.getFirst().getGradientFor("W"), stale.getFirst().getGradientFor("W"));
        assertEquals(expected.getSecond(), stale.getSecond());
    }

    private static Pair<Gradient, INDArray> copy(Pair<Gradient, INDArray> p) {
        Gradient g = new org.deeplearning4j.nn.gradient.DefaultGradient();
        p.getFirst().gradientForVariable().forEach((k, v) -> g.setGradientFor(k, v.dup()));
        return new Pair<>(g, p.getSecond().dup());
    }
}
