package io.github.wisesrnet.layers;

import io.github.wisesrnet.TestNets;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kept pooled map with DL4J's workspaces on (training and inference): the backward pass reuses it (the
 * activations workspace is still open and unchanged), inference passes in between do not disturb training, and the
 * results are those of the same network without workspaces.
 */
class WiseSrLayerWorkspaceTest {

    @ParameterizedTest(name = "{0}x{1} map, p = {2}, {3}")
    @CsvSource({"7, 7, 2, NCHW", "24, 24, 3, NCHW", "24, 24, 3, NHWC", "120, 125, 3, NCHW", "120, 120, 4, NCHW"})
    void trainingWithWorkspacesMatchesTrainingWithout(int h, int w, int p, CNN2DFormat format) {
        InputType input = TestNets.cnn(h, w, 3, format);
        ComputationGraph enabled = net(input, p, WorkspaceMode.ENABLED);
        ComputationGraph none = net(input, p, WorkspaceMode.NONE);
        none.setParams(enabled.params().dup());
        INDArray x = TestNets.randomInput(input, 4, DataType.DOUBLE, 1);
        INDArray other = TestNets.randomInput(input, 4, DataType.DOUBLE, 2);
        INDArray y = TestNets.labels(4, 3, DataType.DOUBLE);
        for (int step = 0; step < 3; step++) {
            // an inference pass on other data between training steps, in both networks
            assertClose(none.outputSingle(other), enabled.outputSingle(other), "inference output");
            enabled.fit(new INDArray[]{x}, new INDArray[]{y});
            none.fit(new INDArray[]{x}, new INDArray[]{y});
            assertClose(none.params(), enabled.params(), "parameters after step " + step);
        }
        WiseSrLayerImpl head = (WiseSrLayerImpl) enabled.getLayer("head");
        assertEquals(3, head.keptPoolingReuses, "each training step should reuse its forward pass's pooled map");
    }

    /**
     * What the guard tests: an array kept in a workspace is readable while that workspace stays open, and not after
     * it was closed, even once it is open again (its memory is then reused), though the array was never closed.
     */
    @Test
    void keptArrayIsValidOnlyInTheWorkspaceScopeItWasMadeIn() {
        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(1 << 20).build();
        String id = "WiseSrLayerWorkspaceTest";
        INDArray kept;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, id)) {
            kept = Nd4j.create(DataType.FLOAT, 4, 5);
            assertTrue(kept.isAttached());
            assertTrue(WiseSrLayerImpl.stillValid(kept));
        }
        assertFalse(kept.wasClosed(), "a workspace does not close its arrays: wasClosed() cannot tell");
        assertFalse(WiseSrLayerImpl.stillValid(kept), "workspace closed");
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, id)) {
            Nd4j.create(DataType.FLOAT, 4, 5); // may take the kept array's memory
            assertFalse(WiseSrLayerImpl.stillValid(kept), "workspace open again, in a new generation");
        } finally {
            Nd4j.getWorkspaceManager().destroyWorkspace(Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(id));
        }
        assertTrue(WiseSrLayerImpl.stillValid(Nd4j.create(DataType.FLOAT, 2)), "detached arrays stay valid");
    }

    private static ComputationGraph net(InputType input, int p, WorkspaceMode mode) {
        CNN2DFormat format = ((InputType.InputTypeConvolutional) input).getFormat();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(11).dataType(DataType.DOUBLE)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .trainingWorkspaceMode(mode).inferenceWorkspaceMode(mode)
                .graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.TANH)
                        .convolutionMode(ConvolutionMode.Truncate).dataFormat(format).build(), "in")
                .addLayer("head", new WiseSrLayer.Builder().poolSize(p).nonNegative(false).build(), "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "head")
                .setOutputs("out").setInputTypes(input).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-12 * Math.max(1, expected.amaxNumber().doubleValue()), what + ": max difference " + diff);
    }
}
